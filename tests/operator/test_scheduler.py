"""The scheduler ticks each Canary at its interval and reports how late each scheduled tick starts."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any, cast

from flagger_py.operator.reconciler import Reconciler
from flagger_py.operator.scheduler import Scheduler


class Ticking:
    """Stands in for the Reconciler: records ticks, asks for the next one after ``delay`` seconds."""

    def __init__(self, delay: float, block: float = 0.0, busy: float = 0.0) -> None:
        self.delay, self.block, self.busy = delay, block, busy
        self.ticks: list[str] = []
        self.started: list[float] = []

    async def tick(self, body: Mapping[str, Any], claimed_by: str | None = None) -> float:
        self.ticks.append(body["metadata"]["name"] + (f" (claimed by {claimed_by})" if claimed_by else ""))
        self.started.append(asyncio.get_running_loop().time())
        if self.block:
            time.sleep(self.block)  # a blocking call: the other canaries' ticks start late
        if self.busy:
            await asyncio.sleep(self.busy)  # waiting on the API server, a webhook, a metric query
        return self.delay

    def interval(self, body: Mapping[str, Any]) -> float:
        return float(body.get("interval", self.delay))

    def forget(self, body: Mapping[str, Any]) -> None:
        pass

    async def deleted(self, body: Mapping[str, Any], primary_replicas: int | None) -> None:
        pass


def canary(name: str, generation: int = 1) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": "test", "generation": generation}}


async def scheduled(fake: Ticking, seconds: float, *names: str) -> list[float]:
    """Schedule the Canaries ``names`` on ``fake`` for ``seconds``; how late each tick started."""
    late: list[float] = []
    scheduler = Scheduler(cast(Reconciler, fake), None, late.append)
    for name in names:
        scheduler.seen(None, canary(name))
    await asyncio.sleep(seconds)
    await scheduler.stop()
    return late


async def test_ticks_on_time_report_small_lateness() -> None:
    fake = Ticking(0.05)
    late = await scheduled(fake, 0.3, "a")
    assert fake.ticks.count("a") >= 4
    assert late
    assert all(0 <= seconds < 0.05 for seconds in late)


async def test_a_blocked_loop_shows_as_lateness_of_the_other_canaries() -> None:
    late = await scheduled(Ticking(0.05, block=0.2), 0.6, "a", "b")
    assert max(late) >= 0.1


async def test_ticks_keep_a_fixed_rate_however_long_each_one_takes() -> None:
    fake = Ticking(0.2, busy=0.15)
    await scheduled(fake, 1.1, "a")
    gaps = [b - a for a, b in zip(fake.started, fake.started[1:], strict=False)]
    assert len(gaps) >= 4
    assert sum(gaps) / len(gaps) < 0.27  # 0.2 apart, not 0.35 (the interval after each tick's end)


async def test_a_tick_longer_than_the_interval_is_followed_at_once() -> None:
    fake = Ticking(0.1, busy=0.25)
    late = await scheduled(fake, 0.6, "a")
    gaps = [b - a for a, b in zip(fake.started, fake.started[1:], strict=False)]
    assert gaps
    assert all(gap < 0.32 for gap in gaps)  # 0.25, the tick's own length: no extra interval after it
    assert all(seconds < 0.05 for seconds in late)  # an overrun is not lateness: the next one was due now


async def test_a_wake_up_is_not_counted_as_lateness() -> None:
    late: list[float] = []
    fake = Ticking(10.0)
    scheduler = Scheduler(cast(Reconciler, fake), None, late.append)
    scheduler.seen(None, canary("a"))
    await asyncio.sleep(0.05)
    scheduler.seen("MODIFIED", canary("a", generation=2))  # a spec edit wakes the canary early
    await asyncio.sleep(0.05)
    await scheduler.stop()
    assert fake.ticks == ["a", "a"]
    assert late == []


async def test_managed_fields_are_not_kept() -> None:
    fake = Ticking(10.0)
    scheduler = Scheduler(cast(Reconciler, fake), None)
    body = canary("a")
    body["metadata"]["managedFields"] = [{"manager": "kubectl", "fieldsV1": {"f:spec": {}}}]
    scheduler.seen(None, body)
    scheduler.written({**body, "status": {"phase": "Progressing"}})
    await scheduler.stop()
    kept = scheduler.bodies[("test", "a")]
    assert "managedFields" not in kept["metadata"]
    assert kept["status"] == {"phase": "Progressing"}


def aimed(name: str, target: str, created: str, namespace: str = "test") -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": namespace, "generation": 1, "creationTimestamp": created},
        "spec": {"targetRef": {"kind": "Deployment", "name": target}},
    }


async def test_the_older_canary_keeps_a_shared_target_as_canaries_come_change_and_go() -> None:
    scheduler = Scheduler(cast(Reconciler, Ticking(10.0)), None)
    scheduler.seen(None, aimed("old", "podinfo", "2026-01-01T00:00:00Z"))
    scheduler.seen(None, aimed("new", "podinfo", "2026-01-02T00:00:00Z"))
    scheduler.seen(None, aimed("elsewhere", "podinfo", "2025-01-01T00:00:00Z", namespace="other"))
    scheduler.seen(None, aimed("alone", "backend", "2025-01-01T00:00:00Z"))
    assert scheduler.claimed_by(("test", "new")) == "old"
    assert scheduler.claimed_by(("test", "old")) is None
    assert scheduler.claimed_by(("other", "elsewhere")) is None  # another namespace's podinfo
    assert scheduler.claimed_by(("test", "alone")) is None

    scheduler.seen("MODIFIED", aimed("old", "frontend", "2026-01-01T00:00:00Z"))  # retargeted
    assert scheduler.claimed_by(("test", "new")) is None
    scheduler.seen("MODIFIED", aimed("old", "podinfo", "2026-01-01T00:00:00Z"))
    scheduler.written({**aimed("old", "podinfo", "2026-01-01T00:00:00Z"), "status": {"phase": "Progressing"}})
    assert scheduler.claimed_by(("test", "new")) == "old"

    scheduler.seen("DELETED", aimed("old", "podinfo", "2026-01-01T00:00:00Z"))
    assert scheduler.claimed_by(("test", "new")) is None
    assert scheduler.claims == {
        ("test", "Deployment", "podinfo"): {("test", "new")},
        ("other", "Deployment", "podinfo"): {("other", "elsewhere")},
        ("test", "Deployment", "backend"): {("test", "alone")},
    }
    await scheduler.stop()
    await asyncio.gather(*scheduler.background, return_exceptions=True)


class Releasing(Ticking):
    """Records when a tick ends and when a deleted Canary's target is released."""

    def __init__(self, busy: float) -> None:
        super().__init__(10.0, busy=busy)
        self.log: list[str] = []

    async def tick(self, body: Mapping[str, Any], claimed_by: str | None = None) -> float:
        delay = await super().tick(body, claimed_by)
        self.log.append("tick ended")
        return delay

    async def deleted(self, _body: Mapping[str, Any], _primary_replicas: int | None) -> None:
        self.log.append("released")


async def test_a_deleted_canarys_target_is_released_after_its_last_tick() -> None:
    """A tick in progress (say, scaling the target to zero) must not undo the release after it."""
    fake = Releasing(busy=0.2)
    scheduler = Scheduler(cast(Reconciler, fake), None)
    scheduler.seen(None, canary("a"))
    await asyncio.sleep(0.05)  # the first tick is under way
    scheduler.seen("DELETED", canary("a"))
    await asyncio.sleep(0.4)
    await scheduler.stop()
    assert fake.log == ["tick ended", "released"]
    assert ("test", "a") not in scheduler.tasks
