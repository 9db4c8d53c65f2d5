"""provider: kuma — a Kuma TrafficRoute splitting a service between primary and canary (kuma.io/v1alpha1).

Object: TrafficRoute ``<apex>``, cluster-scoped, in the mesh named by the Canary's ``kuma.io/mesh``
annotation (default ``default``), with the apex labels and annotations and the Flux opt-out. It takes
traffic from every source (``kuma.io/service: "*"``) to ``<apex>_<namespace>_svc_<port>`` and splits it
between ``<apex>-primary_<namespace>_svc_<port>`` and ``<apex>-canary_<namespace>_svc_<port>`` by weight.
Canary and blue/green releases only: the split has no matches, so no A/B testing, mirroring or
session affinity.

A cluster-scoped object cannot be owned by a namespaced Canary, so instead of an owner reference the
TrafficRoute carries ``flagger-py.app/canary: <namespace>/<name>``; finalize deletes it only when that
Canary created it, and a second Canary of the same apex name in another namespace is refused instead
of fighting over the object. A TrafficRoute that existed before (yours, or one Flagger left) is taken
over and gets its original spec back on finalize, as with every router.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flagger_py.errors import RouterError
from flagger_py.model.canary import Canary
from flagger_py.spi import ALL_PRIMARY, ClusterObjects, Routes

from . import objects
from .objects import Names

API = "kuma.io/v1alpha1"
KIND = "TrafficRoute"
SERVICE_TAG = "kuma.io/service"
MESH_ANNOTATION = "kuma.io/mesh"
ORIGINAL = objects.ORIGINAL
CANARY = "flagger-py.app/canary"
"""``<namespace>/<name>`` of the Canary a cluster-scoped object belongs to (no owner reference possible)."""


def read_routes(route: Mapping[str, Any], names: Names) -> Routes:
    """The primary's weight and the rest of 100 (as Flagger reads them); all-primary when the split has
    no primary (a TrafficRoute not taken over yet)."""
    split = ((route.get("spec") or {}).get("conf") or {}).get("split") or ()
    for entry in split:
        service = str((entry.get("destination") or {}).get(SERVICE_TAG, ""))
        if service.split("_", maxsplit=1)[0] == names.primary:
            primary = max(0, min(100, objects._number(entry.get("weight", 0))))
            return Routes(primary, 100 - primary)
    return ALL_PRIMARY


class KumaRouter(objects.OneObjectRouter, provider="kuma", api=API, kind=KIND, reads=read_routes):
    """Implements ``ports.Router`` for ``provider: kuma``: one cluster-scoped TrafficRoute."""

    def refuse(self, canary: Canary) -> str | None:
        if canary.spec.service is None:
            return f"spec.service: provider {self.provider} needs spec.service (at least its port)"
        return None

    def desired(self, canary: Canary, routes: Routes) -> dict[str, Any]:
        return traffic_route(canary, routes)

    async def write(self, canary: Canary, desired: Mapping[str, Any]) -> None:
        await put(self.cluster, canary, desired)

    async def finalize(self, canary: Canary) -> None:
        await restore(self.cluster, canary, Names.of(canary).apex)

    async def current(self, canary: Canary) -> Mapping[str, Any] | None:
        return await self.cluster.get(API, KIND, "", Names.of(canary).apex)


def kuma_service(name: str, names: Names) -> str:
    """The ``kuma.io/service`` tag Kuma gives a Kubernetes Service port: ``<name>_<namespace>_svc_<port>``."""
    return f"{name}_{names.namespace}_svc_{names.port}"


def mesh(canary: Canary) -> str:
    return (canary.metadata.annotations or {}).get(MESH_ANNOTATION) or "default"


def traffic_route(canary: Canary, routes: Routes) -> dict[str, Any]:
    """The TrafficRoute of Flagger's KumaRouter.Reconcile / SetRoutes, with ``routes`` as the split."""
    names = Names.of(canary)
    meta = objects.metadata(canary, names.apex)
    del meta["namespace"]
    split = [
        {"weight": routes.primary, "destination": {SERVICE_TAG: kuma_service(names.primary, names)}},
        {"weight": routes.canary, "destination": {SERVICE_TAG: kuma_service(names.canary, names)}},
    ]
    spec = {
        "sources": [{"match": {SERVICE_TAG: "*"}}],
        "destinations": [{"match": {SERVICE_TAG: kuma_service(names.apex, names)}}],
        "conf": {"split": split},
    }
    return {"apiVersion": API, "kind": KIND, "metadata": meta, "mesh": mesh(canary), "spec": spec}


def owner_key(canary: Canary) -> str:
    return f"{Names.of(canary).namespace}/{canary.metadata.name}"


async def put(cluster: ClusterObjects, canary: Canary, desired: Mapping[str, Any]) -> Mapping[str, Any]:
    """``objects.put`` for a cluster-scoped object: ownership by annotation instead of owner reference.

    A TrafficRoute without our annotation is taken over (its spec kept for ``restore``, its mesh left
    as it is); one that carries another Canary's annotation is refused with a RouterError.
    """
    meta = desired["metadata"]
    name = meta["name"]
    mine = owner_key(canary)
    current = await cluster.get(API, KIND, "", name)
    found = ((current or {}).get("metadata") or {}).get("annotations") or {}
    holder = found.get(CANARY)
    if current is not None and holder is not None and holder != mine:
        raise RouterError(
            f"{KIND} {name} (cluster-scoped) belongs to Canary {holder}; Canary {mine} has the same apex "
            f"name {name}. Give one of them another spec.service.name"
        )
    annotations = {**(meta.get("annotations") or {}), CANARY: mine}
    body = {**desired, "metadata": {**meta, "annotations": annotations}}
    if current is not None and (holder is None or ORIGINAL in found):
        spec = objects._original_spec(current)
        annotations[ORIGINAL] = found.get(ORIGINAL) or json.dumps(spec, sort_keys=True)
        body.pop("mesh", None)  # a taken-over route stays in its mesh
    annotations[objects.APPLIED] = objects.digest(body)
    if current is not None and objects.contains(current, body):
        return current
    return await cluster.apply(body)


async def restore(cluster: ClusterObjects, canary: Canary, name: str) -> None:
    """Give a taken-over TrafficRoute its original spec back; delete the one this Canary created."""
    current = await cluster.get(API, KIND, "", name)
    if current is None:
        return
    annotations = current["metadata"].get("annotations") or {}
    if annotations.get(CANARY) != owner_key(canary):
        return
    original = annotations.get(ORIGINAL)
    if original is not None:
        body = {"apiVersion": API, "kind": KIND, "metadata": {"name": name}, "spec": json.loads(original)}
        await cluster.apply(body)
    else:
        await cluster.delete(API, KIND, "", name)
