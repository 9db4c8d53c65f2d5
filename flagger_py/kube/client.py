"""KubeClient: async REST calls to the API server on one aiohttp session.

aiohttp rather than httpx here: the controller's cost per tick is almost all HTTP client work, and
aiohttp spends a fifth to a tenth of httpx's CPU per request (bench/scale measured it; metric and
alert providers keep the injected httpx client the rest of the code base uses).

Every call is counted by verb (``requests``), so benchmarks and ``/metrics`` can show how many
requests a tick costs. Transport errors and API errors become ``KubeError`` subclasses; 429, 5xx and
connection errors are retried a few times with back-off before they do.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any, Literal

import aiohttp

from flagger_py.errors import (
    KubeConflict,
    KubeError,
    KubeForbidden,
    KubeInvalid,
    KubeNotFound,
    KubeUnavailable,
)
from flagger_py.kube.resources import Resource

FIELD_MANAGER = "flagger-py"
RETRIES = 3
PatchType = Literal["merge", "json", "strategic"]
_CONTENT_TYPES = {
    "merge": "application/merge-patch+json",
    "json": "application/json-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "apply": "application/apply-patch+yaml",
}
Authorization = Callable[[], Awaitable[str | None]]
# Bounds a request once it has a connection (30 s without a byte from the server), not the wait for
# one: a thousand canaries ticking at once queue for the pool's connections in order instead of
# timing out in the queue and retrying into it.
TIMEOUT = aiohttp.ClientTimeout(total=None, connect=None, sock_connect=10, sock_read=30)


class KubeClient:
    """The API calls flagger-py makes. Objects are plain dicts, as the API server sends them."""

    def __init__(
        self, session: aiohttp.ClientSession, server: str, authorization: Authorization | None = None
    ) -> None:
        self.session = session
        self.server = server.rstrip("/")
        self.authorization = authorization
        self.requests: Counter[str] = Counter()

    async def close(self) -> None:
        await self.session.close()

    async def get(self, res: Resource, namespace: str | None, name: str, sub: str | None = None) -> Any:
        return await self._call("get", res, namespace, name, "GET", res.path(namespace, name, sub))

    async def get_or_none(self, res: Resource, namespace: str | None, name: str) -> Any:
        try:
            return await self.get(res, namespace, name)
        except KubeNotFound:
            return None

    async def list(self, res: Resource, namespace: str | None = None, **params: str) -> Any:
        return await self._call("list", res, namespace, None, "GET", res.path(namespace), params=params)

    async def create(self, res: Resource, namespace: str | None, obj: Mapping[str, Any]) -> Any:
        name = (obj.get("metadata") or {}).get("name")
        return await self._call("create", res, namespace, name, "POST", res.path(namespace), body=obj)

    async def replace(
        self, res: Resource, namespace: str | None, obj: Mapping[str, Any], sub: str | None = None
    ) -> Any:
        name = obj["metadata"]["name"]
        path = res.path(namespace, name, sub)
        return await self._call("update", res, namespace, name, "PUT", path, body=obj)

    async def patch(
        self,
        res: Resource,
        namespace: str | None,
        name: str,
        body: Any,
        kind: PatchType = "merge",
        sub: str | None = None,
    ) -> Any:
        path = res.path(namespace, name, sub)
        params = {"fieldManager": FIELD_MANAGER}
        return await self._call(
            "patch", res, namespace, name, "PATCH", path, body=body, params=params, content=kind
        )

    async def apply(
        self, res: Resource, obj: Mapping[str, Any], *, force: bool = False, sub: str | None = None
    ) -> Any:
        """Server-side apply of ``obj`` as field manager ``flagger-py``."""
        meta = obj["metadata"]
        namespace, name = meta.get("namespace"), meta["name"]
        params = {"fieldManager": FIELD_MANAGER, "fieldValidation": "Strict"}
        if force:
            params["force"] = "true"
        path = res.path(namespace, name, sub)
        body = {"apiVersion": res.api_version, "kind": res.kind, **obj}
        return await self._call(
            "apply", res, namespace, name, "PATCH", path, body=body, params=params, content="apply"
        )

    async def delete(self, res: Resource, namespace: str | None, name: str) -> None:
        try:
            await self._call("delete", res, namespace, name, "DELETE", res.path(namespace, name))
        except KubeNotFound:
            return

    async def watch(
        self, res: Resource, namespace: str | None, resource_version: str, timeout: int = 300
    ) -> AsyncIterator[dict[str, Any]]:
        """The watch events after ``resource_version`` (with bookmarks), until the server ends it."""
        params = {
            "watch": "1",
            "resourceVersion": resource_version,
            "allowWatchBookmarks": "true",
            "timeoutSeconds": str(timeout),
        }
        self.requests["watch"] += 1
        headers = await self._headers()
        limits = aiohttp.ClientTimeout(total=None, sock_connect=30, sock_read=timeout + 30)
        try:
            async with self.session.get(
                self.server + res.path(namespace), params=params, headers=headers, timeout=limits
            ) as response:
                if response.status >= 400:
                    raise _error(response.status, await response.read(), res, namespace, None)
                pending = b""
                async for chunk in response.content.iter_any():
                    pending += chunk
                    *lines, pending = pending.split(b"\n")
                    for line in lines:
                        if line.strip():
                            yield json.loads(line)
                if pending.strip():
                    yield json.loads(pending)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise KubeUnavailable(f"watch of {res.describe(namespace, None)} failed: {exc!r}") from exc

    async def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.authorization is not None:
            value = await self.authorization()
            if value:
                headers["Authorization"] = value
        return headers

    async def _call(
        self,
        verb: str,
        res: Resource,
        namespace: str | None,
        name: str | None,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: Mapping[str, str] | None = None,
        content: str | None = None,
    ) -> Any:
        headers = await self._headers()
        data = None
        if body is not None:
            headers["Content-Type"] = _CONTENT_TYPES.get(content or "", "application/json")
            data = json.dumps(body).encode()
        url = self.server + path
        for attempt in range(RETRIES + 1):
            self.requests[verb] += 1
            try:
                async with self.session.request(
                    method, url, params=params, headers=headers, data=data, timeout=TIMEOUT
                ) as response:
                    status, payload = response.status, await response.read()
            except (aiohttp.ClientError, TimeoutError) as exc:
                error: KubeError = KubeUnavailable(
                    f"{verb} {res.describe(namespace, name)}: the API server is unreachable: {exc!r}"
                )
                cause: Exception | None = exc
            else:
                if status < 400:
                    return json.loads(payload) if payload else None
                error, cause = _error(status, payload, res, namespace, name, verb), None
            if not isinstance(error, KubeUnavailable) or attempt == RETRIES:
                raise error from cause
            await asyncio.sleep(0.2 * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover


def _error(
    code: int, payload: bytes, res: Resource, namespace: str | None, name: str | None, verb: str = "watch"
) -> KubeError:
    text = payload.decode(errors="replace")
    try:
        found = json.loads(payload)
        message = (found.get("message") if isinstance(found, dict) else None) or text
    except ValueError:
        message = text
    text = f"{verb} {res.describe(namespace, name)}: {message}"
    if code == 404:
        return KubeNotFound(text)
    if code == 409:
        return KubeConflict(text)
    if code in (401, 403):
        return KubeForbidden(text)
    if code in (400, 422):
        return KubeInvalid(text)
    return KubeUnavailable(text)


def connect(
    server: str,
    verify: ssl.SSLContext | bool,
    authorization: Authorization | None,
    limit: int = 100,
    trace_configs: Sequence[aiohttp.TraceConfig] = (),
) -> KubeClient:
    """A client for ``server`` (``verify``: an SSLContext, or False to skip verification;
    ``trace_configs``: aiohttp hooks on every request, such as ``throttle.TokenBucket``'s). Call it
    inside the event loop that will use it."""
    connector = aiohttp.TCPConnector(limit=limit, ssl=verify)
    session = aiohttp.ClientSession(
        connector=connector, json_serialize=json.dumps, trace_configs=list(trace_configs) or None
    )
    return KubeClient(session, server, authorization)
