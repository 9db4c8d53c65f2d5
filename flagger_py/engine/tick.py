"""run_once: the engine's whole job for one tick of one canary."""

from __future__ import annotations

from dataclasses import dataclass, replace

from flagger_py.domain import actions as act
from flagger_py.domain import conditions, hook_events
from flagger_py.domain.machine import Decision, Subject, decide
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


async def run_once(canary: Canary, deps: Deps) -> TickResult:
    """Observe, decide, execute, write status; return when to run next."""
    subject = Subject(
        canary.metadata.name, canary.metadata.namespace or "default", canary.spec.target_ref.kind
    )
    status = canary.status or CanaryStatus()
    revision = await deps.workloads.revision(canary)
    obs = Observations(revision=revision.hash, configs=dict(revision.configs))
    now = deps.clock.now()
    for _ in range(MAX_QUESTIONS):
        out = decide(subject, canary.spec, status, obs, now)
        if isinstance(out, Decision):
            break
        obs = await _observe(canary, deps, out, obs, status.phase)
    else:  # pragma: no cover - decide() asks each question at most once
        raise FlaggerError(f"decide() did not converge for {subject}")
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
        case act.Notify(severity=severity, message=message, with_metadata=meta):
            await deps.notifier.notify(canary, severity, message, meta)
        case act.RecordRelease():
            return  # not I/O: reported to the caller through TickResult.released
