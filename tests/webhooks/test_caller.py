"""The webhook caller against a real local HTTP(S) server that records every request."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from flagger_py.model.canary import Canary
from flagger_py.operator.transport import http_client
from flagger_py.webhooks.caller import HttpWebhookCaller, checksum
from tests.webhooks.server import Server, Sleeps, canary

CLIENTS: dict[str, Callable[..., httpx.AsyncClient]] = {"httpx": httpx.AsyncClient, "aiohttp": http_client}
make = CLIENTS["httpx"]


@pytest.fixture(autouse=True, params=list(CLIENTS))
def transport(request: pytest.FixtureRequest) -> None:
    """Every test runs with httpx's own transport and with the controller's (aiohttp)."""
    global make  # noqa: PLW0603 - the helper below reads it
    make = CLIENTS[request.param]


async def call(c: Canary, kind: str, sleeps: Sleeps | None = None, insecure: bool = False) -> Any:
    async with make() as client, make(verify=False) as loose:
        caller = HttpWebhookCaller(client, loose if insecure else None, sleep=sleeps or Sleeps())
        return await caller.call(c, kind, "Progressing")  # type: ignore[arg-type]


async def test_payload(serve: Callable[..., Server]) -> None:
    server = serve(lambda _p, _n: (200, "ok"))
    c = canary(
        {
            "name": "gate",
            "type": "confirm-rollout",
            "url": f"{server.url}/gate/check",
            "metadata": {"type": "bash", "cmd": "true"},
        }
    )
    outcome = await call(c, "confirm-rollout")
    assert outcome.passed
    path, body, headers = server.requests[0]
    assert path == "/gate/check"
    assert headers["Content-Type"] == "application/json"
    assert body == {
        "name": "podinfo",
        "namespace": "test",
        "phase": "Progressing",
        "checksum": checksum(c),
        "metadata": {"type": "bash", "cmd": "true"},
    }


async def test_hooks_of_a_kind_run_in_order_until_the_first_failure(serve: Callable[..., Server]) -> None:
    server = serve(lambda path, _n: (500, "boom") if path == "/b" else (200, ""))
    c = canary(
        {"name": "a", "url": f"{server.url}/a"},
        {"name": "b", "url": f"{server.url}/b"},
        {"name": "c", "url": f"{server.url}/c"},
        {"name": "other", "type": "pre-rollout", "url": f"{server.url}/x"},
    )
    outcome = await call(c, "rollout")
    assert not outcome.passed
    assert outcome.message == f"b: POST {server.url}/b: 500 boom"
    assert [r[0] for r in server.requests] == ["/a", "/b"]


@pytest.mark.parametrize(
    ("status", "passed"),
    [(200, True), (202, True), (204, True), (299, True), (400, False), (403, False), (404, False)],
)
async def test_any_2xx_is_success(serve: Callable[..., Server], status: int, passed: bool) -> None:
    server = serve(lambda _p, _n: (status, ""))
    assert (await call(canary({"name": "h", "url": server.url}), "rollout")).passed is passed


async def test_retries_with_exponential_backoff_on_5xx_and_429(serve: Callable[..., Server]) -> None:
    replies = {1: (503, "unavailable"), 2: (429, "slow down"), 3: (500, "oops"), 4: (200, "ok")}
    server = serve(lambda _p, n: replies[n])
    sleeps = Sleeps()
    outcome = await call(canary({"name": "h", "url": server.url, "retries": 3}), "rollout", sleeps)
    assert outcome.passed
    assert len(server.requests) == 4
    assert sleeps.waits == [1.0, 2.0, 4.0]


async def test_gives_up_after_the_retries(serve: Callable[..., Server]) -> None:
    server = serve(lambda _p, _n: (502, "bad gateway"))
    outcome = await call(canary({"name": "h", "url": server.url, "retries": 2}), "rollout")
    assert not outcome.passed
    assert outcome.message == f"h: POST {server.url}: 502 bad gateway (giving up after 3 attempts)"
    assert len(server.requests) == 3


@pytest.mark.parametrize("status", [400, 404, 501])
async def test_client_errors_and_501_are_not_retried(serve: Callable[..., Server], status: int) -> None:
    server = serve(lambda _p, _n: (status, "no"))
    await call(canary({"name": "h", "url": server.url, "retries": 3}), "rollout")
    assert len(server.requests) == 1


async def test_timeout_is_per_attempt(serve: Callable[..., Server]) -> None:
    server = serve(lambda _p, _n: (0, ""))
    outcome = await call(canary({"name": "h", "url": server.url, "timeout": "500ms"}), "rollout")
    assert not outcome.passed
    assert outcome.message == f"h: POST {server.url}: timed out after 0.5s"


async def test_connection_refused_is_retried_then_reported(serve: Callable[..., Server]) -> None:
    server = serve(lambda _p, _n: (200, ""))
    url = server.url
    server.stop()
    sleeps = Sleeps()
    outcome = await call(canary({"name": "h", "url": url, "retries": 1}), "rollout", sleeps)
    assert not outcome.passed
    assert "connection failed" in outcome.message
    assert "giving up after 2 attempts" in outcome.message
    assert sleeps.waits == [1.0]


async def test_mute_alert_travels_with_the_failure(serve: Callable[..., Server]) -> None:
    server = serve(lambda _p, _n: (403, "closed"))
    outcome = await call(
        canary({"name": "g", "type": "confirm-promotion", "url": server.url, "muteAlert": True}),
        "confirm-promotion",
    )
    assert (outcome.passed, outcome.muted) == (False, True)


async def test_rollback_hooks_ask_with_2xx(serve: Callable[..., Server]) -> None:
    answers = {"/no": (403, "closed"), "/yes": (200, "open")}
    server = serve(lambda path, _n: answers[path])
    quiet = canary({"name": "r1", "type": "rollback", "url": f"{server.url}/no"})
    assert not (await call(quiet, "rollback")).passed
    asking = canary(
        {"name": "r1", "type": "rollback", "url": f"{server.url}/no"},
        {"name": "r2", "type": "rollback", "url": f"{server.url}/yes"},
    )
    outcome = await call(asking, "rollback")
    assert outcome.passed
    assert outcome.message == "r2 asked for a rollback"
    assert (await call(canary(), "rollback")).passed is False  # no rollback hooks: nobody asks


async def test_tls_is_verified_unless_disabled(
    serve: Callable[..., Server], certificate: tuple[Path, Path]
) -> None:
    server = serve(lambda _p, _n: (200, "ok"), tls=certificate)
    strict = await call(canary({"name": "h", "url": server.url}), "rollout", insecure=True)
    assert not strict.passed
    assert "TLS certificate not trusted" in strict.message
    assert "disableTLS" in strict.message
    relaxed = await call(
        canary({"name": "h", "url": server.url, "disableTLS": True}), "rollout", insecure=True
    )
    assert relaxed.passed
