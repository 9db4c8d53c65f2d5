"""Every HTTP call flagger-py makes to an address a user chose (webhooks, event webhooks, metric
providers, notifiers) goes through :func:`request`, which bounds the two things a hostile or broken
server controls:

- **time**: ``timeout`` covers the whole call, connection to last byte, as Go's
  ``http.Client.Timeout`` does in Flagger; httpx's own timeout restarts on every chunk read, so a
  body trickled a byte a second would never time out;
- **memory**: at most ``limit`` bytes of the body are kept; the rest is not read, and
  :func:`was_cut` says so. The request asks for no compression; a gzip or deflate answer sent
  anyway is inflated to ``limit`` bytes at most (a small compressed body can inflate a thousandfold).

Both surface as the transport errors callers already handle: an exhausted deadline raises
``httpx.TimeoutException``, so no caller needs a second ``except``.
"""

from __future__ import annotations

import asyncio
import zlib
from typing import Any
from urllib.parse import urlsplit

import httpx

WEBHOOK_LIMIT = 64 * 1024
"""What a webhook or notifier answer may weigh: enough for any message, never a memory problem."""

METRICS_LIMIT = 1024 * 1024
"""What a metric provider's answer may weigh (a series of points over ten intervals is far less)."""

_CUT = "flagger_py.cut"
_DROPPED = ("content-encoding", "content-length", "transfer-encoding")


class WholeCallTimeout(httpx.TimeoutException):
    """The server did not finish answering within the call's timeout."""


async def request(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    timeout: float,
    limit: int = WEBHOOK_LIMIT,
    **kwargs: Any,
) -> httpx.Response:
    """Send one request; the response with at most ``limit`` bytes of its body read."""
    try:
        async with asyncio.timeout(timeout):
            sent = httpx.Headers(kwargs.pop("headers", None))
            sent.setdefault("accept-encoding", "identity")
            stream = client.stream(method, url, timeout=timeout, headers=sent, **kwargs)
            async with stream as response:
                body, cut = await _read(response, limit)
    except TimeoutError as exc:
        raise WholeCallTimeout(f"no complete answer within {timeout:g}s") from exc
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _DROPPED]
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=body,
        request=response.request,
        extensions={**response.extensions, _CUT: cut},
    )


def address_problem(value: str) -> str:
    """What keeps ``value`` from being an address to send to, or "" when nothing does; the answer
    never repeats the address (it may be a secret)."""
    if value != value.strip():
        return "it has leading or trailing whitespace (a newline from `echo` without -n?): strip it"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return "it contains a control character: remove it"
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        return f"it is not a valid URL ({exc}): check the host and port"
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "an absolute http(s) URL is required"
    try:
        httpx.URL(value)
    except httpx.InvalidURL as exc:
        return f"it is not a valid URL ({_first_line(exc)})"
    return ""


def _first_line(exc: Exception) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:80]


def was_cut(response: httpx.Response) -> bool:
    """Whether :func:`request` stopped reading this response's body at its limit."""
    return bool(response.extensions.get(_CUT))


async def _read(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """At most ``limit`` bytes of the (inflated) body, and whether more followed."""
    encoding = response.headers.get("content-encoding", "").strip().lower()
    inflate = (
        zlib.decompressobj(16 + zlib.MAX_WBITS)
        if encoding in ("gzip", "x-gzip")
        else zlib.decompressobj()
        if encoding == "deflate"
        else None
    )
    chunks: list[bytes] = []
    size = 0
    try:
        already = response.content  # a transport that answers from memory (tests, mocks)
    except httpx.ResponseNotRead:
        pass
    else:
        return already[:limit], len(already) > limit
    async for raw in response.aiter_raw():
        try:
            chunk = inflate.decompress(raw, limit + 1 - size) if inflate else raw
        except zlib.error:
            chunk = raw  # not what it says it is: keep the bytes, the caller's parse will tell
            inflate = None
        chunks.append(chunk)
        size += len(chunk)
        if size > limit or (inflate is not None and inflate.unconsumed_tail):
            return b"".join(chunks)[:limit], True
    return b"".join(chunks), False
