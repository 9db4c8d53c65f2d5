"""Outbox: alerts and event webhooks delivered in the background, in order per stream.

A chat service or an event sink that is slow or down must not hold a canary's analysis (Flagger
posts alerts inside the tick, so a hanging Slack delays the release by its timeout on every alert).
The tick hands each delivery to the outbox and goes on. Deliveries of one stream (one canary's
alerts, or its events) keep their order: "promotion finished" never overtakes "waiting for
approval". Streams do not wait for each other. A stream's queue is bounded: when a sink falls so far
behind that it fills, the oldest pending delivery is dropped, and that is logged. On shutdown the
outbox gets a grace period to deliver what is pending.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable

from flagger_py.domain.actions import Severity
from flagger_py.domain.alert_details import Details
from flagger_py.model.canary import Canary
from flagger_py.ports import Alerter

log = logging.getLogger("flagger_py.outbox")
Delivery = Callable[[], Awaitable[None]]
DEFAULT_LIMIT = 100


class Outbox:
    """Background delivery, one worker task per stream with something pending."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        if limit < 1:
            raise ValueError("an outbox needs room for at least one delivery")
        self.limit = limit
        self.queues: dict[str, deque[Delivery]] = {}
        self.workers: dict[str, asyncio.Task[None]] = {}
        self.dropped = 0
        self.overflowing: set[str] = set()

    def put(self, stream: str, delivery: Delivery) -> None:
        """Queue ``delivery`` behind the stream's pending ones; returns at once."""
        queue = self.queues.setdefault(stream, deque())
        if len(queue) >= self.limit:
            queue.popleft()
            self.dropped += 1
            if stream not in self.overflowing:  # once until the stream catches up
                self.overflowing.add(stream)
                log.warning(
                    "%s: %d deliveries pending, dropped the oldest (the sink is too slow)", stream, self.limit
                )
        queue.append(delivery)
        if stream not in self.workers:
            self.workers[stream] = asyncio.create_task(self._drain(stream, queue), name=f"outbox {stream}")

    @property
    def pending(self) -> int:
        """Deliveries queued and not yet started."""
        return sum(len(q) for q in self.queues.values())

    async def _drain(self, stream: str, queue: deque[Delivery]) -> None:
        try:
            while queue:
                delivery = queue.popleft()
                try:
                    await delivery()
                except Exception:  # a bug in one delivery must not stop the ones behind it
                    log.exception("%s: a delivery failed", stream)
        finally:
            self.workers.pop(stream, None)
            if not queue:
                self.queues.pop(stream, None)
                self.overflowing.discard(stream)

    async def close(self, grace: float = 5.0) -> None:
        """Wait up to ``grace`` seconds for pending deliveries, then cancel what is left."""
        workers = list(self.workers.values())
        if not workers:
            return
        _, late = await asyncio.wait(workers, timeout=grace)
        if late:
            log.warning("stopping with %d deliveries undelivered after %gs", self.pending + len(late), grace)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)


class QueuedNotifier:
    """A ``ports.Alerter`` that hands each alert to the outbox (stream: the canary's alerts)."""

    def __init__(self, notifier: Alerter, outbox: Outbox) -> None:
        self.notifier = notifier
        self.outbox = outbox

    async def notify(self, canary: Canary, severity: Severity, message: str, details: Details) -> None:
        async def deliver() -> None:
            await self.notifier.notify(canary, severity, message, details)

        self.outbox.put(f"alerts of {stream(canary)}", deliver)


def stream(canary: Canary) -> str:
    return f"{canary.metadata.name}.{canary.metadata.namespace or 'default'}"
