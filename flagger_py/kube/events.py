"""KubeEvents: Kubernetes Events on a Canary (reason ``Synced``), deduplicated like kubectl's.

The same message of the same type on the same Canary bumps ``count`` and ``lastTimestamp`` of the Event
already recorded instead of creating a new one, so a canary stuck on one problem writes one Event,
not one per tick. Every event is also logged and handed to ``forward`` (the event webhooks).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from flagger_py.domain.actions import EventType
from flagger_py.errors import KubeError, KubeNotFound
from flagger_py.kube import resources as r
from flagger_py.kube.client import KubeClient
from flagger_py.model.canary import Canary
from flagger_py.ports import Clock

log = logging.getLogger("flagger_py.events")
COMPONENT = "flagger-py"
REMEMBERED = 10_000
Forward = Callable[[Canary, EventType, str, int], Awaitable[None]]


class KubeEvents:
    """Implements ``ports.Events``."""

    def __init__(self, client: KubeClient, clock: Clock, forward: Forward | None = None) -> None:
        self.client = client
        self.clock = clock
        self.forward = forward
        self.recorded: OrderedDict[tuple[str, str, str], tuple[str, int]] = OrderedDict()

    async def emit(self, canary: Canary, type: EventType, message: str) -> None:
        ns = canary.metadata.namespace or "default"
        level = logging.WARNING if type == "Warning" else logging.INFO
        log.log(level, message, extra={"canary": f"{canary.metadata.name}.{ns}", "event_type": type})
        try:
            await self._record(canary, ns, type, message)
        except KubeError as exc:  # an event that cannot be recorded must not fail the tick
            log.warning("cannot record event on canary %s.%s: %s", canary.metadata.name, ns, exc)
        if self.forward is not None:
            await self.forward(canary, type, message, int(self.clock.now().seconds * 1000))

    async def _record(self, canary: Canary, ns: str, type: EventType, message: str) -> None:
        key = (canary.metadata.uid or f"{ns}/{canary.metadata.name}", type, message)
        now = self.clock.now().text
        known = self.recorded.get(key)
        if known is not None:
            name, count = known
            patch = {"count": count + 1, "lastTimestamp": now}
            try:
                await self.client.patch(r.EVENTS, ns, name, patch)
            except KubeNotFound:  # expired (events live an hour by default): record it again
                pass
            else:
                self.recorded[key] = (name, count + 1)
                self.recorded.move_to_end(key)
                return
        created = await self.client.create(r.EVENTS, ns, self._event(canary, ns, type, message, now))
        self.recorded[key] = (created["metadata"]["name"], 1)
        while len(self.recorded) > REMEMBERED:
            self.recorded.popitem(last=False)

    def _event(self, canary: Canary, ns: str, type: EventType, message: str, now: str) -> dict[str, Any]:
        return {
            "metadata": {"generateName": f"{canary.metadata.name}.", "namespace": ns},
            "involvedObject": {
                "apiVersion": "flagger.app/v1beta1",
                "kind": "Canary",
                "name": canary.metadata.name,
                "namespace": ns,
                "uid": canary.metadata.uid,
            },
            "reason": "Synced",
            "message": message,
            "type": type,
            "count": 1,
            "firstTimestamp": now,
            "lastTimestamp": now,
            "source": {"component": COMPONENT},
            "reportingComponent": COMPONENT,
            "reportingInstance": COMPONENT,
        }
