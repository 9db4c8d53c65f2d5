"""KubeClient's time limits: a request is bounded once it has a connection, not while it queues for one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from flagger_py.errors import KubeUnavailable
from flagger_py.kube import client as kube_client
from flagger_py.kube import resources as r
from flagger_py.kube.client import connect
from flagger_py.testing.cluster import free_port


@pytest.fixture
async def api() -> AsyncIterator[str]:
    """An API server stand-in: ConfigMaps answer after 0.2 s; ``hang`` answers too late."""

    async def answer(request: web.Request) -> web.Response:
        if request.match_info["name"] == "hang":
            await asyncio.sleep(3)  # longer than both attempts' read limit
        await asyncio.sleep(0.2)
        return web.json_response({"metadata": {"name": request.match_info["name"]}})

    app = web.Application()
    app.add_routes([web.get("/api/v1/namespaces/{ns}/configmaps/{name}", answer)])
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_requests_queued_for_a_connection_do_not_time_out_in_the_queue(
    api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        kube_client, "TIMEOUT", aiohttp.ClientTimeout(total=None, connect=None, sock_read=0.5)
    )
    client = connect(api, False, None, limit=1)  # one connection: eight requests take 1.6 s in turn
    try:
        found = await asyncio.gather(*(client.get(r.CONFIGMAPS, "ns", f"c{i}") for i in range(8)))
    finally:
        await client.close()
    assert [f["metadata"]["name"] for f in found] == [f"c{i}" for i in range(8)]
    assert client.requests["get"] == 8  # no time-out, so no retry


async def test_a_server_that_stops_answering_is_unavailable_after_the_read_limit(
    api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        kube_client, "TIMEOUT", aiohttp.ClientTimeout(total=None, connect=None, sock_read=0.3)
    )
    monkeypatch.setattr(kube_client, "RETRIES", 1)
    client = connect(api, False, None)
    try:
        with pytest.raises(KubeUnavailable, match="get ConfigMap ns/hang: the API server is unreachable"):
            await client.get(r.CONFIGMAPS, "ns", "hang")
    finally:
        await client.close()
    assert client.requests["get"] == 2  # retried once
