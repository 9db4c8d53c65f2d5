"""A new Canary (phase ``""`` or ``Initializing``): Services and primary created, then, once the primary
is ready, ``Initialized`` with routes reconciled and the target scaled to zero."""

from __future__ import annotations

from flagger_py.domain import actions as act
from flagger_py.domain.machine.context import Tick
from flagger_py.domain.machine.decision import Decision
from flagger_py.domain.machine.ends import rollback
from flagger_py.domain.machine.status_change import StatusChange
from flagger_py.domain.observations import Observe


def initialize(t: Tick) -> Decision | Observe:
    setup = (act.EnsureServices(), act.EnsurePrimary())
    if not t.spec.skip_analysis and t.obs.providers is None:
        return Observe("providers")
    primary = t.obs.primary
    if primary is None:
        return Observe("primary")
    checked = _availability(t)
    if not primary.ready and not t.spec.skip_analysis:
        if primary.failed:
            return rollback(t, f"Primary of {t.canary} is not ready: {primary.message}")
        waiting = (act.EnsureServices(apex=False), act.EnsurePrimary())
        # Waiting for the new primary: look again soon, not a whole interval later.
        return t.done(*waiting, *checked, status=t.enter("Initializing"), after=t.settings.recheck)
    change = StatusChange(applied=t.observed, promoted=True)
    return t.done(
        *setup,
        *checked,
        act.PauseScaler(),
        act.ReconcilePrimaryScaler(),
        act.ReconcileRoutes(),
        act.ScaleToZero(),
        t.event(f"Initialization done! {t.canary}"),
        act.Notify("info", f"New {t.settings.kind} detected, initialization completed.", t.details),
        status=t.enter("Initialized", change),
    )


def _availability(t: Tick) -> tuple[act.EmitEvent, ...]:
    """Flagger's Event on the metric providers, every initialization tick (never blocking it)."""
    found = t.obs.providers
    if found is None:
        return ()
    if found.problem:
        return (t.event(f"Error checking metric providers: {found.problem}", warning=True),)
    return (t.event("all the metrics providers are available!"),)
