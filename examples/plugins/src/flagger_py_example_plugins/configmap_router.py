"""Router ``configmap``: the weights in a ConfigMap ``<canary>-weights`` that a proxy of yours reads.

Its data is ``primary`` and ``canary`` (percentages) and ``mirrored`` (``"true"``/``"false"``). The
ConfigMap is owned by the Canary (garbage-collected with it) and deleted by ``finalize``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flagger_py.spi import ALL_PRIMARY, Canary, RouterContext, RouterError, Routes, Strategy, unsupported


class ConfigMapRouter:
    """Implements ``flagger_py.spi.Router`` for ``provider: configmap``."""

    provider = "configmap"
    strategies: frozenset[Strategy] = frozenset({"canary", "blue/green", "traffic mirroring"})

    def __init__(self, context: RouterContext) -> None:
        self.cluster = context.cluster

    def check(self, canary: Canary) -> str | None:
        return unsupported(canary, self.provider, self.strategies)

    async def reconcile(self, canary: Canary) -> None:
        """Create the ConfigMap, all to the primary, if it is missing; an existing one keeps its weights."""
        if await self._stored(canary) is None:
            await self.set_routes(canary, ALL_PRIMARY)

    async def set_routes(self, canary: Canary, routes: Routes) -> None:
        data = {
            "primary": str(routes.primary),
            "canary": str(routes.canary),
            "mirrored": "true" if routes.mirrored else "false",
        }
        namespace, name = _where(canary)
        body = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": namespace},
            "data": data,
        }
        await self.cluster.apply(body, owner=canary)

    async def get_routes(self, canary: Canary) -> Routes:
        stored = await self._stored(canary)
        if stored is None:
            await self.reconcile(canary)
            return ALL_PRIMARY
        data: Mapping[str, Any] = stored.get("data") or {}
        try:
            return Routes(int(data["primary"]), int(data["canary"]), data.get("mirrored") == "true")
        except (KeyError, ValueError) as exc:
            raise RouterError(f"ConfigMap {_where(canary)[1]} holds no weights: {exc}") from exc

    async def finalize(self, canary: Canary) -> None:
        await self.cluster.delete("v1", "ConfigMap", *_where(canary))

    async def _stored(self, canary: Canary) -> Mapping[str, Any] | None:
        return await self.cluster.get("v1", "ConfigMap", *_where(canary))


def _where(canary: Canary) -> tuple[str, str]:
    """The namespace and name of the Canary's ConfigMap."""
    return canary.metadata.namespace or "default", f"{canary.metadata.name}-weights"
