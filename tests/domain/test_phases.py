"""Phases, transitions and the Promoted condition (flagger-behavior.md §2)."""

from __future__ import annotations

import pytest

from flagger_py.domain import phases


@pytest.mark.parametrize(
    ("current", "new", "allowed"),
    [
        ("", "Initializing", True),
        ("Initializing", "Initialized", True),
        ("Initialized", "Progressing", True),
        ("Initialized", "Waiting", True),
        ("Waiting", "Progressing", True),
        ("Progressing", "WaitingPromotion", True),
        ("WaitingPromotion", "Promoting", True),
        ("Promoting", "Finalising", True),
        ("Finalising", "Succeeded", True),
        ("Progressing", "Failed", True),
        ("Promoting", "Failed", True),  # failed promotion keeps traffic on the canary
        ("Succeeded", "Progressing", True),
        ("Failed", "Waiting", True),
        ("Progressing", "Progressing", True),  # a revision change mid-run restarts the analysis
        ("Progressing", "Terminating", True),
        ("Initialized", "Promoting", False),
        ("Succeeded", "Finalising", False),
        ("Failed", "Promoting", False),
        ("Waiting", "Promoting", False),
    ],
)
def test_transitions(current: str, new: str, allowed: bool) -> None:
    assert phases.can_transition(current, new) is allowed  # type: ignore[arg-type]


def test_every_phase_has_a_transition_entry() -> None:
    assert set(phases.TRANSITIONS) == {
        "",
        "Initializing",
        "Initialized",
        "Waiting",
        "Progressing",
        "WaitingPromotion",
        "Promoting",
        "Finalising",
        "Succeeded",
        "Failed",
        "Terminating",
        "Terminated",
    }


@pytest.mark.parametrize(
    ("phase", "status", "message"),
    [
        ("Initialized", "True", "Deployment initialization completed."),
        ("Progressing", "Unknown", "New revision detected, progressing canary analysis."),
        ("WaitingPromotion", "Unknown", "Waiting for approval."),
        ("Succeeded", "True", "Canary analysis completed successfully, promotion finished."),
        ("Failed", "False", "Canary analysis failed, Deployment scaled to zero."),
        ("", "Unknown", "New Deployment detected, starting initialization."),
    ],
)
def test_promoted_condition(phase: str, status: str, message: str) -> None:
    condition = phases.promoted_condition(phase)  # type: ignore[arg-type]
    assert (condition.status, condition.message) == (status, message)
