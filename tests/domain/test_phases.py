"""Phases, transitions and the Promoted condition (flagger-behavior.md §2)."""

from __future__ import annotations

import pytest

from flagger_py.domain import phases, settings
from flagger_py.model.canary import Analysis


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


def analysis(**fields: object) -> Analysis:
    return Analysis.model_validate({"interval": "1m", "threshold": 5, **fields})


def test_defaults_and_clamps() -> None:
    assert settings.interval_seconds(analysis(interval="1m30s", stepWeight=10)) == 90.0
    assert settings.threshold(analysis(threshold=0, stepWeight=10)) == 1
    assert settings.threshold(analysis(threshold=-3, stepWeight=10)) == 1


def test_strategy() -> None:
    assert settings.strategy(analysis(stepWeight=10), "istio") == "canary"
    assert settings.strategy(analysis(iterations=10), "istio") == "blue-green"
    assert (
        settings.strategy(analysis(iterations=10, match=[{"headers": {"x": {"exact": "y"}}}]), None)
        == "ab-testing"
    )
    assert settings.strategy(analysis(stepWeight=10), "kubernetes") == "blue-green"
    assert settings.iterations(analysis(stepWeight=10), "kubernetes") == 10
    assert settings.iterations(analysis(iterations=3), "kubernetes") == 3
