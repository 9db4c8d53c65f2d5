"""Canary phases, the transitions between them, and the Promoted condition each one implies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from flagger_py.model.canary import Phase

RUNNING: frozenset[Phase] = frozenset(
    {"Progressing", "Waiting", "WaitingPromotion", "Promoting", "Finalising"}
)
"""Phases of a run in progress: a new revision is not looked for, the run is continued."""

ANALYSING: frozenset[Phase] = frozenset({"Progressing", "WaitingPromotion"})
"""Phases in which metrics and rollout webhooks are checked every tick."""

KEEPS_WEIGHT: frozenset[Phase] = frozenset({"Progressing", "Waiting", "Promoting", "WaitingPromotion"})
"""Phases that keep status.canaryWeight when entered (Flagger resets it in WaitingPromotion: fixed)."""

TRANSITIONS: Mapping[Phase, frozenset[Phase]] = {
    "": frozenset({"Initializing", "Initialized"}),
    "Initializing": frozenset({"Initialized", "Failed"}),
    "Initialized": frozenset({"Waiting", "Progressing", "Succeeded"}),
    "Waiting": frozenset({"Progressing", "Failed"}),
    "Progressing": frozenset({"Progressing", "WaitingPromotion", "Promoting", "Succeeded", "Failed"}),
    "WaitingPromotion": frozenset({"Progressing", "Promoting", "Failed"}),
    "Promoting": frozenset({"Finalising", "Failed"}),
    "Finalising": frozenset({"Succeeded", "Failed"}),
    "Succeeded": frozenset({"Waiting", "Progressing", "Succeeded"}),
    "Failed": frozenset({"Waiting", "Progressing", "Succeeded"}),
    "Terminating": frozenset(),
    "Terminated": frozenset(),
}
"""Allowed phase changes (flagger-behavior.md §2.2). Terminating is entered from any phase on deletion."""


def can_transition(current: Phase, new: Phase) -> bool:
    """True when a run may go from ``current`` to ``new`` (staying put is always allowed)."""
    return new in (current, "Terminating") or new in TRANSITIONS[current]


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
