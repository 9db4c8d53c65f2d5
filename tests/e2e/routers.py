"""What differs between the proxies a scenario runs on: the Canary's provider and service fields,
the objects a user adds for clients to reach the app, and how the weights Traefik applies are read
back from its API.

Traefik's Gateway API provider makes one weighted service per HTTPRoute rule (and match), named
``httproute-<ns>-<route>-gw-<gateway ns>-<gateway>-ep-<entry point>-<rule index>-<hash>-wrr``; an A/B
route has its header rule first and the weighted rule last. The ``kubernetes`` router has no
weights at all: a blue/green switch is read from the servers Traefik sends the apex Service's
requests to (the Service's endpoints, as Traefik's Kubernetes providers watch them; there is no
kube-proxy here)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import app
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

    def weight(self, run: Release, rule: int | None = None) -> Callable[[], int | None]:
        """The canary's share of the weights Traefik's API reports for the release's service; for
        a route of several rules, of rule ``rule`` (default: the last, the weighted one)."""

        def read() -> int | None:
            found = run.env.traefik.weighted(self.weighted_service(run))
            if not found:
                return None
            ordered = sorted(found, key=_rule_index)
            name = ordered[-1] if rule is None else next((n for n in ordered if _rule_index(n) == rule), None)
            if name is None:
                return None
            services = found[name]
            primary = sum(w for child, w in services.items() if f"{TARGET}-primary" in child)
            canary = sum(w for child, w in services.items() if f"{TARGET}-canary" in child)
            return round(100 * canary / (primary + canary)) if primary + canary else None

        return read


def _rule_index(service_name: str) -> int:
    found = re.search(r"-ep-[a-z0-9]+-(\d+)-", service_name)
    return int(found.group(1)) if found else 0


def new_version_share(run: Release, version: str) -> Callable[[], int | None]:
    """Percent of the servers Traefik sends the apex Service's requests to that run ``version``
    (None while it has none): a blue/green switch as the proxy sees it."""

    def read() -> int | None:
        servers = run.env.traefik.servers(run.host)
        if not servers:
            return None
        versions = {
            f"http://{p['status']['podIP']}:{app.PORT}": app.version_of(p)
            for p in app.running_pods(run.cluster, run.namespace)
        }
        return round(100 * sum(1 for s in servers if versions.get(s) == version) / len(servers))

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


def _service_routes(run: Release) -> list[dict[str, Any]]:
    """Clients reach the apex Service; the load tester reaches the canary Service on its own host,
    as Flagger's blue/green tutorial has it test ``<app>-canary``."""

    def route(host: str, service: str) -> dict[str, Any]:
        return {
            "match": f"Host(`{host}`)",
            "kind": "Rule",
            "services": [{"name": service, "port": app.PORT}],
        }

    spec = {
        "entryPoints": ["web"],
        "routes": [route(run.host, TARGET), route(canary_host(run), f"{TARGET}-canary")],
    }
    return [
        {
            "apiVersion": "traefik.io/v1alpha1",
            "kind": "IngressRoute",
            "metadata": {"name": TARGET, "namespace": run.namespace},
            "spec": spec,
        }
    ]


def canary_host(run: Release) -> str:
    return f"canary.{run.host}"


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
# Blue/green through Service switching: the IngressRoute sends to the apex Service itself.
KUBERNETES = Router(
    "kubernetes",
    service=lambda _run: {},
    objects=_service_routes,
    weighted_service=lambda _run: "",
)
