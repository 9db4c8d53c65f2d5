"""KubeFinalizers: a Canary's ``metadata.finalizers`` written with a patch guarded by its resourceVersion."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flagger_py.kube import resources as r
from flagger_py.kube.client import KubeClient
from flagger_py.model.canary import Canary


@dataclass(frozen=True)
class KubeFinalizers:
    client: KubeClient

    async def set(self, canary: Canary, finalizers: Sequence[str]) -> None:
        meta = canary.metadata
        patch = {"metadata": {"finalizers": list(finalizers), "resourceVersion": meta.resource_version}}
        await self.client.patch(r.CANARIES, meta.namespace, meta.name, patch)
