"""The outbox: alerts and event webhooks leave the tick at once and arrive in order per stream."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from flagger_py.domain.actions import Severity
from flagger_py.domain.alert_details import Details
from flagger_py.model.canary import Canary
from flagger_py.operator.outbox import Outbox, QueuedNotifier
from tests.webhooks.server import canary


class Sink:
    """Records deliveries; blocks while ``gate`` is closed."""

    def __init__(self) -> None:
        self.received: list[str] = []
        self.gate = asyncio.Event()
        self.gate.set()

    def delivery(self, item: str) -> Any:
        async def deliver() -> None:
            await self.gate.wait()
            if item == "boom":
                raise RuntimeError("a bug in a notifier")
            self.received.append(item)

        return deliver


async def settle(outbox: Outbox) -> None:
    while outbox.workers:
        await asyncio.sleep(0)


async def test_put_returns_while_the_sink_hangs_and_order_is_kept() -> None:
    outbox, sink = Outbox(), Sink()
    sink.gate.clear()
    outbox.put("alerts of podinfo.test", sink.delivery("waiting for approval"))
    await asyncio.sleep(0)
    outbox.put("alerts of podinfo.test", sink.delivery("promotion finished"))
    assert sink.received == []
    assert outbox.pending == 1  # the first one is in flight, the second waits behind it
    sink.gate.set()
    await settle(outbox)
    assert sink.received == ["waiting for approval", "promotion finished"]
    assert outbox.pending == 0
    assert not outbox.queues


async def test_one_stream_does_not_wait_for_another() -> None:
    outbox, stuck, free = Outbox(), Sink(), Sink()
    stuck.gate.clear()
    outbox.put("alerts of slow.test", stuck.delivery("never"))
    outbox.put("alerts of fast.test", free.delivery("delivered"))
    for _ in range(5):
        await asyncio.sleep(0)
    assert free.received == ["delivered"]
    assert "alerts of slow.test" in outbox.workers
    await outbox.close(grace=0.01)
    assert not outbox.workers


async def test_a_full_stream_drops_its_oldest_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    outbox, sink = Outbox(limit=2), Sink()
    sink.gate.clear()
    outbox.put("events of podinfo.test", sink.delivery("in flight"))
    await asyncio.sleep(0)
    for item in ("a", "b", "c", "d"):
        outbox.put("events of podinfo.test", sink.delivery(item))
    assert outbox.dropped == 2
    warnings = [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()]
    assert warnings == [
        "events of podinfo.test: 2 deliveries pending, dropped the oldest (the sink is too slow)"
    ]
    sink.gate.set()
    await settle(outbox)
    assert sink.received == ["in flight", "c", "d"]


async def test_a_failing_delivery_does_not_stop_the_ones_behind_it(caplog: pytest.LogCaptureFixture) -> None:
    outbox, sink = Outbox(), Sink()
    for item in ("first", "boom", "last"):
        outbox.put("alerts of podinfo.test", sink.delivery(item))
    await settle(outbox)
    assert sink.received == ["first", "last"]
    assert "a delivery failed" in caplog.text


async def test_close_delivers_what_is_pending_within_the_grace_period() -> None:
    outbox, sink = Outbox(), Sink()
    for item in ("one", "two"):
        outbox.put("alerts of podinfo.test", sink.delivery(item))
    await outbox.close(grace=5)
    assert sink.received == ["one", "two"]


async def test_close_cancels_what_the_grace_period_cannot_deliver(caplog: pytest.LogCaptureFixture) -> None:
    outbox, sink = Outbox(), Sink()
    sink.gate.clear()
    outbox.put("alerts of podinfo.test", sink.delivery("stuck"))
    outbox.put("alerts of podinfo.test", sink.delivery("behind"))
    await asyncio.sleep(0)
    await outbox.close(grace=0.01)
    assert sink.received == []
    assert not outbox.workers
    assert "undelivered" in caplog.text


def test_an_outbox_needs_room() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Outbox(limit=0)


async def test_queued_notifier_hands_alerts_to_the_canary_stream() -> None:
    sent: list[tuple[str, str, Details]] = []
    release = asyncio.Event()

    class Slow:
        async def notify(self, canary: Canary, severity: Severity, message: str, details: Details) -> None:
            await release.wait()
            sent.append((f"{severity} {canary.metadata.name}", message, details))

    outbox = Outbox()
    notifier = QueuedNotifier(Slow(), outbox)
    subject = canary()
    await notifier.notify(subject, "warn", "Canary promotion is waiting for approval.", ())
    await notifier.notify(subject, "info", "Canary analysis completed successfully, promotion finished.", ())
    assert sent == []
    assert list(outbox.queues) == [f"alerts of {subject.metadata.name}.{subject.metadata.namespace}"]
    release.set()
    await outbox.close()
    assert [m for _, m, _ in sent] == [
        "Canary promotion is waiting for approval.",
        "Canary analysis completed successfully, promotion finished.",
    ]
