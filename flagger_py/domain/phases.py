"""Canary phases, the transitions between them, and the Promoted condition each one implies.

``TRANSITIONS`` is the table the state machine is held to: every phase change decide() makes goes
through ``check`` (``machine.status_change.enter``), and one the table does not allow is a bug in the
machine (``IllegalTransition``), never a property of the Canary."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from flagger_py.model.canary import Phase

ANALYSING: frozenset[Phase] = frozenset({"Progressing", "WaitingPromotion"})
"""Phases in which metrics and rollout webhooks are checked every tick."""

KEEPS_WEIGHT: frozenset[Phase] = frozenset({"Progressing", "Waiting", "Promoting", "WaitingPromotion"})
"""Phases that keep status.canaryWeight when entered (Flagger resets it in WaitingPromotion: fixed)."""

TRANSITIONS: Mapping[Phase, frozenset[Phase]] = {
    "": frozenset({"Initializing", "Initialized", "Failed"}),
    "Initializing": frozenset({"Initialized", "Failed"}),
    "Initialized": frozenset({"Waiting", "Progressing"}),
    "Waiting": frozenset({"Progressing", "Failed"}),
    "Progressing": frozenset({"Progressing", "WaitingPromotion", "Promoting", "Succeeded", "Failed"}),
    "WaitingPromotion": frozenset({"Progressing", "Promoting", "Succeeded", "Failed"}),
    "Promoting": frozenset({"Finalising", "Succeeded", "Failed"}),
    "Finalising": frozenset({"Succeeded", "Failed"}),
    "Succeeded": frozenset({"Waiting", "Progressing"}),
    "Failed": frozenset({"Waiting", "Progressing"}),
    "Terminating": frozenset(),
    "Terminated": frozenset(),
}
"""The phase changes decide() makes (flagger-behavior.md §2.2): a new Canary fails when its primary
does; a run (re)starts in Progressing, also mid-analysis on a new revision; ``skipAnalysis`` set during
a run ends it as Succeeded from any phase of the run. Terminating is entered from any phase on
deletion, by the finalizer (``engine.finalizer``), never by decide()."""


class IllegalTransition(AssertionError):
    """decide() tried a phase change that ``TRANSITIONS`` does not allow: a programming error."""


def can_transition(current: Phase, new: Phase) -> bool:
    """True when a run may go from ``current`` to ``new`` (staying put is always allowed)."""
    return new in (current, "Terminating") or new in TRANSITIONS[current]


def check(current: Phase, new: Phase) -> None:
    """Raise ``IllegalTransition`` unless a run may go from ``current`` to ``new``."""
    if not can_transition(current, new):
        raise IllegalTransition(f"phase {current or '(new)'!r} -> {new!r} is not in phases.TRANSITIONS")


ConditionStatus = Literal["True", "False", "Unknown"]


@dataclass(frozen=True)
class PromotedCondition:
    """The Promoted condition a phase implies: status, reason (the phase) and message."""

    status: ConditionStatus
    reason: str
    message: str


def promoted_condition(phase: Phase, kind: str = "Deployment") -> PromotedCondition:
    """Flagger's Promoted condition for ``phase`` (flagger-behavior.md §2.1)."""
    messages: Mapping[str, tuple[ConditionStatus, str]] = {
        "Initialized": ("True", f"{kind} initialization completed."),
        "Waiting": ("Unknown", "Waiting for approval."),
        "Progressing": ("Unknown", "New revision detected, progressing canary analysis."),
        "WaitingPromotion": ("Unknown", "Waiting for approval."),
        "Promoting": ("Unknown", "Canary analysis completed, starting primary rolling update."),
        "Finalising": ("Unknown", "Canary analysis completed, routing all traffic to primary."),
        "Succeeded": ("True", "Canary analysis completed successfully, promotion finished."),
        "Failed": ("False", f"Canary analysis failed, {kind} scaled to zero."),
    }
    status, message = messages.get(phase, ("Unknown", f"New {kind} detected, starting initialization."))
    return PromotedCondition(status, phase or "Initializing", message)
