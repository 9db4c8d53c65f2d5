"""What one call of decide() knows (``Tick``: settings, spec, status, observations, the instant), and
the plumbing every step shares: the decision it returns, the status it moves to, the webhook outcome
it needs, the Event it emits."""

from __future__ import annotations

from dataclasses import dataclass

from flagger_py.domain import actions as act
from flagger_py.domain import alert_details
from flagger_py.domain.effective import Settings
from flagger_py.domain.machine import status_change
from flagger_py.domain.machine.decision import Decision
from flagger_py.domain.machine.status_change import KEEP, Applied, StatusChange
from flagger_py.domain.observations import HookKind, HookOutcome, Instant, Observations, Observe
from flagger_py.model.canary import CanarySpec, CanaryStatus, Phase


@dataclass(frozen=True)
class Tick:
    """One tick of one canary: ``settings`` (``effective.effective``) say how this controller runs it;
    ``spec`` is the resolved spec."""

    settings: Settings
    spec: CanarySpec
    status: CanaryStatus
    obs: Observations
    now: Instant

    def done(
        self, *actions: act.Action, status: CanaryStatus | None = None, after: float | None = None
    ) -> Decision:
        """The decision: ``actions`` in order, ``status`` (default: unchanged), the next tick ``after``
        seconds (default: the interval)."""
        return Decision(status or self.status, actions, self.settings.interval if after is None else after)

    def enter(self, phase: Phase, change: StatusChange = KEEP) -> CanaryStatus:
        """The status in ``phase`` with ``change`` (``status_change.enter``)."""
        return status_change.enter(self.status, phase, change, self.settings.kind, self.now)

    def update(self, change: StatusChange) -> CanaryStatus:
        """The status with ``change``, in the same phase."""
        return status_change.update(self.status, change, self.settings.kind, self.now)

    def hook(self, kind: HookKind) -> HookOutcome | Observe:
        """The outcome of the webhooks of ``kind``. Without any: gates pass, and nobody asks for a
        rollback (a rollback hook 'passes', answers 2xx, to ask for one)."""
        if not any((w.type or "rollout") == kind for w in self.spec.analysis.webhooks or ()):
            return HookOutcome(kind != "rollback")
        return self.obs.hooks.get(kind) or Observe(kind)

    def event(self, message: str, warning: bool = False) -> act.EmitEvent:
        return act.EmitEvent("Warning" if warning else "Normal", message)

    @property
    def canary(self) -> str:
        """The canary, for messages: ``podinfo.test``."""
        return str(self.settings)

    @property
    def target(self) -> str:
        """The target as Flagger names it in Events: ``<targetRef.name>.<namespace>``."""
        return f"{self.spec.target_ref.name}.{self.settings.namespace}"

    @property
    def details(self) -> alert_details.Details:
        return alert_details.details(self.settings, self.spec)

    @property
    def observed(self) -> Applied:
        """The revision observed this tick, as a run applies it."""
        return Applied(self.obs.revision, dict(self.obs.configs))

    @property
    def revision_changed(self) -> bool:
        """Flagger's hasSpecChanged / HaveDependenciesChanged against the last applied revision."""
        status, obs = self.status, self.obs
        if not status.last_applied_spec:
            return True
        tracked = dict(status.tracked_configs or {})
        if obs.revision == status.last_promoted_spec and dict(obs.configs) == tracked:
            return False
        return obs.revision != status.last_applied_spec or dict(obs.configs) != tracked
