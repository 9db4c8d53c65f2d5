"""The controller's httpx clients, sending through aiohttp.

Metric providers, webhooks and notifiers take an injected ``httpx.AsyncClient`` (their tests use
``httpx.MockTransport`` or a local server). In the controller that client sends through this
transport: httpx keeps building requests and reading responses, aiohttp's connection pool does the
I/O, at a fifth of the CPU per request of httpx's own pool (the scale benchmark's profile showed the
metric query as the largest cost of a tick). Behaviour seen by the providers is httpx's: the
per-request timeouts they set, ``httpx.TimeoutException`` / ``httpx.ConnectError`` /
``httpx.TransportError`` on failure, compressed bodies decoded by httpx.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import AsyncIterator, Iterator

import aiohttp
import httpx
from yarl import URL

DEFAULT_TIMEOUT = 30.0


class AiohttpTransport(httpx.AsyncBaseTransport):
    """An httpx transport over one aiohttp session (``verify``: True, False or an SSLContext)."""

    def __init__(self, verify: bool | ssl.SSLContext = True, limit: int = 100) -> None:
        self.verify = verify
        self.limit = limit
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:  # made in the event loop that uses it
            connector = aiohttp.TCPConnector(limit=self.limit, ssl=self.verify)
            # httpx decodes Content-Encoding itself; aiohttp must hand over the raw bytes
            self._session = aiohttp.ClientSession(connector=connector, auto_decompress=False)
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout") or {}
        timeout = aiohttp.ClientTimeout(
            total=None,
            sock_connect=timeouts.get("connect") or DEFAULT_TIMEOUT,
            sock_read=timeouts.get("read") or DEFAULT_TIMEOUT,
        )
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
        body = await request.aread()
        with _translated(request):
            response = await self.session.request(
                request.method,
                # httpx has turned user info into an Authorization header; aiohttp refuses both
                URL(str(request.url), encoded=True).with_user(None),
                headers=headers,
                data=body or None,
                timeout=timeout,
                allow_redirects=False,  # httpx follows redirects itself when asked to
                skip_auto_headers=("User-Agent", "Accept-Encoding", "Content-Type"),
            )
        # The body is handed over as a stream, so that a caller can stop reading (flagger_py.outbound
        # reads a bounded prefix); httpx reads it all for callers that do not stream.
        return httpx.Response(
            response.status,
            headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.raw_headers],
            stream=_Body(response, request),
            request=request,
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


class _Body(httpx.AsyncByteStream):
    """An aiohttp response's body, read chunk by chunk; closing it returns the connection."""

    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self.response = response
        self.request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _translated(self.request):
            async for chunk in self.response.content.iter_chunked(64 * 1024):
                yield chunk

    async def aclose(self) -> None:
        self.response.release()


@contextlib.contextmanager
def _translated(request: httpx.Request) -> Iterator[None]:
    """aiohttp's errors as the httpx errors the providers handle."""
    try:
        yield
    except TimeoutError as exc:
        raise httpx.ReadTimeout(f"timed out: {exc}", request=request) from exc
    except aiohttp.ClientConnectorCertificateError as exc:
        raise httpx.ConnectError(
            f"certificate verify failed: {exc.certificate_error}", request=request
        ) from exc
    except aiohttp.ClientSSLError as exc:
        raise httpx.ConnectError(f"TLS error (certificate): {exc}", request=request) from exc
    except aiohttp.ClientConnectorError as exc:
        raise httpx.ConnectError(f"connection refused or unreachable: {exc}", request=request) from exc
    except aiohttp.InvalidURL as exc:
        raise httpx.InvalidURL(f"invalid URL: {exc}") from exc
    except (aiohttp.ClientError, ValueError) as exc:
        raise httpx.ReadError(f"{type(exc).__name__}: {exc}", request=request) from exc


def http_client(
    verify: bool | ssl.SSLContext = True, timeout: float = DEFAULT_TIMEOUT, base_url: str = ""
) -> httpx.AsyncClient:
    """An httpx client sending through aiohttp."""
    return httpx.AsyncClient(
        transport=AiohttpTransport(verify), timeout=httpx.Timeout(timeout), base_url=base_url
    )
