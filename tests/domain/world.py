"""A scripted world that answers decide()'s questions and applies its actions, for domain tests.

Not the engine: just enough to drive decide() tick by tick, with the settings a controller started with
``defaults`` (no interval bound unless a test asks for one) gives the spec.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from flagger_py.domain import actions as act
from flagger_py.domain.effective import ControllerDefaults, Settings, effective
from flagger_py.domain.machine import Decision, decide
from flagger_py.domain.observations import (
    READY,
    Availability,
    HookKind,
    HookOutcome,
    Instant,
    Observations,
    Observe,
    Readiness,
)
from flagger_py.domain.verdicts import Check
from flagger_py.domain.weights import ALL_PRIMARY, Routes
from flagger_py.model.canary import Canary, CanarySpec, CanaryStatus
from flagger_py.model.objectmeta import ObjectMeta

HookScript = Callable[[int], HookOutcome]
_HEALTHY = (Check("request-success-rate", True, "ok", 100.0),)


def _passes(_tick: int) -> HookOutcome:
    return HookOutcome(True)


def spec(**analysis: Any) -> CanarySpec:
    provider = analysis.pop("provider", "istio")
    extra = analysis.pop("spec", {})
    return CanarySpec.model_validate(
        {
            "provider": provider,
            "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
            "service": {"port": 9898},
            "analysis": {"interval": "1m", "threshold": 2, **analysis},
            **extra,
        }
    )


def hooks(*kinds: str) -> list[dict[str, str]]:
    return [{"name": f"{k}-hook", "type": k, "url": "http://loadtester.test/"} for k in kinds]


@dataclass
class World:
    spec: CanarySpec
    revision: str = "rev-1"
    configs: dict[str, str] = field(default_factory=dict)
    primary: Readiness = READY
    providers: Availability = field(default_factory=Availability)
    canary: Readiness = READY
    routes: Routes = ALL_PRIMARY
    hook_script: Mapping[str, HookScript] = field(default_factory=dict)
    metrics: Callable[[int], tuple[Check, ...]] = field(default=lambda _tick: _HEALTHY)
    status: CanaryStatus = field(default_factory=CanaryStatus)
    tick: int = 0
    log: list[tuple[int, str, int, tuple[act.Action, ...]]] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)
    defaults: ControllerDefaults = field(default_factory=lambda: ControllerDefaults(min_interval=0.0))

    def step(self) -> Decision:
        self.tick += 1
        obs = Observations(revision=self.revision, configs=dict(self.configs))
        now = Instant(self.tick * 60.0, f"2026-01-01T00:{self.tick:02d}:00Z")
        settings = settings_of(self.spec, self.defaults)
        for _ in range(20):
            out = decide(settings, self.spec, self.status, obs, now)
            if isinstance(out, Decision):
                break
            obs = self.answer(out, obs)
        else:  # pragma: no cover - decide() must converge
            raise AssertionError("decide() kept asking")
        assert decide(settings, self.spec, self.status, obs, now) == out  # same inputs, same decision
        self.apply(out)
        return out

    def answer(self, question: Observe, obs: Observations) -> Observations:
        self.asked.append(question.what)
        what = question.what
        if what == "primary":
            return _replace(obs, primary=self.primary)
        if what == "canary":
            return _replace(obs, canary=self.canary)
        if what == "routes":
            return _replace(obs, routes=self.routes)
        if what == "metrics":
            return _replace(obs, metrics=self.metrics(self.tick))
        if what == "providers":
            return _replace(obs, providers=self.providers)
        kind: HookKind = what
        script = self.hook_script.get(kind, _passes)
        return obs.with_hook(kind, script(self.tick))

    def apply(self, decision: Decision) -> None:
        for action in decision.actions:
            if isinstance(action, act.SetRoutes):
                assert not (action.routes.canary > 0 and not self.canary.ready), (
                    "traffic to an unready canary"
                )
                self.routes = action.routes
        self.status = decision.status
        self.log.append((self.tick, self.status.phase, self.status.canary_weight, decision.actions))

    def run(self, ticks: int) -> list[tuple[str, int]]:
        return [(self.step().status.phase, self.status.canary_weight) for _ in range(ticks)]

    def actions_of(self, kind: type[Any]) -> list[Any]:
        return [a for _, _, _, actions in self.log for a in actions if isinstance(a, kind)]


def _replace(obs: Observations, **changes: Any) -> Observations:
    return replace(obs, **changes)


def fails(message: str = "closed", *, muted: bool = False) -> HookScript:
    return lambda _tick: HookOutcome(False, message, muted)


def until(tick: int, message: str = "closed") -> HookScript:
    """A gate closed before ``tick`` and open from then on."""
    return lambda now: HookOutcome(now >= tick, "" if now >= tick else message)


def settings_of(spec: CanarySpec, defaults: ControllerDefaults | None = None) -> Settings:
    """The settings of Canary podinfo.test with ``spec`` on a controller started with ``defaults``."""
    canary = Canary(metadata=ObjectMeta(name="podinfo", namespace="test"), spec=spec)
    return effective(canary, defaults or ControllerDefaults(min_interval=0.0)).settings
