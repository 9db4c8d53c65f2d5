"""Prometheus: instant queries over the HTTP API (``GET /api/v1/query``, 5 s timeout), with bearer-token
or basic auth and extra headers."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from flagger_py.spi import (
    MetricProviderSpec,
    NoDataError,
    ProviderAuthError,
    ProviderConfigError,
    ProviderUnavailable,
)
from flagger_py.spi.querying import HTTPMetricProvider, Secret, header_pairs


class PrometheusProvider(HTTPMetricProvider):
    """Runs PromQL against one Prometheus; the address and credentials are checked at construction."""

    kind = "prometheus"

    def __init__(
        self,
        client: httpx.AsyncClient,
        address: str | None,
        *,
        headers: Mapping[str, Sequence[str]] | None = None,
        token: str | None = None,
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        if (username is None) != (password is None):
            raise ProviderConfigError("prometheus basic auth needs both username and password in the secret")
        pairs = header_pairs(headers, token=token, username=username, password=password)
        super().__init__(client, address, pairs)

    @classmethod
    def options(cls, spec: MetricProviderSpec, secret: Secret) -> dict[str, Any]:
        """The template's headers and the Secret's keys ``token``, or ``username`` and ``password``,
        as Flagger reads them."""
        keys = ("token", "username", "password")
        return {"headers": spec.headers, **{key: secret.optional(key) for key in keys}}

    async def run_query(self, query: str, window_seconds: float = 0.0) -> float:
        """The value of an instant query: the last sample of a vector, or a scalar.

        NoDataError for an empty vector or NaN; ProviderConfigError for a bad query or a range
        vector; ProviderAuthError for 401/403; ProviderUnavailable when Prometheus cannot be reached
        (retried twice with back-off first)."""
        promql = " ".join(query.split())
        body = await self.request("GET", "/api/v1/query", params={"query": promql})
        if not isinstance(body, dict) or body.get("status") != "success":
            error = body.get("error", "unknown error") if isinstance(body, dict) else "unexpected answer"
            raise ProviderConfigError(f"prometheus rejected the query: {error}")
        return _value(body.get("data") or {}, promql)

    async def is_online(self) -> bool:
        try:
            return await self.run_query("vector(1)") == 1.0
        except (ProviderUnavailable, ProviderAuthError, ProviderConfigError, NoDataError):
            return False


def _value(data: Mapping[str, Any], promql: str) -> float:
    kind, result = data.get("resultType"), data.get("result")
    try:
        if kind == "scalar":
            value = float(result[1])  # type: ignore[index]
        elif kind == "vector":
            if not result:
                raise NoDataError(f"no values found for query {promql}")
            value = float(result[-1]["value"][1])  # Flagger takes the last sample
        else:
            raise ProviderConfigError(f"the query returned a {kind}, not an instant vector: {promql}")
    except (TypeError, KeyError, IndexError, ValueError) as exc:
        raise ProviderUnavailable(f"prometheus answered a {kind} result of an unexpected shape") from exc
    if math.isnan(value):
        raise NoDataError(f"the query returned NaN: {promql}")
    return value
