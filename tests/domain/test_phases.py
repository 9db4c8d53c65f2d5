"""Phases, transitions and the Promoted condition (flagger-behavior.md §2)."""

from __future__ import annotations

from typing import get_args

import pytest

from flagger_py.domain import phases
from flagger_py.model.canary import Phase

PHASES: tuple[Phase, ...] = get_args(Phase)


def entered_from(phase: Phase) -> set[str]:
    return {current for current, new in phases.TRANSITIONS.items() if phase in new}


def test_every_phase_has_a_transition_entry() -> None:
    assert set(phases.TRANSITIONS) == set(PHASES)


def test_every_phase_may_stay_or_be_deleted() -> None:
    assert all(phases.can_transition(p, p) and phases.can_transition(p, "Terminating") for p in PHASES)


def test_promotion_is_reached_only_through_analysis() -> None:
    assert entered_from("Promoting") == {"Progressing", "WaitingPromotion"}
    assert entered_from("Finalising") == {"Promoting"}
    assert entered_from("Initialized") == {"", "Initializing"}


def test_a_finished_run_starts_again_only_through_a_new_run() -> None:
    for ended in ("Initialized", "Succeeded", "Failed"):
        assert phases.TRANSITIONS[ended] == {"Waiting", "Progressing"}
    assert not phases.can_transition("Waiting", "Promoting")


def test_the_promoted_condition_follows_the_phase() -> None:
    statuses = {p: phases.promoted_condition(p).status for p in PHASES}
    assert {p for p, s in statuses.items() if s == "True"} == {"Initialized", "Succeeded"}
    assert {p for p, s in statuses.items() if s == "False"} == {"Failed"}
    assert all(phases.promoted_condition(p).reason == (p or "Initializing") for p in PHASES)


def test_promoted_messages_are_flaggers() -> None:
    assert phases.promoted_condition("Failed", "DaemonSet").message == (
        "Canary analysis failed, DaemonSet scaled to zero."
    )
    assert phases.promoted_condition("").message == "New Deployment detected, starting initialization."
    with pytest.raises(phases.IllegalTransition):
        phases.check("Succeeded", "Finalising")
