"""The canary state machine: ``decide(settings, spec, status, observations, now)``.

One call looks at one tick. It returns either a ``Decision`` (the next status, the actions to run
in order, and when to tick again) or ``Observe`` (one more thing it needs to know first). The order
of checks is Flagger 1.44's (flagger-behavior.md §3.2), split into one small function per phase;
the deliberate differences of DESIGN.md §6 are marked where they happen.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from flagger_py.domain import actions as act
from flagger_py.domain import affinity as affinity_cookies
from flagger_py.domain import alert_details, hook_events, phases, weights
from flagger_py.domain.effective import Settings
from flagger_py.domain.observations import HookKind, HookOutcome, Instant, Observations, Observe
from flagger_py.domain.weights import ALL_CANARY, ALL_PRIMARY, Routes
from flagger_py.model.canary import CanarySpec, CanaryStatus, Condition, Phase


@dataclass(frozen=True)
class Decision:
    """The outcome of a tick."""

    status: CanaryStatus
    actions: tuple[act.Action, ...]
    requeue_after: float


def decide(
    settings: Settings, spec: CanarySpec, status: CanaryStatus, obs: Observations, now: Instant
) -> Decision | Observe:
    """The next step of the canary; pure. ``settings`` (``effective.effective``) say how this controller
    runs it: provider, interval, strategy, iterations, threshold; ``spec`` is the resolved spec."""
    return _Tick(settings, spec, status, obs, now).run()


@dataclass(frozen=True)
class _Tick:
    settings: Settings
    spec: CanarySpec
    status: CanaryStatus
    obs: Observations
    now: Instant

    # --- plumbing -------------------------------------------------------------------------------

    @property
    def interval(self) -> float:
        return self.settings.interval

    def done(
        self, *actions: act.Action, status: CanaryStatus | None = None, after: float | None = None
    ) -> Decision:
        return Decision(status or self.status, tuple(actions), self.interval if after is None else after)

    def moved(self, phase: Phase, **changes: object) -> CanaryStatus:
        """The status in ``phase`` (Flagger's setStatusPhase side effects applied) plus ``changes``."""
        update: dict[str, object] = {"phase": phase}
        if phase not in phases.KEEPS_WEIGHT:
            update |= {"canary_weight": 0, "iterations": 0}
        if phase in ("Initialized", "Succeeded"):
            update["last_promoted_spec"] = self.status.last_applied_spec
        if phase in ("Succeeded", "Failed") and self.status.session_affinity_cookie:
            # The run is over: routers expire the previous cookie and stop matching it.
            update |= {
                "previous_session_affinity_cookie": self.status.session_affinity_cookie,
                "session_affinity_cookie": None,
                "primary_session_affinity_cookie": None,
            }
        update |= changes
        return self.changed(**update)

    def changed(self, **changes: object) -> CanaryStatus:
        new = self.status.model_copy(update=changes)
        if new == self.status:
            return self.status
        conditions = _promoted(new.phase, self.subject.kind, self.now, self.status.conditions)
        return new.model_copy(update={"last_transition_time": self.now.text, "conditions": conditions})

    def hook(self, kind: HookKind) -> HookOutcome | Observe:
        """The outcome of the webhooks of ``kind``. Without any: gates pass, and nobody asks for a
        rollback (a rollback hook 'passes', answers 2xx, to ask for one)."""
        if not any((w.type or "rollout") == kind for w in self.spec.analysis.webhooks or ()):
            return HookOutcome(kind != "rollback")
        return self.obs.hooks.get(kind) or Observe(kind)

    def event(self, message: str, warning: bool = False) -> act.EmitEvent:
        return act.EmitEvent("Warning" if warning else "Normal", message)

    @property
    def target(self) -> str:
        """The target as Flagger names it in Events: ``<targetRef.name>.<namespace>``."""
        return f"{self.spec.target_ref.name}.{self.subject.namespace}"

    @property
    def subject(self) -> Settings:
        """The canary, for messages: ``str()`` is ``podinfo.test``."""
        return self.settings

    @property
    def provider(self) -> str:
        return self.settings.provider

    @property
    def details(self) -> alert_details.Details:
        return alert_details.details(self.settings, self.spec)

    @property
    def revision_changed(self) -> bool:
        """Flagger's hasSpecChanged / HaveDependenciesChanged against the last applied revision."""
        status = self.status
        if not status.last_applied_spec:
            return True
        if self.obs.revision == status.last_promoted_spec and dict(self.obs.configs) == dict(
            status.tracked_configs or {}
        ):
            return False
        return self.obs.revision != status.last_applied_spec or dict(self.obs.configs) != dict(
            status.tracked_configs or {}
        )

    # --- the tick -------------------------------------------------------------------------------

    def run(self) -> Decision | Observe:
        out = self.tick()
        if not isinstance(out, Decision) or not self.obs.hooks:
            return out
        # Flagger records every hook that passed, as it runs them (Events only; nothing else changes).
        passed = tuple(
            e for kind, outcome in self.obs.hooks.items() for e in hook_events.passes(kind, outcome)
        )
        return replace(out, actions=(*passed, *out.actions))

    def tick(self) -> Decision | Observe:
        if self.spec.suspend:
            return self.done(self.event("skipping canary run as object is suspended"))
        phase = self.status.phase
        if phase in ("", "Initializing"):
            return self.initialize()
        between = phase in ("Initialized", "Succeeded", "Failed", "Waiting")
        out = self.between_runs() if between else self.running()
        if isinstance(out, Decision):
            # The router's objects follow the spec every tick, weights kept (Flagger reconciles them too);
            # routers write only when something changed, so a steady canary costs nothing.
            return replace(out, actions=(act.ReconcileRoutes(), *out.actions))
        return out

    def initialize(self) -> Decision | Observe:
        setup = (act.EnsureServices(), act.EnsurePrimary())
        if not self.spec.skip_analysis and self.obs.providers is None:
            return Observe("providers")
        if self.obs.primary is None:
            return Observe("primary")
        checked = self.availability()
        if not self.obs.primary.ready and not self.spec.skip_analysis:
            if self.obs.primary.failed:
                return self.rollback(f"Primary of {self.subject} is not ready: {self.obs.primary.message}")
            waiting = (act.EnsureServices(apex=False), act.EnsurePrimary())
            # Waiting for the new primary: look again soon, not a whole interval later.
            return self.done(
                *waiting, *checked, status=self.moved("Initializing"), after=self.settings.recheck
            )
        status = self.moved(
            "Initialized",
            last_applied_spec=self.obs.revision,
            last_promoted_spec=self.obs.revision,
            tracked_configs=dict(self.obs.configs),
        )
        return self.done(
            *setup,
            *checked,
            act.PauseScaler(),
            act.ReconcilePrimaryScaler(),
            act.ReconcileRoutes(),
            act.ScaleToZero(),
            self.event(f"Initialization done! {self.subject}"),
            act.Notify("info", f"New {self.subject.kind} detected, initialization completed.", self.details),
            status=status,
        )

    def availability(self) -> tuple[act.EmitEvent, ...]:
        """Flagger's Event on the metric providers, every initialization tick (never blocking it)."""
        found = self.obs.providers
        if found is None:
            return ()
        if found.problem:
            return (self.event(f"Error checking metric providers: {found.problem}", warning=True),)
        return (self.event("all the metrics providers are available!"),)

    def between_runs(self) -> Decision | Observe:
        waiting = self.status.phase == "Waiting"
        if not waiting and not self.revision_changed:
            return self.done()
        if waiting:  # DESIGN.md §6.5: rollback webhooks are honoured in Waiting too
            rollback = self.hook("rollback")
            if isinstance(rollback, Observe):
                return rollback
            if rollback.passed:
                return self.manual_rollback(rollback)
        gate = self.hook("confirm-rollout")
        if isinstance(gate, Observe):
            return gate
        if not gate.passed:
            return self.hold("confirm-rollout", "Waiting", "Canary is waiting for approval.", gate)
        status = self.new_run()
        return self.done(
            self.event(f"New revision detected! Scaling up {self.target}"),
            act.Notify("info", "New revision detected, progressing canary analysis.", self.details),
            act.ResumeScaler(),
            act.ScaleFromZero(),
            status=status,
        )

    def hold(
        self,
        kind: HookKind,
        phase: Phase,
        alert: str,
        gate: HookOutcome,
        every_tick: bool = False,
        **changes: object,
    ) -> Decision:
        """A gate held the run: stay in or enter ``phase``, and alert unless the hook is muted:
        once on entering a waiting phase, or every tick (``every_tick``, the traffic-increase gate)."""
        alerting = every_tick or self.status.phase != phase
        out: list[act.Action] = [self.event(hook_events.failure(kind, gate, str(self.subject)), warning=True)]
        if alerting and not gate.muted:
            out.append(act.Notify("warn", alert))
        return self.done(*out, status=self.moved(phase, **changes))

    def running(self) -> Decision | Observe:
        phase = self.status.phase
        if not self.spec.skip_analysis:
            if self.obs.primary is None:
                return Observe("primary")
            if self.obs.primary.failed:
                if phase in ("Promoting", "Finalising"):
                    return self.failed_promotion(self.obs.primary.message)
                return self.rollback(f"Primary of {self.subject} is not ready: {self.obs.primary.message}")
            if not self.obs.primary.ready:
                return self.done(self.event(f"Halt advancement: {self.obs.primary.message}"))
        if self.obs.routes is None:
            return Observe("routes")
        if phase in phases.ANALYSING and self.revision_changed:
            return self.restart()
        if self.obs.canary is None:
            return Observe("canary")
        if self.obs.canary.failed:
            why = self.obs.canary.message
            event = f"Rolling back {self.subject} progress deadline exceeded {why}"
            return self.rollback(event, alert=f"Progress deadline exceeded {why}")
        if not self.obs.canary.ready:
            return self.done(self.event(f"Halt advancement: {self.obs.canary.message}"))
        if self.spec.skip_analysis:
            return self.skip()
        if phase in phases.ANALYSING:
            rollback = self.hook("rollback")
            if isinstance(rollback, Observe):
                return rollback
            if rollback.passed:
                return self.manual_rollback(rollback)
        if phase == "Promoting":
            return self.promotion_shift(self.obs.routes)
        if phase == "Finalising":
            return self.finalise()
        return self.analyse(self.obs.routes)

    def new_run(self) -> CanaryStatus:
        """Progressing from zero on the observed revision (a new run, or a restart mid-run)."""
        cookies: dict[str, str | None] = {}
        affinity = self.spec.analysis.session_affinity
        if affinity is not None:  # sticky sessions: routers pin clients who reached the canary with these
            cookies = affinity_cookies.for_run(affinity, str(self.subject), self.obs.revision)
        return self.moved(
            "Progressing",
            canary_weight=0,
            iterations=0,
            failed_checks=0,
            last_applied_spec=self.obs.revision,
            tracked_configs=dict(self.obs.configs),
            **cookies,
        )

    def restart(self) -> Decision:
        status = self.new_run()
        return self.done(
            self.event(f"New revision detected! Restarting analysis for {self.target}"),
            act.SetRoutes(ALL_PRIMARY),
            status=status,
        )

    # --- analysis -------------------------------------------------------------------------------

    def analyse(self, routes: Routes) -> Decision | Observe:
        analysis = self.spec.analysis
        limit = self.settings.threshold
        if self.status.failed_checks >= limit:
            return self.rollback(
                f"Rolling back {self.subject} failed checks threshold reached {self.status.failed_checks}",
                alert=f"Failed checks threshold reached {self.status.failed_checks}",
            )
        first = self.status.canary_weight == 0 and self.status.iterations == 0
        if first and not (analysis.mirror and routes.mirrored):
            pre = self.hook("pre-rollout")
            if isinstance(pre, Observe):
                return pre
            if not pre.passed:  # DESIGN.md §6.3: a failed pre-rollout hook alerts
                event = hook_events.failure("pre-rollout", pre, str(self.subject))
                return self.failed_check(event, alert=f"Pre-rollout check failed: {pre.message}")
            start = self.event(f"Starting canary analysis for {self.target}")
            return self.step(routes, start)
        rollout = self.hook("rollout")
        if isinstance(rollout, Observe):
            return rollout
        if not rollout.passed:
            return self.failed_check(hook_events.failure("rollout", rollout, str(self.subject)))
        if analysis.metrics:
            if self.obs.metrics is None:
                return Observe("metrics")
            failing = next((c for c in self.obs.metrics if not c.passed), None)
            if failing is not None:
                return self.failed_check(
                    failing.event or f"Halt {self.subject} advancement: {failing.message}"
                )
        return self.step(routes)

    def failed_check(self, message: str, alert: str | None = None) -> Decision:
        out: list[act.Action] = [self.event(message, warning=True)]
        if alert is not None:
            out.append(act.Notify("warn", alert))
        return self.done(*out, status=self.changed(failed_checks=self.status.failed_checks + 1))

    def step(self, routes: Routes, *before: act.Action) -> Decision | Observe:
        strategy = self.settings.strategy
        if strategy == "canary":
            return self.canary_step(routes, before)
        return self.iteration_step(routes, before, ab=strategy == "ab-testing")

    def canary_step(self, routes: Routes, before: tuple[act.Action, ...]) -> Decision | Observe:
        analysis = self.spec.analysis
        if weights.at_max_weight(analysis, routes):
            return self.confirm_promotion(before)
        if analysis.mirror and routes.canary == 0 and not routes.mirrored:
            mirrored = Routes(100, 0, mirrored=True)
            start = self.event(f"Start traffic mirroring for {self.subject}")
            return self.done(*before, act.SetRoutes(mirrored), start)
        if not routes.mirrored:
            gate = self.hook("confirm-traffic-increase")
            if isinstance(gate, Observe):
                return gate
            if not gate.passed:
                alert = "Canary traffic increase is waiting for approval."
                return self.hold("confirm-traffic-increase", "Progressing", alert, gate, every_tick=True)
        target = weights.advance(analysis, Routes(routes.primary, routes.canary))
        status = self.moved("Progressing", canary_weight=target.canary)
        message = f"Advance {self.subject} canary weight {target.canary}"
        return self.done(*before, act.SetRoutes(target), self.event(message), status=status)

    def iteration_step(
        self, routes: Routes, before: tuple[act.Action, ...], *, ab: bool
    ) -> Decision | Observe:
        wanted = self.settings.iterations
        done = self.status.iterations
        kubernetes = self.provider == "kubernetes"
        if done < wanted:
            out = list(before)
            if ab:
                out.append(act.SetRoutes(ALL_CANARY))
            elif self.spec.analysis.mirror and not kubernetes and not routes.mirrored:
                out.append(act.SetRoutes(Routes(100, 0, mirrored=True)))
            out.append(self.event(f"Advance {self.subject} canary iteration {done + 1}/{wanted}"))
            return self.done(*out, status=self.moved("Progressing", iterations=done + 1))
        gate = self.hook("confirm-promotion")
        if isinstance(gate, Observe):
            return gate
        if not gate.passed:
            return self.hold(
                "confirm-promotion",
                "WaitingPromotion",
                "Canary promotion is waiting for approval.",
                gate,
                iterations=done,
            )
        if ab or done > wanted:
            return self.promote(before)
        # Blue/green: all traffic to the new version for one more analysis tick, then promote.
        out = list(before)
        weight = 0
        if not kubernetes:
            verb = "Stop traffic mirroring and route" if routes.mirrored else "Routing"
            out += [act.SetRoutes(ALL_CANARY), self.event(f"{verb} all traffic to canary")]
            weight = 100
        return self.done(*out, status=self.moved("Progressing", iterations=done + 1, canary_weight=weight))

    def confirm_promotion(self, before: tuple[act.Action, ...]) -> Decision | Observe:
        gate = self.hook("confirm-promotion")
        if isinstance(gate, Observe):
            return gate
        if not gate.passed:
            held = self.status.iterations
            return self.hold(
                "confirm-promotion",
                "WaitingPromotion",
                "Canary promotion is waiting for approval.",
                gate,
                iterations=held,
            )
        return self.promote(before)

    def promote(self, before: tuple[act.Action, ...]) -> Decision:
        primary = f"{self.spec.target_ref.name}-primary.{self.subject.namespace}"
        event = self.event(f"Copying {self.target} template spec to {primary}")
        return self.done(*before, event, act.Promote(), status=self.moved("Promoting"))

    # --- promotion and its ends ------------------------------------------------------------------

    def promotion_shift(self, routes: Routes) -> Decision:
        scaler = act.ReconcilePrimaryScaler()
        if self.provider == "kubernetes":
            return self.done(scaler, status=self.moved("Finalising"))
        target = weights.promotion_step(self.spec.analysis, Routes(routes.primary, routes.canary))
        if target.primary >= 100:
            event = self.event("Routing all traffic to primary")
            return self.done(scaler, act.SetRoutes(ALL_PRIMARY), event, status=self.moved("Finalising"))
        event = self.event(f"Advance {self.subject} primary weight {target.primary}")
        status = self.moved("Promoting", canary_weight=target.canary)
        return self.done(scaler, act.SetRoutes(target), event, status=status)

    def finalise(self) -> Decision:
        return self.succeeded(
            "promoted",
            f"Promotion completed! Scaling down {self.target}",
            "Canary analysis completed successfully, promotion finished.",
        )

    def skip(self) -> Decision:
        return self.succeeded(
            "skipped",
            f"Promotion completed! Canary analysis was skipped for {self.target}",
            "Canary analysis was skipped, promotion finished.",
            act.SetRoutes(ALL_PRIMARY),
            act.Promote(),
            act.ReconcilePrimaryScaler(),
        )

    def succeeded(
        self, outcome: Literal["promoted", "skipped"], event: str, alert: str, *first: act.Action
    ) -> Decision:
        """End the run as Succeeded: canary down, post-rollout hooks, event and alert."""
        return self.done(
            *first,
            act.PauseScaler(),
            act.ScaleToZero(),
            act.RecordRelease(outcome),
            act.CallWebhooks("post-rollout", "Succeeded"),
            self.event(event),
            act.Notify("info", alert),
            status=self.moved("Succeeded"),
        )

    def manual_rollback(self, asked: HookOutcome) -> Decision:
        checked = self.event(hook_events.failure("rollback", asked, str(self.subject)), warning=True)
        message = f"Rolling back {self.subject} manual webhook invoked"
        out = self.rollback(message, alert="Rolling back manual webhook invoked", severity="warn")
        return replace(out, actions=(checked, *out.actions))

    def rollback(self, message: str, alert: str | None = None, severity: act.Severity = "error") -> Decision:
        out: list[act.Action] = [
            act.SetRoutes(ALL_PRIMARY),
            self.event(message, warning=True),
            self.event(f"Canary failed! Scaling down {self.subject}", warning=True),
            act.PauseScaler(),
            act.ScaleToZero(),
            act.RecordRelease("rolled back"),
            act.CallWebhooks("post-rollout", "Failed"),
        ]
        if alert is not None:
            out.append(act.Notify(severity, alert))
        return self.done(*out, status=self.moved("Failed"))

    def failed_promotion(self, reason: str) -> Decision:
        """Flagger 1.44: the primary broke while promoting; keep all traffic on the (good) canary."""
        return self.done(
            act.SetRoutes(ALL_CANARY),
            self.event(f"Promotion failed! Primary of {self.subject} is not ready: {reason}", warning=True),
            act.RecordRelease("rolled back"),
            act.CallWebhooks("post-rollout", "Failed"),
            act.Notify("error", f"Promotion failed, primary not ready: {reason}"),
            status=self.moved("Failed", canary_weight=100),
        )


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
