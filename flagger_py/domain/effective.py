"""The Canary as this controller runs it: what the controller's flags fill in or bound, resolved once.

A Canary's behaviour depends on its spec *and* on flags of the controller that runs it:
``-mesh-provider`` names the router of a Canary without ``spec.provider``, and ``-min-interval``
bounds ``spec.analysis.interval`` from below (Flagger: a fixed 10 s). ``resolve`` combines the two
once per tick, purely; the state machine, the routers, the metric analysis, alerts, telemetry and the
simulator all read the resolved Canary and none of them reads such a flag again.

The other flags that meet a spec field do so in exactly one reader, and stay with it:
``-metrics-server`` (``spec.metricsServer``: the metric analysis; a global linkerd ``-mesh-provider``
also picks linkerd's built-in queries there, as in Flagger), ``-slack-url``/``-msteams-url`` (Canaries
without ``analysis.alerts``: the alert router), ``-event-webhook`` (Canaries without
``event`` webhooks: the event forwarder), ``-cluster-name`` (alert fields), ``-ingress-class`` (Contour),
``-ingress-annotations-prefix`` (NGINX), ``-selector-labels``, ``-include-label-prefix`` and
``-enable-config-tracking`` (workload generation), ``-no-cross-namespace-refs`` (admission, and the
metric analysis for templates it looks up).
"""

from __future__ import annotations

from dataclasses import dataclass

from flagger_py.domain.settings import MIN_INTERVAL_SECONDS
from flagger_py.model.canary import Canary
from flagger_py.model.duration import Duration, format_seconds

DEFAULT_MESH_PROVIDER = "istio"


@dataclass(frozen=True)
class ControllerDefaults:
    """The controller's flags that fill in or bound what a Canary leaves open."""

    mesh_provider: str = DEFAULT_MESH_PROVIDER
    min_interval: float = MIN_INTERVAL_SECONDS


def bounded_interval(seconds: float, defaults: ControllerDefaults) -> float:
    """An analysis interval as the controller honours it: at least ``-min-interval``."""
    return max(defaults.min_interval, seconds)


def resolve(canary: Canary, defaults: ControllerDefaults) -> Canary:
    """``canary`` with ``spec.provider`` set to the router that runs it and ``spec.analysis.interval``
    to the period it ticks at. Idempotent: a resolved Canary resolves to itself."""
    spec = canary.spec
    provider = spec.provider or defaults.mesh_provider
    analysis = spec.analysis
    seconds = bounded_interval(analysis.interval.seconds, defaults)
    if seconds != analysis.interval.seconds:
        analysis = analysis.model_copy(update={"interval": Duration(seconds, format_seconds(seconds))})
    if provider == spec.provider and analysis is spec.analysis:
        return canary
    resolved = spec.model_copy(update={"provider": provider, "analysis": analysis})
    return canary.model_copy(update={"spec": resolved})
