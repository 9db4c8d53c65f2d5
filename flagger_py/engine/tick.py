"""run_once: the run of one tick of an admitted canary: observe what decide() asks for, decide, act, write
the status."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import assert_never

from flagger_py.domain import actions as act
from flagger_py.domain import conditions, hook_events
from flagger_py.domain.effective import Effective
from flagger_py.domain.machine import Decision, decide
from flagger_py.domain.observations import Observations, Observe
from flagger_py.errors import FlaggerError
from flagger_py.model.canary import Canary, CanaryStatus
from flagger_py.ports import Deps

MAX_QUESTIONS = 16


@dataclass(frozen=True)
class TickResult:
    """What a tick did: the decision, observations it was made on, and an action error if any."""

    decision: Decision
    observations: Observations
    error: str | None = None

    @property
    def requeue_after(self) -> float:
        return self.decision.requeue_after

    @property
    def released(self) -> str | None:
        """'promoted', 'rolled back' or 'skipped' when this tick ended a release."""
        ends = [a.outcome for a in self.decision.actions if isinstance(a, act.RecordRelease)]
        return ends[0] if ends and self.error is None else None


async def run_once(run: Effective, deps: Deps) -> TickResult:
    """Observe, decide, execute, write status; ``deps.router`` is the router of ``run.settings``."""
    canary, settings = run.canary, run.settings
    status = canary.status or CanaryStatus()
    revision = await deps.workloads.revision(canary)
    obs = Observations(revision=revision.hash, configs=dict(revision.configs))
    now = deps.clock.now()
    for _ in range(MAX_QUESTIONS):
        out = decide(settings, canary.spec, status, obs, now)
        if isinstance(out, Decision):
            break
        obs = await _observe(canary, deps, out, obs, status.phase)
    else:  # pragma: no cover - decide() asks each question at most once
        raise FlaggerError(f"decide() did not converge for {settings}")
    # Actions see the decided status: a router writing the cookies of a run that starts in this tick
    # must see them now, not one interval later.
    acting = canary.model_copy(update={"status": out.status})
    for action in out.actions:
        try:
            await _execute(acting, deps, action)
        except FlaggerError as exc:
            message = f"{type(action).__name__} failed: {exc}"
            await deps.events.emit(canary, "Warning", message)
            return TickResult(out, obs, message)
    final = conditions.with_health(out.status, canary.metadata.generation, now)
    if final != status:
        await deps.status.write(canary, final)
    return TickResult(replace(out, status=final), obs)


async def _observe(
    canary: Canary, deps: Deps, question: Observe, obs: Observations, phase: str
) -> Observations:
    what = question.what
    if what == "primary":
        return replace(obs, primary=await deps.workloads.readiness(canary, "primary"))
    if what == "canary":
        return replace(obs, canary=await deps.workloads.readiness(canary, "canary"))
    if what == "routes":
        return replace(obs, routes=await deps.router.get_routes(canary))
    if what == "metrics":
        return replace(obs, metrics=await deps.analyzer.run(canary))
    if what == "providers":
        return replace(obs, providers=await deps.analyzer.availability(canary))
    return obs.with_hook(what, await deps.webhooks.call(canary, what, phase or "Initializing"))


async def _execute(canary: Canary, deps: Deps, action: act.Action) -> None:
    w = deps.workloads
    match action:
        case act.EnsureServices(apex=apex):
            await w.ensure_services(canary, apex)
        case act.EnsurePrimary():
            await w.ensure_primary(canary)
        case act.ReconcileRoutes():
            await deps.router.reconcile(canary)
        case act.SetRoutes(routes=routes):
            await deps.router.set_routes(canary, routes)
        case act.ScaleToZero():
            await w.scale_to_zero(canary)
        case act.ScaleFromZero():
            await w.scale_from_zero(canary)
        case act.PauseScaler():
            await w.pause_scaler(canary)
        case act.ResumeScaler():
            await w.resume_scaler(canary)
        case act.ReconcilePrimaryScaler():
            await w.reconcile_primary_scaler(canary)
        case act.Promote():
            await w.promote(canary)
        case act.CallWebhooks(kind=kind, phase=phase):
            outcome = await deps.webhooks.call(canary, kind, phase)
            for event in hook_events.post_rollout(outcome):
                await deps.events.emit(canary, event.type, event.message)
        case act.EmitEvent(type=kind, message=message):
            await deps.events.emit(canary, kind, message)
        case act.Notify(severity=severity, message=message, details=details):
            await deps.alerter.notify(canary, severity, message, details)
        case act.RecordRelease():
            return  # not I/O: reported to the caller through TickResult.released
        case _:
            assert_never(action)
