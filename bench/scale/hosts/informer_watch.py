"""Variant (b): kopf hosts only the process; our own Informer watches Canaries like every other kind.

kopf runs with no resource handler and scanning disabled, so it opens no watch and makes no request
of its own (its login and startup activities stay, which is all "hosting the process" means here).
The Canary Informer tells the scheduler every event, and every object of each (re)listing, as kopf's
watch does.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import kopf

from flagger_py.kube import resources as r
from flagger_py.kube.informer import Informer
from flagger_py.operator import host
from flagger_py.operator.main import Process
from flagger_py.operator.scheduler import Scheduler

from . import run


class CanaryInformer(Informer):
    """An Informer whose listings are told too (after a 410 Gone, changes made meanwhile arrive only
    in the relisting)."""

    async def _list(self) -> None:
        await super()._list()
        for obj in self.items():
            self._tell("ADDED", obj)


class InformerWatch(Process):
    def feed(self, scheduler: Scheduler, stop: asyncio.Event) -> list[asyncio.Task[None]]:
        canaries = CanaryInformer(self.client, r.CANARIES, self.settings.namespace or None)
        canaries.listeners.append(scheduler.seen)
        bare = host.process(self.connection)  # login and settings, no Canary handler

        @kopf.on.startup(registry=bare)
        async def no_scanning(settings: kopf.OperatorSettings, **_: Any) -> None:
            settings.scanning.disabled = True

        return [
            asyncio.create_task(canaries.run(), name="canary informer"),
            asyncio.create_task(host.run_kopf(bare, self.settings.namespace, stop), name="kopf"),
        ]


if __name__ == "__main__":
    sys.exit(run(InformerWatch))
