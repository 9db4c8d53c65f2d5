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
from flagger_py.ports import ALL_PRIMARY, Routes

from . import objects
from .objects import Names

API = "traefik.io/v1alpha1"


class TraefikRouter(objects.OneObjectRouter):
    """Implements ``ports.Router`` for ``provider: traefik``."""

    provider = "traefik"
    api = API
    kind = "TraefikService"
    strategies: frozenset[Strategy] = frozenset({"canary", "blue/green"})

    def check(self, canary: Canary) -> str | None:
        return unsupported(canary, self.provider, self.strategies)

    def desired(self, canary: Canary, routes: Routes) -> dict[str, Any]:
        return traefik_service(canary, routes)

    def read(self, obj: Mapping[str, Any], canary: Canary) -> Routes:
        return read_routes(obj, Names.of(canary))


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
