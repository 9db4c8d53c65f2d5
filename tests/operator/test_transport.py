"""The controller's httpx clients send through aiohttp: what providers see must be what httpx's own
transport gives them (requests byte for byte, timeouts, errors, TLS, decoding, redirects)."""

from __future__ import annotations

import asyncio
import gzip
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web

from flagger_py.operator.transport import http_client
from flagger_py.testing.cluster import free_port

Seen = list[tuple[str, str, bytes, dict[str, str]]]


@pytest.fixture
async def server(certificate: tuple[Path, Path]) -> AsyncIterator[tuple[str, str, Seen]]:
    """A local server on HTTP and HTTPS (self-signed); it records raw path, method, body and headers."""
    seen: Seen = []

    async def answer(request: web.Request) -> web.StreamResponse:
        seen.append((request.raw_path, request.method, await request.read(), dict(request.headers)))
        if request.path == "/slow":
            await asyncio.sleep(2)
        if request.path == "/gzip":
            return web.Response(body=gzip.compress(b'{"ok": true}'), headers={"Content-Encoding": "gzip"})
        if request.path == "/moved":
            raise web.HTTPFound("/target")
        if request.path == "/cookies":
            response = web.Response(text="two")
            response.headers.add("Set-Cookie", "a=1")
            response.headers.add("Set-Cookie", "b=2")
            return response
        return web.json_response({"status": "success"}, status=int(request.query.get("status", "200")))

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(certificate[0]), str(certificate[1]))
    plain, secure = free_port(), free_port()
    await web.TCPSite(runner, "127.0.0.1", plain).start()
    await web.TCPSite(runner, "127.0.0.1", secure, ssl_context=context).start()
    yield f"http://127.0.0.1:{plain}", f"https://127.0.0.1:{secure}", seen
    await runner.cleanup()


async def both(send: Any) -> list[Any]:
    """``send(client)`` with httpx's own transport and with ours."""
    out = []
    for client in (httpx.AsyncClient(), http_client()):
        async with client:
            out.append(await send(client))
    return out


async def test_requests_arrive_as_httpx_sends_them(server: tuple[str, str, Seen]) -> None:
    url, _, seen = server
    query = 'sum(rate(istio_requests_total{reporter="destination",response_code!~"5.*"}[1m])) / 2'

    async def send(client: httpx.AsyncClient) -> Any:
        response = await client.post(
            f"{url}/api/v1/query",
            params={"query": query, "time": "1767225600"},
            json={"name": "podinfo"},
            headers={"Authorization": "Bearer t0k3n", "X-Two": "a"},
        )
        return response.status_code, response.json()

    assert await both(send) == [(200, {"status": "success"})] * 2
    (path_a, method_a, body_a, headers_a), (path_b, method_b, body_b, headers_b) = seen
    assert (path_b, method_b, body_b) == (path_a, method_a, body_a)
    for name in ("Authorization", "X-Two", "Content-Type", "Content-Length", "Host", "Accept-Encoding"):
        assert headers_b.get(name) == headers_a.get(name), name


async def test_status_codes_compressed_bodies_and_repeated_headers(server: tuple[str, str, Seen]) -> None:
    url, _, _ = server
    async with http_client() as client:
        assert (await client.get(f"{url}/x", params={"status": "503"})).status_code == 503
        assert (await client.get(f"{url}/gzip")).json() == {"ok": True}
        assert (await client.get(f"{url}/cookies")).headers.get_list("set-cookie") == ["a=1", "b=2"]
        assert (await client.get(f"{url}/moved")).status_code == 302
        followed = await client.get(f"{url}/moved", follow_redirects=True)
        assert followed.status_code == 200
        assert followed.url.path == "/target"


async def test_the_per_request_timeout_is_honoured(server: tuple[str, str, Seen]) -> None:
    url, _, _ = server
    async with http_client() as client:
        with pytest.raises(httpx.TimeoutException):
            await client.get(f"{url}/slow", timeout=0.2)


async def test_connection_errors_are_httpx_connect_errors() -> None:
    async with http_client() as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"http://127.0.0.1:{free_port()}/")


async def test_tls_is_verified_unless_disabled(server: tuple[str, str, Seen]) -> None:
    _, secure, _ = server
    async with http_client() as strict:
        with pytest.raises(httpx.ConnectError, match="certificate"):
            await strict.get(f"{secure}/x")
    async with http_client(verify=False) as loose:
        assert (await loose.get(f"{secure}/x")).status_code == 200


async def test_base_url(server: tuple[str, str, Seen]) -> None:
    url, _, seen = server
    async with http_client(base_url=url) as client:
        assert (await client.get("/apis/external.metrics.k8s.io/v1beta1")).status_code == 200
    assert seen[-1][0] == "/apis/external.metrics.k8s.io/v1beta1"
