"""One analysis tick (``Progressing``, ``WaitingPromotion``): the failed-checks threshold, the
pre-rollout hooks on the first tick, else the rollout hooks and the metrics (a failure is one failed
check), then the strategy's step."""

from __future__ import annotations

from typing import assert_never

from flagger_py.domain import actions as act
from flagger_py.domain import hook_events
from flagger_py.domain.machine.canary_step import canary_step
from flagger_py.domain.machine.context import Tick
from flagger_py.domain.machine.decision import Decision
from flagger_py.domain.machine.ends import rollback
from flagger_py.domain.machine.iteration_step import iteration_step
from flagger_py.domain.machine.status_change import StatusChange
from flagger_py.domain.observations import Observe
from flagger_py.domain.weights import Routes


def analyse(t: Tick, routes: Routes) -> Decision | Observe:
    failed = t.status.failed_checks
    if failed >= t.settings.threshold:
        return rollback(
            t,
            f"Rolling back {t.canary} failed checks threshold reached {failed}",
            alert=f"Failed checks threshold reached {failed}",
        )
    first = t.status.canary_weight == 0 and t.status.iterations == 0
    if first and not (t.spec.analysis.mirror and routes.mirrored):
        pre = t.hook("pre-rollout")
        if isinstance(pre, Observe):
            return pre
        if not pre.passed:  # DESIGN.md §6.3: a failed pre-rollout hook alerts
            event = hook_events.failure("pre-rollout", pre, t.canary)
            return failed_check(t, event, alert=f"Pre-rollout check failed: {pre.message}")
        return step(t, routes, t.event(f"Starting canary analysis for {t.target}"))
    rollout = t.hook("rollout")
    if isinstance(rollout, Observe):
        return rollout
    if not rollout.passed:
        return failed_check(t, hook_events.failure("rollout", rollout, t.canary))
    if t.spec.analysis.metrics:
        if t.obs.metrics is None:
            return Observe("metrics")
        failing = next((c for c in t.obs.metrics if not c.passed), None)
        if failing is not None:
            return failed_check(t, failing.event or f"Halt {t.canary} advancement: {failing.message}")
    return step(t, routes)


def failed_check(t: Tick, message: str, alert: str | None = None) -> Decision:
    """One more failed check (at most one a tick), a Warning, and an alert when ``alert`` is given."""
    out: list[act.Action] = [t.event(message, warning=True)]
    if alert is not None:
        out.append(act.Notify("warn", alert))
    return t.done(*out, status=t.update(StatusChange(failed_checks=t.status.failed_checks + 1)))


def step(t: Tick, routes: Routes, *before: act.Action) -> Decision | Observe:
    """The strategy's step after a passing analysis tick; ``before`` are that tick's actions so far."""
    strategy = t.settings.strategy
    match strategy:
        case "canary":
            return canary_step(t, routes, before)
        case "blue-green":
            return iteration_step(t, routes, before, ab=False)
        case "ab-testing":
            return iteration_step(t, routes, before, ab=True)
        case _:
            assert_never(strategy)
