"""One HTTP exchange with an outside service, and what its failure means: the part of the plugin
plumbing that metric providers (:mod:`~flagger_py.spi.querying`) and notifiers
(:mod:`~flagger_py.spi.posting`) share.

- :func:`send` makes one request within a timeout and turns every transport failure into the errors
  tree (timeout, connection and protocol errors: ProviderUnavailable; an invalid address, and an
  untrusted certificate where the service has a setting for it: ProviderConfigError); it returns
  the response whatever its status;
- :func:`answer_error` is what a failed answer means: 401 and 403 ProviderAuthError; 429, 5xx and
  answers the caller calls transient ProviderUnavailable; any other status ProviderConfigError;
- :func:`sent_secrets` lists what an answer must not repeat back (the credentials sent, and the
  address where it is itself a secret), for the masking of every message.

Messages name the service (``service``), where it was called (``where``, already redacted by the
caller) and the status; never a credential.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from flagger_py import outbound, redact
from flagger_py.errors import ProviderAuthError, ProviderConfigError, ProviderError, ProviderUnavailable

_CONTENT_TYPES = frozenset({"accept", "content-type"})


async def send(
    client: httpx.AsyncClient,
    service: str,
    where: str,
    method: str,
    url: str,
    *,
    timeout: float,
    tls_hint: str | None = None,
    **request: Any,
) -> httpx.Response:
    """Send one request within ``timeout`` seconds (the whole call); the response, whatever its
    status. ``request`` goes to ``outbound.request``. ``tls_hint`` (the setting that turns
    verification off) makes an untrusted certificate a ProviderConfigError that names it; without
    one it is a connection failure like any other."""
    try:
        return await outbound.request(client, method, url, timeout=timeout, **request)
    except httpx.TimeoutException as exc:
        raise ProviderUnavailable(f"{service} at {where} did not answer within {timeout:g}s") from exc
    except httpx.ConnectError as exc:
        if tls_hint is not None and "CERTIFICATE_VERIFY_FAILED" in str(exc):
            raise ProviderConfigError(
                f"{service} at {where}: TLS certificate not trusted ({tls_hint})"
            ) from exc
        raise ProviderUnavailable(f"{service} at {where} unreachable: ConnectError") from exc
    except httpx.TransportError as exc:
        raise ProviderUnavailable(f"{service} at {where} unreachable: {type(exc).__name__}") from exc
    except httpx.InvalidURL as exc:
        reason = redact.text(str(exc), limit=80)
        raise ProviderConfigError(f"{service} address {where} is not a valid URL: {reason}") from exc


def answer_error(
    service: str,
    where: str,
    response: httpx.Response,
    sent: Iterable[str],
    *,
    transient: bool = False,
    what: str = "request",
    auth_hint: str = "",
) -> ProviderError:
    """The error a failed answer is, its message naming the status and the service's own error text
    (``error``, ``message`` or ``errors`` of a JSON body, else the body), cut and masked (``sent``).
    ``what`` names what a 4xx rejected (``query``), ``auth_hint`` is said after a 401/403 (where the
    credentials are set)."""
    status, detail = response.status_code, _detail(response, list(sent))
    if status in (401, 403):
        return ProviderAuthError(f"{service} at {where} answered {status}: {detail}".rstrip(": ") + auth_hint)
    if status == 429 or status >= 500 or transient:
        return ProviderUnavailable(f"{service} at {where} answered {status}: {detail}".rstrip(": "))
    return ProviderConfigError(f"{service} at {where} rejected the {what} ({status}): {detail}".rstrip(": "))


def sent_secrets(
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None, *, secret_url: str | None = None
) -> list[str]:
    """What an answer must not repeat: the values of the headers sent (but the content types) and
    their last word (the token of ``Bearer <token>``), and ``secret_url`` with its path and query
    values (a webhook address carries its secret there: Slack's path, Google Chat's key and token)."""
    pairs = headers.items() if isinstance(headers, Mapping) else (headers or ())
    values = [value for name, value in pairs if value.strip() and name.lower() not in _CONTENT_TYPES]
    parts = urlsplit(secret_url) if secret_url else None
    query = [value for _, value in parse_qsl(parts.query) if value] if parts else []
    address = [secret_url, parts.path, *query] if secret_url and parts else []
    return [*address, *values, *(value.split()[-1] for value in values)]


def _detail(response: httpx.Response, known: list[str]) -> str:
    try:
        body = response.json()
    except ValueError:
        return redact.text(response.text, known=known)
    if isinstance(body, dict):
        for key in ("error", "message", "errors"):
            if body.get(key):
                value = body[key]
                return redact.text(value if isinstance(value, str) else json.dumps(value), known=known)
    return redact.text(response.text, known=known)
