"""KubeObjects: the ClusterObjects port, generic get / apply / delete by apiVersion and kind."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flagger_py.kube.client import KubeClient
from flagger_py.kube.owners import owned
from flagger_py.kube.resources import Resource
from flagger_py.model.canary import Canary

_IRREGULAR = {"Ingress": "ingresses", "HTTPProxy": "httpproxies", "Endpoints": "endpoints"}


def resource(api_version: str, kind: str) -> Resource:
    """The resource of a kind, with the plural the API server uses for it (lowercase + s, y -> ies)."""
    group, _, version = api_version.rpartition("/")
    lower = kind.lower()
    plural = _IRREGULAR.get(kind) or (lower[:-1] + "ies" if lower.endswith("y") else lower + "s")
    return Resource(group, version, plural, kind)


class KubeObjects:
    """Implements ``ports.ClusterObjects`` with server-side apply as ``flagger-py``."""

    def __init__(self, client: KubeClient) -> None:
        self.client = client

    async def get(self, api_version: str, kind: str, namespace: str, name: str) -> Mapping[str, Any] | None:
        found: Mapping[str, Any] | None = await self.client.get_or_none(
            resource(api_version, kind), namespace, name
        )
        return found

    async def apply(self, obj: Mapping[str, Any], owner: Canary | None = None) -> Mapping[str, Any]:
        body = {**obj, "metadata": dict(obj["metadata"])}
        if owner is not None:
            body = owned(body, owner)
        applied: Mapping[str, Any] = await self.client.apply(
            resource(obj["apiVersion"], obj["kind"]), body, force=True
        )
        return applied

    async def delete(self, api_version: str, kind: str, namespace: str, name: str) -> None:
        await self.client.delete(resource(api_version, kind), namespace, name)
