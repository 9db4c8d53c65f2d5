"""What every chat provider shares: URL validation and a POST that maps failures to the errors tree."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from flagger_py.errors import ProviderAuthError, ProviderConfigError, ProviderUnavailable

TIMEOUT_SECONDS = 5.0


def checked_url(kind: str, address: str) -> str:
    """The address, if it is an absolute http(s) URL; ProviderConfigError naming the provider otherwise."""
    parts = urlsplit(address or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ProviderConfigError(
            f"invalid {kind} address {_redacted(address)!r}: an absolute http(s) URL is required"
        )
    return address


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
        response = await client.post(url, json=body, headers=dict(headers or {}), timeout=TIMEOUT_SECONDS)
    except httpx.TimeoutException as exc:
        raise ProviderUnavailable(f"{kind} {where}: timed out after {TIMEOUT_SECONDS:g}s") from exc
    except httpx.TransportError as exc:
        raise ProviderUnavailable(f"{kind} {where}: {type(exc).__name__}") from exc
    if response.is_success:
        return
    text = response.text.strip()[:200]
    message = f"{kind} {where}: {response.status_code} {text}".rstrip()
    if response.status_code in (401, 403):
        raise ProviderAuthError(message)
    if response.status_code == 429 or response.status_code >= 500:
        raise ProviderUnavailable(message)
    raise ProviderConfigError(message)


def _redacted(url: str) -> str:
    """Scheme and host only: webhook URLs carry their secret in the path (Slack, Teams, Discord)."""
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}/..." if parts.netloc else "(none)"
