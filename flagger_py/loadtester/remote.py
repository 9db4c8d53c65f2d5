"""Calls to the services a load-test task hands its work to (Concord, nGrinder).

One request at a time through :func:`flagger_py.outbound.request`, so that a slow or hostile server
is bounded in time and in memory; its answer is read as a JSON value. Every failure is a
:class:`RemoteError` whose message says what was asked, what came back and what to check, with the
URL and the server's text redacted (:mod:`flagger_py.redact`) and the task's own credentials masked.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from flagger_py import outbound, redact

REQUEST_TIMEOUT = 60.0
"""Seconds one request may take, connection to last byte (Flagger's Concord client has 60 s)."""
ANSWER_LIMIT = outbound.WEBHOOK_LIMIT
"""What an answer may weigh: a process or test status is a few hundred bytes."""
MAX_REDIRECTS = 10
"""Redirects followed, as Go's HTTP client (which Flagger's loadtester uses) follows them."""


class TaskError(ValueError):
    """The metadata cannot make a task: the message names the key and says what it must be."""


class RemoteError(Exception):
    """A call to the remote service failed: the message says why, credentials masked."""


def client() -> httpx.AsyncClient:
    """The client remote tasks send with: the system's trust store (``SSL_CERT_FILE`` and
    ``SSL_CERT_DIR`` honoured) and the proxy variables, as Go's default client reads them."""
    return httpx.AsyncClient(
        verify=ssl.create_default_context(),
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        trust_env=True,
    )


def excerpt(body: bytes, known: Iterable[str] = ()) -> str:
    """The start of a foreign answer, one line, credentials masked."""
    shown = redact.text(body, known=known)
    return shown if shown else "(an empty body)"


async def call(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    timeout: float,
    auth_hint: str,
    known: Iterable[str] = (),
    headers: Mapping[str, str] | None = None,
    content: bytes | None = None,
) -> Any:
    """Send one request; the JSON value of a 2xx answer, or :class:`RemoteError`."""
    secrets = tuple(known)
    where = f"{method} {redact.url(url)}"
    try:
        response = await outbound.request(
            http,
            method,
            url,
            timeout=timeout,
            limit=ANSWER_LIMIT,
            headers=dict(headers or {}),
            content=content,
        )
    except httpx.TimeoutException:
        raise RemoteError(f"{where}: no complete answer within {timeout:g}s") from None
    except httpx.TooManyRedirects:
        raise RemoteError(f"{where}: more than {MAX_REDIRECTS} redirects") from None
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        why = redact.text(str(exc), known=secrets) or type(exc).__name__
        raise RemoteError(f"{where}: cannot reach the server ({why})") from None
    status = response.status_code
    answered = f"{where} answered {status} {response.reason_phrase}".rstrip()
    if status in (401, 403):
        raise RemoteError(f"{answered}: {auth_hint} ({excerpt(response.content, secrets)})")
    if not 200 <= status < 300:
        raise RemoteError(f"{answered}: {excerpt(response.content, secrets)}")
    if outbound.was_cut(response):
        raise RemoteError(f"{answered} with a body over {ANSWER_LIMIT} bytes, which is no status answer")
    try:
        return json.loads(response.content.decode("utf-8", "replace"))
    except (ValueError, RecursionError):
        raise RemoteError(
            f"{answered} with a body that is not JSON: {excerpt(response.content, secrets)}"
        ) from None
