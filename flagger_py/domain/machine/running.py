"""A run in progress (``Progressing``, ``WaitingPromotion``, ``Promoting``, ``Finalising``): the primary
and the canary ready, a restart on a new revision, the rollback hooks, then the phase's step."""

from __future__ import annotations

from flagger_py.domain import actions as act
from flagger_py.domain import phases
from flagger_py.domain.machine.analysis import analyse
from flagger_py.domain.machine.between_runs import new_run
from flagger_py.domain.machine.context import Tick
from flagger_py.domain.machine.decision import Decision
from flagger_py.domain.machine.ends import failed_promotion, finalise, rollback, rollback_if_asked, skip
from flagger_py.domain.machine.promotion import shift_to_primary
from flagger_py.domain.observations import Observe
from flagger_py.domain.weights import ALL_PRIMARY


def running(t: Tick) -> Decision | Observe:
    phase = t.status.phase
    if not t.spec.skip_analysis:
        primary = t.obs.primary
        if primary is None:
            return Observe("primary")
        if primary.failed:
            if phase in ("Promoting", "Finalising"):
                return failed_promotion(t, primary.message)
            return rollback(t, f"Primary of {t.canary} is not ready: {primary.message}")
        if not primary.ready:
            return t.done(t.event(f"Halt advancement: {primary.message}"))
    routes = t.obs.routes
    if routes is None:
        return Observe("routes")
    if phase in phases.ANALYSING and t.revision_changed:
        return restart(t)
    canary = t.obs.canary
    if canary is None:
        return Observe("canary")
    if canary.failed:
        why = canary.message
        event = f"Rolling back {t.canary} progress deadline exceeded {why}"
        return rollback(t, event, alert=f"Progress deadline exceeded {why}")
    if not canary.ready:
        return t.done(t.event(f"Halt advancement: {canary.message}"))
    if t.spec.skip_analysis:
        return skip(t)
    if phase in phases.ANALYSING:
        asked = rollback_if_asked(t)
        if asked is not None:
            return asked
    if phase == "Promoting":
        return shift_to_primary(t, routes)
    if phase == "Finalising":
        return finalise(t)
    return analyse(t, routes)


def restart(t: Tick) -> Decision:
    """A new revision mid-analysis: a new run from zero, traffic back on the primary."""
    status = new_run(t)
    return t.done(
        t.event(f"New revision detected! Restarting analysis for {t.target}"),
        act.SetRoutes(ALL_PRIMARY),
        status=status,
    )
