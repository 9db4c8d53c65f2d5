"""What every chat provider shares: URL validation and a POST that maps failures to the errors tree."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from flagger_py import outbound, redact
from flagger_py.errors import ProviderAuthError, ProviderConfigError, ProviderUnavailable

TIMEOUT_SECONDS = 5.0


def checked_url(kind: str, address: str) -> str:
    """The address, if it is an absolute http(s) URL that httpx can send to; ProviderConfigError
    naming the provider and what is wrong otherwise (never the address itself: it is a secret)."""
    value = address or ""
    problem = outbound.address_problem(value)
    if problem:
        raise ProviderConfigError(f"invalid {kind} address {_redacted(value)}: {problem}")
    return value


def required(kind: str, field: str, value: str | None) -> str:
    if not value:
        raise ProviderConfigError(f"empty {kind} {field}")
    return value


async def post(
    client: httpx.AsyncClient,
    kind: str,
    url: str,
    body: Mapping[str, Any],
    headers: Mapping[str, str] | None = None,
) -> None:
    """POST JSON; any 2xx is success."""
    where = _redacted(url)
    try:
        response = await outbound.request(
            client, "POST", url, json=body, headers=dict(headers or {}), timeout=TIMEOUT_SECONDS
        )
    except httpx.TimeoutException as exc:
        raise ProviderUnavailable(f"{kind} {where}: timed out after {TIMEOUT_SECONDS:g}s") from exc
    except httpx.TransportError as exc:
        raise ProviderUnavailable(f"{kind} {where}: {type(exc).__name__}") from exc
    except httpx.InvalidURL as exc:
        reason = redact.text(str(exc), limit=80)
        raise ProviderConfigError(f"{kind} {where}: invalid address ({reason})") from exc
    if response.is_success:
        return
    text = redact.text(response.text)
    message = f"{kind} {where}: {response.status_code} {text}".rstrip()
    if response.status_code in (401, 403):
        raise ProviderAuthError(message)
    if response.status_code == 429 or response.status_code >= 500:
        raise ProviderUnavailable(message)
    raise ProviderConfigError(message)


def _redacted(url: str) -> str:
    """Scheme and host only: webhook URLs carry their secret in the path (Slack, Teams, Discord)."""
    return redact.url(url, secret=True)
