"""``decide()``: which step the canary's phase runs, and what every tick adds to it (the suspended
check first; the router's objects reconciled; the Events of the hooks that passed)."""

from __future__ import annotations

from dataclasses import replace
from typing import assert_never

from flagger_py.domain import actions as act
from flagger_py.domain import hook_events
from flagger_py.domain.effective import Settings
from flagger_py.domain.machine.between_runs import between_runs
from flagger_py.domain.machine.context import Tick
from flagger_py.domain.machine.decision import Decision
from flagger_py.domain.machine.initialization import initialize
from flagger_py.domain.machine.running import running
from flagger_py.domain.observations import Instant, Observations, Observe
from flagger_py.model.canary import CanarySpec, CanaryStatus


def decide(
    settings: Settings, spec: CanarySpec, status: CanaryStatus, obs: Observations, now: Instant
) -> Decision | Observe:
    """The next step of the canary; pure. ``settings`` (``effective.effective``) say how this controller
    runs it: provider, interval, strategy, iterations, threshold; ``spec`` is the resolved spec."""
    out = _step(Tick(settings, spec, status, obs, now))
    if not isinstance(out, Decision) or not obs.hooks:
        return out
    # Flagger records every hook that passed, as it runs them (Events only; nothing else changes).
    passed = tuple(e for kind, outcome in obs.hooks.items() for e in hook_events.passes(kind, outcome))
    return replace(out, actions=(*passed, *out.actions))


def _step(t: Tick) -> Decision | Observe:
    if t.spec.suspend:
        return t.done(t.event("skipping canary run as object is suspended"))
    phase = t.status.phase
    match phase:
        case "" | "Initializing":
            return initialize(t)
        case "Initialized" | "Succeeded" | "Failed" | "Waiting":
            out = between_runs(t)
        case "Progressing" | "WaitingPromotion" | "Promoting" | "Finalising":
            out = running(t)
        case "Terminating" | "Terminated":
            return t.done()  # a Canary being deleted is the finalizer's (engine.finalizer), not a run's
        case _:
            assert_never(phase)
    if isinstance(out, Decision):
        # The router's objects follow the spec every tick, weights kept (Flagger reconciles them too);
        # routers write only when something changed, so a steady canary costs nothing.
        return replace(out, actions=(act.ReconcileRoutes(), *out.actions))
    return out
