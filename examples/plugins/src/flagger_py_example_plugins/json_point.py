"""Metric provider ``example.com/jsonpoint``: one number read from a JSON HTTP API of yours.

A query is sent as ``GET <address>/query?q=<query>&window=<seconds>`` with ``Authorization: Bearer
<token>`` (the Secret's key ``token``, required); the answer is ``{"value": <number>}``, and a
``null`` or missing ``value`` is no data. ``is_online()`` asks ``GET <address>/health``. Each
request is bounded by a 5 s timeout and is not retried (the next analysis interval asks again).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from flagger_py import spi

TIMEOUT_SECONDS = 5.0
TOKEN = "token"


class JsonPointProvider:
    """Implements ``flagger_py.spi.MetricProvider``; the class is its own ``MetricProviderFactory``."""

    kind = "jsonpoint"

    def __init__(self, client: httpx.AsyncClient, address: str, token: str) -> None:
        self.client = client
        self.address = address
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    @classmethod
    def configured(
        cls, context: spi.MetricContext, spec: spi.MetricProviderSpec, secret: Mapping[str, str]
    ) -> JsonPointProvider:
        """From a MetricTemplate's provider and its Secret; the errors name the field or the key."""
        token = secret.get(TOKEN)
        if not token:
            raise spi.ProviderAuthError(
                f"jsonpoint needs the key {TOKEN!r} in spec.provider.secretRef's Secret"
            )
        return cls(context.client(spec.insecure_skip_verify), checked(spec.address), token)

    async def run_query(self, query: str, window_seconds: float) -> float:
        body = await self.get("/query", {"q": query, "window": f"{window_seconds:g}"})
        value = body.get("value") if isinstance(body, dict) else None
        if value is None:
            raise spi.NoDataError(f"jsonpoint has no value for the query {query!r}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise spi.ProviderUnavailable(f"jsonpoint answered a {type(value).__name__}, not a number")
        return float(value)

    async def is_online(self) -> bool:
        try:
            await self.get("/health", {})
        except spi.ProviderError:
            return False
        return True

    async def get(self, path: str, params: Mapping[str, str]) -> Any:
        """The decoded JSON answer to ``GET <address><path>``; every failure is an error of the tree,
        whose message names the host and the status only (the answer may echo the token)."""
        where = f"jsonpoint at {urlsplit(self.address).netloc}"
        try:
            response = await self.client.get(
                self.address + path, params=params, headers=self.headers, timeout=TIMEOUT_SECONDS
            )
        except httpx.TimeoutException as exc:
            raise spi.ProviderUnavailable(f"{where} did not answer within {TIMEOUT_SECONDS:g}s") from exc
        except httpx.HTTPError as exc:
            raise spi.ProviderUnavailable(f"{where} unreachable: {type(exc).__name__}") from exc
        status = response.status_code
        if status in (401, 403):
            raise spi.ProviderAuthError(f"{where} refused the token ({status}): check the Secret")
        if status == 429 or status >= 500:
            raise spi.ProviderUnavailable(f"{where} answered {status}")
        if not response.is_success:
            raise spi.ProviderConfigError(f"{where} rejected the query ({status})")
        try:
            return response.json()
        except ValueError as exc:
            raise spi.ProviderUnavailable(f"{where} answered {status} with a body that is not JSON") from exc


def checked(address: str | None) -> str:
    """``spec.provider.address`` without a trailing slash, if it is an absolute http(s) URL;
    ProviderConfigError saying what is wrong otherwise (never the address: it may hold a password)."""
    value = address or ""
    if value != value.strip() or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise spi.ProviderConfigError("jsonpoint spec.provider.address has whitespace or a control character")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise spi.ProviderConfigError(
            "jsonpoint spec.provider.address is not a URL with a valid port"
        ) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise spi.ProviderConfigError("jsonpoint spec.provider.address must be an absolute http(s) URL")
    return value.rstrip("/")
