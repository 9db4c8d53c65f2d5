"""The watch-backed caches a controller needs: targets, primaries, Services, ConfigMaps, Secrets,
MetricTemplates and AlertProviders."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from flagger_py.desired import configs
from flagger_py.kube import resources as r
from flagger_py.kube.client import KubeClient
from flagger_py.kube.informer import Informer, slim


def config_summary(obj: dict[str, Any]) -> dict[str, Any]:
    """What config tracking needs of a ConfigMap or Secret: never the data itself, only its checksum."""
    meta = obj.get("metadata") or {}
    return {
        "kind": obj.get("kind"),
        "type": obj.get("type"),
        "metadata": {
            "name": meta.get("name"),
            "namespace": meta.get("namespace"),
            "annotations": meta.get("annotations") or {},
        },
        "checksum": configs.checksum(obj),
    }


@dataclass
class Caches:
    """One informer per resource read every tick, in one namespace or all of them."""

    client: KubeClient
    namespace: str | None = None
    informers: dict[str, Informer] = field(init=False)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        ns = self.namespace
        self.informers = {
            "Deployment": Informer(self.client, r.DEPLOYMENTS, ns, slim),
            "DaemonSet": Informer(self.client, r.DAEMONSETS, ns, slim),
            "Service": Informer(self.client, r.SERVICES, ns, slim),
            "ConfigMap": Informer(self.client, r.CONFIGMAPS, ns, config_summary),
            "Secret": Informer(self.client, r.SECRETS, ns, config_summary),
            "MetricTemplate": Informer(self.client, r.METRIC_TEMPLATES, ns, slim),
            "AlertProvider": Informer(self.client, r.ALERT_PROVIDERS, ns, slim),
        }

    def __getitem__(self, kind: str) -> Informer:
        return self.informers[kind]

    async def start(self, timeout: float = 60.0) -> None:
        """Start every informer and wait until each has listed once."""
        self.tasks = [asyncio.create_task(i.run(), name=f"cache-{k}") for k, i in self.informers.items()]
        async with asyncio.timeout(timeout):
            await asyncio.gather(*(i.synced.wait() for i in self.informers.values()))

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.tasks = []
