"""KubeObjects: the ClusterObjects port, generic get / apply / delete by apiVersion and kind.

Reads come from a watch-backed Informer per kind, started the first time a router asks for that
kind (one list, then a watch), so a router reading its VirtualService every tick costs no API
request. Writes go to the API server and into the cache at once, so a read right after a write
sees it.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
from collections.abc import Mapping
from typing import Any

from flagger_py.errors import KubeError, KubeNotFound
from flagger_py.kube.client import KubeClient
from flagger_py.kube.informer import Informer
from flagger_py.kube.owners import owned
from flagger_py.kube.resources import Resource
from flagger_py.model.canary import Canary

_IRREGULAR = {"Ingress": "ingresses", "HTTPProxy": "httpproxies", "Endpoints": "endpoints"}
SYNC_TIMEOUT = 30.0


def resource(api_version: str, kind: str) -> Resource:
    """The resource of a kind, with the plural the API server uses for it (lowercase + s, y -> ies)."""
    group, _, version = api_version.rpartition("/")
    lower = kind.lower()
    plural = _IRREGULAR.get(kind) or (lower[:-1] + "ies" if lower.endswith("y") else lower + "s")
    return Resource(group, version, plural, kind)


def scoped(res: Resource, namespace: str | None) -> Resource:
    """A kind asked for in namespace "" is cluster-scoped (a Kuma TrafficRoute): no namespace in its paths,
    even when the controller watches one namespace."""
    return res if namespace else dataclasses.replace(res, namespaced=False)


class KubeObjects:
    """Implements ``ports.ClusterObjects`` with server-side apply as ``flagger-py``.

    ``namespace`` limits the caches to the namespace the controller watches (None: all).
    """

    def __init__(self, client: KubeClient, namespace: str | None = None, cached: bool = True) -> None:
        self.client = client
        self.namespace = namespace
        self.cached = cached
        self.informers: dict[Resource, Informer] = {}
        self.tasks: list[asyncio.Task[None]] = []
        self._starting: dict[Resource, asyncio.Lock] = {}

    async def get(self, api_version: str, kind: str, namespace: str, name: str) -> Mapping[str, Any] | None:
        res = scoped(resource(api_version, kind), namespace)
        informer = await self._informer(res)
        if informer is None:
            found: Mapping[str, Any] | None = await self.client.get_or_none(res, namespace, name)
            return found
        return informer.get(namespace, name)

    async def apply(self, obj: Mapping[str, Any], owner: Canary | None = None) -> Mapping[str, Any]:
        body = {**obj, "metadata": dict(obj["metadata"])}
        if owner is not None:
            body = owned(body, owner)
        res = scoped(resource(obj["apiVersion"], obj["kind"]), obj["metadata"].get("namespace"))
        applied: dict[str, Any] = await self.client.apply(res, body, force=True)
        informer = self.informers.get(res)
        if informer is not None:
            informer.wrote(copy.deepcopy(applied))
        return applied

    async def delete(self, api_version: str, kind: str, namespace: str, name: str) -> None:
        res = scoped(resource(api_version, kind), namespace)
        await self.client.delete(res, namespace, name)
        informer = self.informers.get(res)
        if informer is not None:
            informer.forget(namespace, name)

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.tasks = []

    async def _informer(self, res: Resource) -> Informer | None:
        if not self.cached:
            return None
        if res in self.informers:
            return self.informers[res]
        async with self._starting.setdefault(res, asyncio.Lock()):
            if res in self.informers:
                return self.informers[res]
            try:  # fail with a clear message when the kind is not served, instead of a silent retry loop
                await self.client.list(res, self.namespace, limit="1")
            except KubeNotFound as exc:
                raise KubeError(
                    f"the API server does not serve {res.kind} ({res.api_version}); install the CRDs of the "
                    "mesh or ingress controller this provider drives"
                ) from exc
            informer = Informer(self.client, res, self.namespace)
            self.tasks.append(asyncio.create_task(informer.run(), name=f"cache-{res.plural}.{res.group}"))
            async with asyncio.timeout(SYNC_TIMEOUT):
                await informer.synced.wait()
            self.informers[res] = informer
            return informer
