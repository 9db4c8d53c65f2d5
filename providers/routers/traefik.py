"""provider: traefik — a TraefikService with weighted round robin (traefik.io/v1alpha1).

Object: TraefikService ``<apex>`` (apex labels and annotations, Flux opt-out) balancing between
``<apex>-primary`` and, while it has weight, ``<apex>-canary``. Your IngressRoute points at the
TraefikService (``kind: TraefikService``, name ``<apex>``) and stays yours. Weights only: canary
and blue/green releases.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flagger_py.model.canary import Canary
from flagger_py.model.strategy import Strategy, unsupported
from flagger_py.ports import ALL_PRIMARY, RouterContext, Routes

from . import objects
from .objects import Names

API = "traefik.io/v1alpha1"


class TraefikRouter:
    """Implements ``ports.Router`` for ``provider: traefik``."""

    provider = "traefik"
    strategies: frozenset[Strategy] = frozenset({"canary", "blue/green"})

    def __init__(self, context: RouterContext) -> None:
        self.cluster = context.cluster

    def check(self, canary: Canary) -> str | None:
        return unsupported(canary, self.provider, self.strategies)

    async def reconcile(self, canary: Canary) -> None:
        names = Names.of(canary)
        current = await self.cluster.get(API, "TraefikService", names.namespace, names.apex)
        routes = read_routes(current, names) if current is not None else ALL_PRIMARY
        await objects.put(self.cluster, canary, traefik_service(canary, routes))

    async def set_routes(self, canary: Canary, routes: Routes) -> None:
        await objects.put(self.cluster, canary, traefik_service(canary, routes))

    async def get_routes(self, canary: Canary) -> Routes:
        names = Names.of(canary)
        current = await self.cluster.get(API, "TraefikService", names.namespace, names.apex)
        if current is None:  # deleted behind our back: recreate it, all traffic to the primary
            await self.reconcile(canary)
            return ALL_PRIMARY
        return read_routes(current, names)

    async def finalize(self, canary: Canary) -> None:
        await objects.restore(self.cluster, canary, API, "TraefikService", Names.of(canary).apex)


def traefik_service(canary: Canary, routes: Routes) -> dict[str, Any]:
    names = Names.of(canary)
    services = [{"name": names.primary, "port": names.port, "weight": routes.primary}]
    if routes.canary > 0:
        services.append({"name": names.canary, "port": names.port, "weight": routes.canary})
    meta = objects.metadata(canary, names.apex)
    spec = {"weighted": {"services": services}}
    return {"apiVersion": API, "kind": "TraefikService", "metadata": meta, "spec": spec}


def read_routes(service: Mapping[str, Any], names: Names) -> Routes:
    weighted = ((service.get("spec") or {}).get("weighted") or {}).get("services") or ()
    found = {s.get("name"): s.get("weight", 1) for s in weighted}
    if names.primary not in found and names.canary not in found:
        return ALL_PRIMARY
    return objects.weights(found.get(names.primary, 0), found.get(names.canary, 0))
