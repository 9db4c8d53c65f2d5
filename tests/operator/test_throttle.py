"""-kubeconfig-qps and -kubeconfig-burst: client-go's token bucket, on every request of the API client."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiohttp import web

from flagger_py.kube import resources as r
from flagger_py.kube.client import connect
from flagger_py.kube.throttle import TokenBucket


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_full_bucket_lets_a_burst_through_then_paces_at_qps() -> None:
    clock = Clock()
    bucket = TokenBucket(10, 3, clock)
    assert [bucket.reserve() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.reserve() == pytest.approx(0.1)
    assert bucket.reserve() == pytest.approx(0.2)  # waiters queue behind each other
    clock.now = 10.0  # idle: refilled, but never above the burst
    assert [bucket.reserve() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.reserve() == pytest.approx(0.1)


def test_client_gos_meaning_of_zero_and_negative() -> None:
    zero = TokenBucket(0, 0, Clock())
    assert (zero.qps, zero.burst, zero.unlimited) == (5.0, 10, False)  # rest.DefaultQPS, DefaultBurst
    free = TokenBucket(-1, 1, Clock())
    assert free.unlimited
    assert [free.reserve() for _ in range(100)] == [0.0] * 100
    with pytest.raises(ValueError, match="burst must be 0 or more"):
        TokenBucket(1, -1)


async def _timed_requests(bucket: TokenBucket, count: int) -> float:
    async def answer(_request: web.Request) -> web.Response:
        return web.json_response({"kind": "NamespaceList", "items": []})

    app = web.Application()
    app.router.add_get("/api/v1/namespaces", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    client = connect(f"http://127.0.0.1:{port}", False, None, trace_configs=(bucket.trace_config(),))
    try:
        started = time.monotonic()
        await asyncio.gather(*(client.list(r.NAMESPACES) for _ in range(count)))
        return time.monotonic() - started
    finally:
        await client.close()
        await runner.cleanup()


def test_the_api_client_waits_for_tokens() -> None:
    bucket = TokenBucket(20, 2)
    elapsed = asyncio.run(_timed_requests(bucket, 6))
    assert elapsed >= 0.2 - 0.01  # 2 at once, then 4 at 20/s: never faster, however loaded the machine
    assert bucket.waited > 0
    unlimited = TokenBucket(-1, 1)
    asyncio.run(_timed_requests(unlimited, 6))
    assert unlimited.waited == 0
