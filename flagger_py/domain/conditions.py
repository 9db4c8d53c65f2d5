"""The conditions besides Promoted that make a Canary's health readable by tools: ``Ready``, and the
kstatus conventions ``Reconciling`` (work in progress) and ``Stalled`` (needs a person), plus
``status.observedGeneration``. With them ``kubectl wait --for=condition=ready`` and Flux/kstatus
health checks wait for a release to finish and fail when it fails (DESIGN.md §6.2).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import assert_never

from flagger_py.domain.observations import Instant
from flagger_py.model.canary import CanaryStatus, Condition, Phase

HEALTH = ("Ready", "Reconciling", "Stalled")


@dataclass(frozen=True)
class Blocked:
    """Why the controller cannot act on a Canary: a reason (``InvalidSpec``, ``TargetNotFound``,
    ``UnknownProvider``...) and a message naming the field and the fix."""

    reason: str
    message: str


_RUNNING: Mapping[str, str] = {
    "": "New revision detected, starting initialization.",
    "Initializing": "Waiting for the primary to become ready.",
    "Waiting": "Waiting for approval to start the analysis.",
    "Progressing": "Canary analysis in progress.",
    "WaitingPromotion": "Waiting for approval to promote.",
    "Promoting": "Promoting the canary to the primary.",
    "Finalising": "Routing all traffic to the primary.",
}


def with_health(
    status: CanaryStatus, generation: int | None, now: Instant, blocked: Blocked | None = None
) -> CanaryStatus:
    """``status`` with observedGeneration and the Ready / Reconciling / Stalled conditions it implies."""
    if blocked is not None:
        why = (blocked.reason, blocked.message)
        wanted = {"Ready": ("False", *why), "Stalled": ("True", *why)}
    else:
        wanted = _wanted(status.phase)
    conditions = [c for c in status.conditions if c.type not in HEALTH]
    for kind in HEALTH:
        if kind in wanted:
            conditions.append(_condition(kind, *wanted[kind], generation, now, status.conditions))
    new = status.model_copy(update={"observed_generation": generation, "conditions": tuple(conditions)})
    return status if new == status else new


def _wanted(phase: Phase) -> dict[str, tuple[str, str, str]]:
    """The health conditions (status, reason, message) of a Canary in ``phase`` that is not blocked."""
    match phase:
        case "Initialized" | "Succeeded":
            promoted = "Initialization done." if phase == "Initialized" else "Promotion finished."
            return {"Ready": ("True", phase, promoted)}
        case "Failed":
            message = "Canary analysis failed; the primary keeps serving. Push a new revision to retry."
            return {"Ready": ("False", "Failed", message), "Stalled": ("True", "Failed", message)}
        case (
            ""
            | "Initializing"
            | "Waiting"
            | "Progressing"
            | "WaitingPromotion"
            | "Promoting"
            | "Finalising"
            | "Terminating"
            | "Terminated"
        ):
            message = _RUNNING.get(phase, f"Phase {phase}.")
            reason = phase or "Initializing"
            return {"Ready": ("False", reason, message), "Reconciling": ("True", reason, message)}
        case _:
            assert_never(phase)


def _condition(
    kind: str,
    value: str,
    reason: str,
    message: str,
    generation: int | None,
    now: Instant,
    current: tuple[Condition, ...],
) -> Condition:
    old = next((c for c in current if c.type == kind), None)
    if old is not None and (old.status, old.reason, old.message, old.observed_generation) == (
        value,
        reason,
        message,
        generation,
    ):
        return old
    since = old.last_transition_time if old is not None and old.status == value else now.text
    return Condition(
        type=kind,
        status=value,
        reason=reason,
        message=message,
        last_transition_time=since,
        last_update_time=now.text,
        observed_generation=generation,
    )
