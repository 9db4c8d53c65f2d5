"""KubeEvents: Kubernetes Events on a Canary (reason ``Synced``), deduplicated like kubectl's.

The same message of the same type on the same Canary bumps ``count`` and ``lastTimestamp`` of the Event
already recorded instead of creating a new one, so a canary stuck on one problem writes one Event,
not one per tick. Those bumps are written at most once per ``REPEAT_SECONDS``: repeats in between are
counted in memory and written with the next bump, or when the Canary's next different event is
recorded, so ``count`` is exact once the canary moves on and at most a minute behind while it is stuck
(a thousand canaries waiting on their pods would otherwise write a thousand patches per interval).
Every event is also logged and handed to ``forward`` (the event webhooks), each time.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from flagger_py.domain.actions import EventType
from flagger_py.errors import KubeError, KubeNotFound
from flagger_py.kube import resources as r
from flagger_py.kube.client import KubeClient
from flagger_py.model.canary import Canary
from flagger_py.ports import Clock

log = logging.getLogger("flagger_py.events")
COMPONENT = "flagger"
"""Flagger's event source: alert rules and dashboards select Canary Events by it."""
INSTANCE = "flagger-py"
"""reportingInstance (empty on Flagger's Events): tells flagger-py's Events from Flagger's."""
REMEMBERED = 10_000
REPEAT_SECONDS = 60.0
Forward = Callable[[Canary, EventType, str, int], Awaitable[None]]
Key = tuple[str, str, str]  # canary uid, event type, message


@dataclass
class Recorded:
    """An Event this process has created: its name, the count written, repeats not yet written, when
    it was last written (clock seconds) and the latest repeat's time (RFC 3339)."""

    name: str
    count: int
    written_at: float
    last_text: str
    pending: int = 0


class KubeEvents:
    """Implements ``ports.Events``."""

    def __init__(self, client: KubeClient, clock: Clock, forward: Forward | None = None) -> None:
        self.client = client
        self.clock = clock
        self.forward = forward
        self.recorded: OrderedDict[Key, Recorded] = OrderedDict()
        self.latest: dict[str, Key] = {}  # per canary, the key of its latest event

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
        canary_key = canary.metadata.uid or f"{ns}/{canary.metadata.name}"
        key = (canary_key, type, message)
        now = self.clock.now()
        previous = self.latest.get(canary_key)
        self.latest[canary_key] = key
        if previous is not None and previous != key:
            await self._flush(ns, previous, now.seconds)
        known = self.recorded.get(key)
        if known is not None:
            self.recorded.move_to_end(key)
            known.pending += 1
            known.last_text = now.text
            if now.seconds - known.written_at < REPEAT_SECONDS:
                return
            if await self._bump(ns, key, known, now.seconds):
                return
        created = await self.client.create(r.EVENTS, ns, self._event(canary, ns, type, message, now.text))
        self.recorded[key] = Recorded(created["metadata"]["name"], 1, now.seconds, now.text)
        while len(self.recorded) > REMEMBERED:
            old, _ = self.recorded.popitem(last=False)
            if self.latest.get(old[0]) == old:
                del self.latest[old[0]]

    async def _flush(self, ns: str, key: Key, now: float) -> None:
        """Write the repeats of ``key`` not yet written (its canary has moved on to another event); a
        failure costs that count, never the new event."""
        known = self.recorded.get(key)
        if known is None or not known.pending:
            return
        try:
            await self._bump(ns, key, known, now)
        except KubeError as exc:
            log.warning("cannot update the count of event %s in %s: %s", known.name, ns, exc)

    async def _bump(self, ns: str, key: Key, known: Recorded, now: float) -> bool:
        """Patch ``count`` and ``lastTimestamp`` (the latest repeat's); False when the Event has expired
        (events live an hour by default), so it is recorded again."""
        count = known.count + known.pending
        patch = {"count": count, "lastTimestamp": known.last_text}
        try:
            await self.client.patch(r.EVENTS, ns, known.name, patch)
        except KubeNotFound:
            del self.recorded[key]
            return False
        known.count, known.pending, known.written_at = count, 0, now
        return True

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
            "reportingInstance": INSTANCE,
        }
