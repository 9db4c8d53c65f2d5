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

    def __init__(self, delay: float, block: float = 0.0) -> None:
        self.delay, self.block = delay, block
        self.ticks: list[str] = []

    async def tick(self, body: Mapping[str, Any], claimed_by: str | None = None) -> float:
        self.ticks.append(body["metadata"]["name"] + (f" (claimed by {claimed_by})" if claimed_by else ""))
        if self.block:
            time.sleep(self.block)  # a blocking call: the other canaries' ticks start late
        return self.delay

    def interval(self, body: Mapping[str, Any]) -> float:
        return float(body.get("interval", self.delay))

    def forget(self, body: Mapping[str, Any]) -> None:
        pass


def canary(name: str, generation: int = 1) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": "test", "generation": generation}}


async def test_ticks_on_time_report_small_lateness() -> None:
    late: list[float] = []
    fake = Ticking(0.05)
    scheduler = Scheduler(cast(Reconciler, fake), None, late.append)
    scheduler.seen(None, canary("a"))
    await asyncio.sleep(0.3)
    await scheduler.stop()
    assert fake.ticks.count("a") >= 4
    assert late
    assert all(0 <= seconds < 0.05 for seconds in late)


async def test_a_blocked_loop_shows_as_lateness_of_the_other_canaries() -> None:
    late: list[float] = []
    fake = Ticking(0.05, block=0.2)
    scheduler = Scheduler(cast(Reconciler, fake), None, late.append)
    scheduler.seen(None, canary("a"))
    scheduler.seen(None, canary("b"))
    await asyncio.sleep(0.6)
    await scheduler.stop()
    assert max(late) >= 0.1


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
