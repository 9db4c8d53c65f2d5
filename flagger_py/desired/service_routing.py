"""Which Canaries with a core Service target can be released: the routers that route one, and the
fields such a Canary cannot use. The same rule for ``flagger-py validate`` and the controller.

A core Service target ``X`` has no pods of its own: routers split traffic between its copies
``X-primary`` and ``X-canary`` by Service name. That works with every router that addresses the
backends by Service (as in Flagger), and not with these:

- ``knative``: it routes Knative Revisions; Flagger refuses it with any other target too.
- ``appmesh:v1beta2``: its VirtualNodes select pods by the target's selector label, and a Service
  target gives none (Flagger writes an empty label key that the API server refuses).
- ``nginx``: users keep reaching the Ingress backend, the apex Service ``X`` itself, which is the
  new version here: only the canary Ingress would be weighted, so no share stays on the primary.
"""

from __future__ import annotations

from flagger_py.errors import Problem
from flagger_py.model.canary import CanarySpec
from flagger_py.model.provider_names import router_name

ROUTERS = frozenset(
    {
        "kubernetes",
        "istio",
        "gatewayapi:v1",
        "gatewayapi:v1beta1",
        "linkerd",
        "osm",
        "smi:v1alpha1",
        "smi:v1alpha2",
        "smi:v1alpha3",
        "contour",
        "traefik",
        "gloo",
        "skipper",
        "apisix",
        "kuma",
        "appmesh",
    }
)
"""The routers that route a core Service target."""

REFUSED = {
    "knative": "the knative router releases Knative Services (apiVersion serving.knative.dev/v1) only",
    "appmesh:v1beta2": (
        "appmesh:v1beta2 VirtualNodes select pods by the target's selector label, and a Service has none"
    ),
    "nginx": (
        "the nginx router weights only the canary Ingress; users would keep reaching the apex Service "
        "(the target itself, the new version), so no share of the traffic would stay on the primary"
    ),
}


def is_core_service(spec: CanarySpec) -> bool:
    """A Kubernetes Service target (Flagger: kind Service not of apiVersion serving.knative.dev/v1)."""
    ref = spec.target_ref
    return ref.kind == "Service" and ref.api_version != "serving.knative.dev/v1"


def problems(spec: CanarySpec, provider: str | None, provider_field: str = "spec.provider") -> list[Problem]:
    """What stops a Canary with a core Service target; nothing for other targets. ``provider`` is the
    router that will run it (None when not known yet, as for ``validate`` without ``spec.provider``),
    ``provider_field`` where that name came from, for the message."""
    if not is_core_service(spec):
        return []
    name = spec.target_ref.name
    found = []
    if provider is not None and router_name(provider) not in ROUTERS:
        reason = REFUSED.get(
            router_name(provider), f"the router {provider!r} is not known to route a Service target"
        )
        usable = ", ".join(sorted(ROUTERS))
        found.append(
            Problem(
                provider_field,
                f"{reason}; spec.targetRef.kind Service is released with one of: {usable} "
                "(or target a Deployment or DaemonSet)",
            )
        )
    if spec.service is not None and spec.service.name and spec.service.name != name:
        found.append(
            Problem(
                "spec.service.name",
                f"must be the target's name {name!r} or left out with spec.targetRef.kind Service: routers "
                f"route to {spec.service.name}-primary and {spec.service.name}-canary, and the copies of "
                f"the Service are {name}-primary and {name}-canary",
            )
        )
    if spec.autoscaler_ref is not None:
        found.append(
            Problem(
                "spec.autoscalerRef",
                "a Service target has no replicas to scale; remove autoscalerRef "
                "(or target the Deployment behind the Service)",
            )
        )
    return found
