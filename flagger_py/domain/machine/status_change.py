"""How a step changes the status: a typed ``StatusChange``, entered with a phase through ``enter`` (the
one place a phase changes: checked against ``phases.TRANSITIONS``, with Flagger's setStatusPhase side
effects) or applied without one through ``update``. Either way the Promoted condition follows the
phase and ``lastTransitionTime`` moves only when something changed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flagger_py.domain import phases
from flagger_py.domain.affinity import RunCookies
from flagger_py.domain.observations import Instant
from flagger_py.model.canary import CanaryStatus, Condition, Phase


@dataclass(frozen=True)
class Applied:
    """The revision a run (or the initialization) is on: ``status.lastAppliedSpec`` (the pod-template
    hash) and ``status.trackedConfigs`` (the checksums of the ConfigMaps and Secrets it uses)."""

    revision: str
    configs: Mapping[str, str]


@dataclass(frozen=True)
class StatusChange:
    """The status fields a step sets; ``None`` keeps a field."""

    canary_weight: int | None = None
    iterations: int | None = None
    failed_checks: int | None = None
    """Cumulative over a run: set to 0 only when a run starts."""
    applied: Applied | None = None
    promoted: bool = False
    """With ``applied``: the primary runs that revision too (``status.lastPromotedSpec``)."""
    cookies: RunCookies | None = None
    """The session-affinity cookies of a new run (both fields are set: no primary cookie clears it)."""

    def fields(self) -> dict[str, object]:
        """The ``CanaryStatus`` fields this change sets, by name."""
        counters = (
            ("canary_weight", self.canary_weight),
            ("iterations", self.iterations),
            ("failed_checks", self.failed_checks),
        )
        out: dict[str, object] = {name: value for name, value in counters if value is not None}
        if self.applied is not None:
            out["last_applied_spec"] = self.applied.revision
            out["tracked_configs"] = dict(self.applied.configs)
            if self.promoted:
                out["last_promoted_spec"] = self.applied.revision
        if self.cookies is not None:
            out["session_affinity_cookie"] = self.cookies.session
            out["primary_session_affinity_cookie"] = self.cookies.primary
        return out


KEEP = StatusChange()
"""No field changed."""


def enter(status: CanaryStatus, phase: Phase, change: StatusChange, kind: str, now: Instant) -> CanaryStatus:
    """``status`` in ``phase`` (which ``phases.check`` must allow), with Flagger's setStatusPhase side
    effects, then ``change``; ``kind`` is the target's kind, for the Promoted condition's message."""
    phases.check(status.phase, phase)
    update: dict[str, object] = {"phase": phase}
    if phase not in phases.KEEPS_WEIGHT:
        update |= {"canary_weight": 0, "iterations": 0}
    if phase in ("Initialized", "Succeeded"):
        update["last_promoted_spec"] = status.last_applied_spec
    if phase in ("Succeeded", "Failed") and status.session_affinity_cookie:
        # The run is over: routers expire the previous cookie and stop matching it.
        update |= {
            "previous_session_affinity_cookie": status.session_affinity_cookie,
            "session_affinity_cookie": None,
            "primary_session_affinity_cookie": None,
        }
    return _changed(status, update | change.fields(), kind, now)


def update(status: CanaryStatus, change: StatusChange, kind: str, now: Instant) -> CanaryStatus:
    """``status`` with ``change``, its phase kept (no side effects)."""
    return _changed(status, change.fields(), kind, now)


def _changed(status: CanaryStatus, fields: dict[str, object], kind: str, now: Instant) -> CanaryStatus:
    new = status.model_copy(update=fields)
    if new == status:
        return status
    conditions = _promoted(new.phase, kind, now, status.conditions)
    return new.model_copy(update={"last_transition_time": now.text, "conditions": conditions})


def _promoted(
    phase: Phase, kind: str, now: Instant, conditions: tuple[Condition, ...]
) -> tuple[Condition, ...]:
    """Replace the Promoted condition (keeping its transition time when its status is unchanged)."""
    wanted = phases.promoted_condition(phase, kind)
    old = next((c for c in conditions if c.type == "Promoted"), None)
    if old is not None and old.status == wanted.status and old.reason == wanted.reason:
        return conditions
    since = old.last_transition_time if old is not None and old.status == wanted.status else now.text
    new = Condition(
        type="Promoted",
        status=wanted.status,
        reason=wanted.reason,
        message=wanted.message,
        last_transition_time=since,
        last_update_time=now.text,
    )
    return (*(c for c in conditions if c.type != "Promoted"), new)
