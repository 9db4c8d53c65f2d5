"""Client-side rate limit of API requests: a token bucket, as client-go's (``-kubeconfig-qps``,
``-kubeconfig-burst``).

The bucket starts full (``burst`` tokens) and refills at ``qps`` tokens a second; a request takes a
token, or waits its turn for the next one (waiters are served in order, the wait is an asyncio
sleep). client-go's defaults for zero apply: QPS 0 means 5, burst 0 means 10; a negative QPS means no
limit.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import aiohttp

DEFAULT_QPS = 5.0  # client-go's rest.DefaultQPS
DEFAULT_BURST = 10  # client-go's rest.DefaultBurst


class TokenBucket:
    def __init__(self, qps: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        if burst < 0:
            raise ValueError(f"burst must be 0 or more (got {burst})")
        self.qps = DEFAULT_QPS if qps == 0 else float(qps)
        self.burst = DEFAULT_BURST if burst == 0 else burst
        self.clock = clock
        self.tokens = float(self.burst)
        self.updated = clock()
        self.waited = 0.0  # seconds requests spent waiting for a token, in all

    @property
    def unlimited(self) -> bool:
        return self.qps < 0

    def reserve(self) -> float:
        """Take a token; the seconds to wait before using it (0 when one was there)."""
        if self.unlimited:
            return 0.0
        now = self.clock()
        self.tokens = min(float(self.burst), self.tokens + (now - self.updated) * self.qps)
        self.updated = now
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.qps

    async def take(self) -> None:
        delay = self.reserve()
        if delay > 0:
            self.waited += delay
            await asyncio.sleep(delay)

    def trace_config(self) -> aiohttp.TraceConfig:
        """An aiohttp hook that makes every request of a session take a token before it is sent."""
        config = aiohttp.TraceConfig()

        async def on_start(_session: aiohttp.ClientSession, _context: SimpleNamespace, _params: Any) -> None:
            await self.take()

        config.on_request_start.append(on_start)
        return config
