"""Prometheus: instant queries over the HTTP API (``GET /api/v1/query``), with bearer-token or
basic auth and extra headers. Implements ``ports.MetricProvider``."""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from flagger_py.errors import NoDataError, ProviderAuthError, ProviderConfigError, ProviderUnavailable
from flagger_py.model.metric_template import MetricProviderSpec

TIMEOUT_SECONDS = 5.0
ATTEMPTS = 3


class PrometheusProvider:
    """Runs PromQL against one Prometheus; the address and credentials are checked at construction."""

    kind = "prometheus"

    def __init__(
        self,
        client: httpx.AsyncClient,
        address: str,
        *,
        headers: Mapping[str, Sequence[str]] | None = None,
        token: str | None = None,
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        parts = urlsplit(address or "")
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ProviderConfigError(f"prometheus address must be an absolute http(s) URL (got {address!r})")
        if (username is None) != (password is None):
            raise ProviderConfigError("prometheus basic auth needs both username and password in the secret")
        self.client = client
        self.url = address.rstrip("/") + "/api/v1/query"
        self.headers = [(k, v) for k, values in (headers or {}).items() for v in values]
        if token:
            self.headers.append(("Authorization", f"Bearer {token}"))
        elif username is not None and password is not None:
            pair = base64.b64encode(f"{username}:{password}".encode()).decode()
            self.headers.append(("Authorization", f"Basic {pair}"))

    @classmethod
    def configured(
        cls, client: httpx.AsyncClient, spec: MetricProviderSpec, secret: Mapping[str, str]
    ) -> PrometheusProvider:
        """From a MetricTemplate's provider and its Secret (keys ``token``, or ``username`` and
        ``password``, as Flagger reads them)."""
        return cls(
            client,
            spec.address or "",
            headers=spec.headers,
            token=secret.get("token"),
            username=secret.get("username"),
            password=secret.get("password"),
        )

    async def run_query(self, query: str, window_seconds: float = 0.0) -> float:  # noqa: ARG002 - PromQL carries its window
        """The value of an instant query: the last sample of a vector, or a scalar.

        NoDataError for an empty vector or NaN; ProviderConfigError for a bad query or a range
        vector; ProviderAuthError for 401/403; ProviderUnavailable when Prometheus cannot be reached
        (retried twice with back-off first)."""
        promql = " ".join(query.split())
        retrying = AsyncRetrying(
            stop=stop_after_attempt(ATTEMPTS),
            wait=wait_exponential(multiplier=0.2, max=2),
            retry=retry_if_exception_type(ProviderUnavailable),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                data = await self._get(promql)
        return _value(data, promql)

    async def is_online(self) -> bool:
        try:
            return await self.run_query("vector(1)") == 1.0
        except (ProviderUnavailable, ProviderAuthError, ProviderConfigError, NoDataError):
            return False

    async def _get(self, promql: str) -> Any:
        try:
            response = await self.client.get(
                self.url, params={"query": promql}, headers=self.headers, timeout=TIMEOUT_SECONDS
            )
        except httpx.TimeoutException as exc:
            raise ProviderUnavailable(f"prometheus did not answer within {TIMEOUT_SECONDS:g}s") from exc
        except httpx.TransportError as exc:
            raise ProviderUnavailable(f"prometheus unreachable: {type(exc).__name__}") from exc
        if response.status_code in (401, 403):
            raise ProviderAuthError(f"prometheus refused the credentials ({response.status_code})")
        if response.status_code == 429 or response.status_code >= 500:
            raise ProviderUnavailable(f"prometheus answered {response.status_code}")
        try:
            body = response.json()
        except ValueError as exc:
            raise ProviderUnavailable(
                f"prometheus answered {response.status_code} with a body that is not JSON"
            ) from exc
        if body.get("status") != "success":
            raise ProviderConfigError(f"prometheus rejected the query: {body.get('error', 'unknown error')}")
        return body.get("data") or {}


def _value(data: Mapping[str, Any], promql: str) -> float:
    kind, result = data.get("resultType"), data.get("result")
    if kind == "scalar":
        value = float(result[1])  # type: ignore[index]
    elif kind == "vector":
        if not result:
            raise NoDataError(f"no values found for query {promql}")
        value = float(result[-1]["value"][1])  # Flagger takes the last sample
    else:
        raise ProviderConfigError(f"the query returned a {kind}, not an instant vector: {promql}")
    if math.isnan(value):
        raise NoDataError(f"the query returned NaN: {promql}")
    return value
