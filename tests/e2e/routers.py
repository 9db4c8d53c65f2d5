"""What differs between the proxies a scenario runs on: the Canary's provider and service fields,
the objects a user adds for clients to reach the app, and how the weights Traefik applies are read
back from its API."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .release import TARGET, Release


@dataclass(frozen=True)
class Router:
    provider: str
    # The Canary's spec.service additions (Gateway API: the Gateway it attaches to, the host).
    service: Callable[[Release], dict[str, Any]]
    # What the user writes beside the Canary so clients reach it.
    objects: Callable[[Release], list[dict[str, Any]]]
    # Which of Traefik's weighted services carries the release.
    weighted_service: Callable[[Release], str]

    def weight(self, run: Release) -> Callable[[], int | None]:
        """The canary's share of the weights Traefik's API reports for the release's service."""

        def read() -> int | None:
            services = run.env.traefik.weights(self.weighted_service(run))
            primary = sum(w for name, w in services.items() if f"{TARGET}-primary" in name)
            canary = sum(w for name, w in services.items() if f"{TARGET}-canary" in name)
            return round(100 * canary / (primary + canary)) if primary + canary else None

        return read


def _ingress_route(run: Release) -> list[dict[str, Any]]:
    route = {
        "match": f"Host(`{run.host}`)",
        "kind": "Rule",
        "services": [{"name": TARGET, "kind": "TraefikService"}],
    }
    return [
        {
            "apiVersion": "traefik.io/v1alpha1",
            "kind": "IngressRoute",
            "metadata": {"name": TARGET, "namespace": run.namespace},
            "spec": {"entryPoints": ["web"], "routes": [route]},
        }
    ]


def _gateway(run: Release) -> list[dict[str, Any]]:
    listener = {
        "name": "web",
        "protocol": "HTTP",
        "port": run.env.traefik.web_port,  # Traefik serves a listener on the entry point of its port
        "allowedRoutes": {"namespaces": {"from": "Same"}},
    }
    return [
        {
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "Gateway",
            "metadata": {"name": "gateway", "namespace": run.namespace},
            "spec": {"gatewayClassName": "traefik", "listeners": [listener]},
        }
    ]


TRAEFIK = Router(
    "traefik",
    service=lambda _run: {},
    objects=_ingress_route,
    weighted_service=lambda run: f"{run.namespace}-{TARGET}@kubernetescrd",
)
GATEWAY_API = Router(
    "gatewayapi:v1",
    service=lambda run: {
        "gatewayRefs": [{"name": "gateway", "namespace": run.namespace}],
        "hosts": [run.host],
    },
    objects=_gateway,
    weighted_service=lambda run: f"httproute-{run.namespace}-{TARGET}",
)
ROUTERS = {"traefik": TRAEFIK, "gatewayapi": GATEWAY_API}
