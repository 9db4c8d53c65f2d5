"""provider: linkerd, osm and smi:v1alpha1|v1alpha2|v1alpha3 — an SMI TrafficSplit.

Object: TrafficSplit ``<apex>`` (split.smi-spec.io) for the root service ``service.hosts[0]`` (or
the apex) with two backends, ``<apex>-canary`` and ``<apex>-primary``, and their weights: a
Kubernetes quantity in v1alpha1 (``linkerd``), a number in v1alpha2 (``osm``) and v1alpha3. SMI
splits by weight only: canary and blue/green releases, no A/B testing, mirroring or session
affinity. Flux opt-out annotations are not added (as Flagger: TrafficSplits are not kept in Git).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flagger_py.model.canary import Canary
from flagger_py.spi import ALL_PRIMARY, Routes

from . import objects
from .objects import Names

GROUP = "split.smi-spec.io"


def read_routes(split: Mapping[str, Any], names: Names) -> Routes:
    backends = {b.get("service"): b.get("weight") for b in (split.get("spec") or {}).get("backends") or ()}
    if names.canary not in backends and names.primary not in backends:
        return ALL_PRIMARY
    return objects.weights(backends.get(names.primary), backends.get(names.canary))


class SMIRouter(
    objects.OneObjectRouter,
    provider="smi:v1alpha2",
    api=f"{GROUP}/v1alpha2",
    kind="TrafficSplit",
    reads=read_routes,
):
    """Implements ``ports.Router`` for ``provider: smi:v1alpha2``."""

    def weight(self, value: int) -> int | str:
        return value

    def desired(self, canary: Canary, routes: Routes) -> dict[str, Any]:
        names = Names.of(canary)
        service = canary.spec.service
        root = service.hosts[0] if service is not None and service.hosts else names.apex
        backends = [
            {"service": names.canary, "weight": self.weight(routes.canary)},
            {"service": names.primary, "weight": self.weight(routes.primary)},
        ]
        meta = objects.metadata(canary, names.apex, flux=False)
        spec = {"service": root, "backends": backends}
        return {"apiVersion": self.api, "kind": "TrafficSplit", "metadata": meta, "spec": spec}


class SMIV1Alpha1Router(SMIRouter, provider="smi:v1alpha1", api=f"{GROUP}/v1alpha1"):
    """Implements ``ports.Router`` for ``provider: smi:v1alpha1`` (weights are quantities)."""

    def weight(self, value: int) -> int | str:
        return str(value)


class LinkerdRouter(SMIV1Alpha1Router, provider="linkerd"):
    """Implements ``ports.Router`` for ``provider: linkerd`` (SMI v1alpha1, linkerd-smi)."""


class OSMRouter(SMIRouter, provider="osm"):
    """Implements ``ports.Router`` for ``provider: osm`` (SMI v1alpha2)."""


class SMIV1Alpha3Router(SMIRouter, provider="smi:v1alpha3", api=f"{GROUP}/v1alpha3"):
    """Implements ``ports.Router`` for ``provider: smi:v1alpha3``."""
