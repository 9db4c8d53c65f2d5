"""The Canary as this controller runs it: every fact that its spec *and* the controller's flags decide,
computed once per tick, purely.

``effective(canary, defaults)`` returns an ``Effective``: the *resolved* Canary (``spec.provider`` set
to the router that runs it, ``spec.analysis.interval`` bounded by ``-min-interval``,
``spec.progressDeadlineSeconds`` set to the deadline in force) for the ports, which read the Canary,
and its ``Settings`` (provider and where it came from, interval, progress deadline, strategy,
iterations, failure threshold, namespace policy) for ``decide()``, the alerts, telemetry and the
simulator. Nothing else applies a default or a bound to those fields, or reads those flags again.

Flags that meet a spec field in one adapter only stay with it: ``-metrics-server``
(``spec.metricsServer``: the metric analysis), ``-slack-url``/``-msteams-url`` (Canaries without
``analysis.alerts``: the alert router), ``-event-webhook`` (the event forwarder), ``-cluster-name``
(alert fields), ``-ingress-class`` (Contour), ``-ingress-annotations-prefix`` (NGINX),
``-selector-labels``, ``-include-label-prefix`` and ``-enable-config-tracking`` (workload generation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from flagger_py.model.canary import Canary, CanarySpec
from flagger_py.model.duration import Duration, format_seconds
from flagger_py.model.strategy import RunKind, run_kind

DEFAULT_MESH_PROVIDER = "istio"
DEFAULT_INTERVAL_SECONDS = 60.0
MIN_INTERVAL_SECONDS = 10.0
DEFAULT_PROGRESS_DEADLINE_SECONDS = 600
KUBERNETES_DEFAULT_ITERATIONS = 10
INITIALIZING_RECHECK = 10.0

Strategy = RunKind
ProviderSource = Literal["spec.provider", "-mesh-provider"]


@dataclass(frozen=True)
class ControllerDefaults:
    """The controller's flags that fill in, bound or police what a Canary leaves open."""

    mesh_provider: str = DEFAULT_MESH_PROVIDER
    min_interval: float = MIN_INTERVAL_SECONDS
    no_cross_namespace_refs: bool = False


@dataclass(frozen=True)
class Settings:
    """How this controller runs one Canary; ``str()`` is Flagger's ``<name>.<namespace>``."""

    name: str
    namespace: str
    kind: str
    provider: str
    provider_source: ProviderSource
    interval: float
    recheck: float
    """Seconds until a Canary waiting for its new primary is looked at again (at most the interval)."""
    progress_deadline: int
    strategy: Strategy
    iterations: int
    threshold: int
    cross_namespace_refs: bool

    def __str__(self) -> str:
        return f"{self.name}.{self.namespace}"

    @property
    def provider_field(self) -> str:
        """Where the provider's name came from, as an error message names it."""
        if self.provider_source == "spec.provider":
            return "spec.provider"
        return "-mesh-provider (spec.provider is not set)"


@dataclass(frozen=True)
class Effective:
    """A Canary resolved for this controller, and its settings."""

    canary: Canary
    settings: Settings


def bounded_interval(seconds: float, defaults: ControllerDefaults) -> float:
    """An analysis interval as the controller honours it: at least ``-min-interval``."""
    return max(defaults.min_interval, seconds)


def fallback_interval(text: object, defaults: ControllerDefaults) -> float:
    """The tick period of a Canary whose spec does not parse: its interval if that one does, else the
    default, bounded as any other."""
    try:
        seconds = Duration.parse(str(text or "60s")).seconds
    except ValueError:
        seconds = DEFAULT_INTERVAL_SECONDS
    return bounded_interval(seconds, defaults)


def effective(canary: Canary, defaults: ControllerDefaults) -> Effective:
    """``canary`` resolved, and its settings. Idempotent: a resolved Canary resolves to itself."""
    resolved = resolve(canary, defaults)
    spec = resolved.spec
    provider = spec.provider
    assert provider is not None, "resolve() sets spec.provider"
    assert spec.progress_deadline_seconds is not None, "resolve() sets spec.progressDeadlineSeconds"
    return Effective(
        resolved,
        Settings(
            name=canary.metadata.name,
            namespace=canary.metadata.namespace or "default",
            kind=spec.target_ref.kind,
            provider=provider,
            provider_source="spec.provider" if canary.spec.provider else "-mesh-provider",
            interval=spec.analysis.interval.seconds,
            recheck=min(spec.analysis.interval.seconds, bounded_interval(INITIALIZING_RECHECK, defaults)),
            progress_deadline=spec.progress_deadline_seconds,
            strategy=strategy(spec, provider),
            iterations=iterations(spec, provider),
            threshold=max(1, spec.analysis.threshold),
            cross_namespace_refs=not defaults.no_cross_namespace_refs,
        ),
    )


def resolve(canary: Canary, defaults: ControllerDefaults) -> Canary:
    """``canary`` with ``spec.provider``, ``spec.analysis.interval`` and ``spec.progressDeadlineSeconds``
    as this controller runs it."""
    spec = canary.spec
    provider = spec.provider or defaults.mesh_provider
    deadline = progress_deadline(spec)
    analysis = spec.analysis
    seconds = bounded_interval(analysis.interval.seconds, defaults)
    if seconds != analysis.interval.seconds:
        analysis = analysis.model_copy(update={"interval": Duration(seconds, format_seconds(seconds))})
    if (provider, deadline) == (spec.provider, spec.progress_deadline_seconds) and analysis is spec.analysis:
        return canary
    update = {"provider": provider, "analysis": analysis, "progress_deadline_seconds": deadline}
    return canary.model_copy(update={"spec": spec.model_copy(update=update)})


def strategy(spec: CanarySpec, provider: str) -> Strategy:
    """The kind of run (``model.strategy.run_kind``); the kubernetes provider cannot split traffic, so
    it runs every analysis as blue/green."""
    return "blue-green" if provider == "kubernetes" else run_kind(spec.analysis)


def iterations(spec: CanarySpec, provider: str) -> int:
    """Analysis ticks of a blue/green or A/B run (kubernetes provider: 10 when unset)."""
    count = spec.analysis.iterations or 0
    if provider == "kubernetes" and count < 1:
        return KUBERNETES_DEFAULT_ITERATIONS
    return count


def progress_deadline(spec: CanarySpec) -> int:
    """Seconds a rollout may take before the release fails: ``progressDeadlineSeconds``, else 600 (the
    value a resolved spec carries)."""
    return spec.progress_deadline_seconds or DEFAULT_PROGRESS_DEADLINE_SECONDS


def ready_threshold(percent: int | None) -> int:
    """Percentage of replicas that must be available; default 100."""
    return 100 if percent is None else percent
