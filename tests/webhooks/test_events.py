"""The event webhook: payload, canary hooks replacing the global one, failures logged once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from flagger_py.webhooks.caller import HttpWebhookCaller
from flagger_py.webhooks.events import EventWebhooks
from tests.webhooks.server import Server, Sleeps, canary


async def send(sinks: EventWebhooks, c: Any, message: str = "Advance podinfo.test canary weight 10") -> None:
    await sinks.send(c, "Normal", message, 1767225600123)


async def test_payload_of_an_event(serve: Callable[..., Server]) -> None:
    server = serve(lambda _p, _n: (200, ""))
    metadata = {"cluster": "prod", "eventType": "ignored"}
    c = canary({"name": "events", "type": "event", "url": f"{server.url}/events", "metadata": metadata})
    async with httpx.AsyncClient() as client:
        await send(EventWebhooks(HttpWebhookCaller(client, sleep=Sleeps())), c)
    path, body, _ = server.requests[0]
    assert path == "/events"
    assert body["metadata"] == {
        "cluster": "prod",
        "eventMessage": "Advance podinfo.test canary weight 10",
        "eventType": "Normal",
        "timestamp": "1767225600123",
    }
    assert (body["name"], body["namespace"], body["phase"]) == ("podinfo", "test", "Progressing")


async def test_canary_event_hooks_replace_the_global_one(serve: Callable[..., Server]) -> None:
    server = serve(lambda _p, _n: (200, ""))
    async with httpx.AsyncClient() as client:
        sinks = EventWebhooks(HttpWebhookCaller(client, sleep=Sleeps()), global_url=f"{server.url}/global")
        await send(sinks, canary())
        await send(sinks, canary({"name": "own", "type": "event", "url": f"{server.url}/own"}))
    assert [r[0] for r in server.requests] == ["/global", "/own"]


async def test_a_failing_sink_is_logged_once_and_on_recovery(
    serve: Callable[..., Server],
    caplog: pytest.LogCaptureFixture,
) -> None:
    state = {"down": True}
    server = serve(lambda _p, _n: (500, "down") if state["down"] else (200, ""))
    c = canary({"name": "events", "type": "event", "url": server.url})
    caplog.set_level(logging.INFO, logger="flagger_py.webhooks.events")
    async with httpx.AsyncClient() as client:
        sinks = EventWebhooks(HttpWebhookCaller(client, sleep=Sleeps()))
        for _ in range(3):
            await send(sinks, c)
        state["down"] = False
        await send(sinks, c)
        await send(sinks, c)
    messages = [r.getMessage() for r in caplog.records]
    assert len([m for m in messages if "is failing" in m]) == 1
    assert len([m for m in messages if "recovered" in m]) == 1
