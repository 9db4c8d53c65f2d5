"""Prometheus: instant queries over the HTTP API (``GET /api/v1/query``, 5 s timeout), with bearer-token
or basic auth and extra headers. Implements ``ports.MetricProvider``."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from flagger_py.errors import NoDataError, ProviderAuthError, ProviderConfigError, ProviderUnavailable
from flagger_py.model.metric_template import MetricProviderSpec
from flagger_py.ports.metrics import MetricContext

from .http import basic_auth, call, checked_address, header_pairs


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
        if (username is None) != (password is None):
            raise ProviderConfigError("prometheus basic auth needs both username and password in the secret")
        self.client = client
        self.url = checked_address("prometheus", address) + "/api/v1/query"
        self.headers = header_pairs(headers)
        if token:
            self.headers.append(("Authorization", f"Bearer {token}"))
        elif username is not None and password is not None:
            self.headers.append(("Authorization", basic_auth(username, password)))

    @classmethod
    def configured(
        cls, context: MetricContext, spec: MetricProviderSpec, secret: Mapping[str, str]
    ) -> PrometheusProvider:
        """From a MetricTemplate's provider and its Secret (keys ``token``, or ``username`` and
        ``password``, as Flagger reads them)."""
        return cls(
            context.client(spec.insecure_skip_verify),
            spec.address or "",
            headers=spec.headers,
            token=secret.get("token"),
            username=secret.get("username"),
            password=secret.get("password"),
        )

    async def run_query(self, query: str, window_seconds: float = 0.0) -> float:
        """The value of an instant query: the last sample of a vector, or a scalar.

        NoDataError for an empty vector or NaN; ProviderConfigError for a bad query or a range
        vector; ProviderAuthError for 401/403; ProviderUnavailable when Prometheus cannot be reached
        (retried twice with back-off first)."""
        promql = " ".join(query.split())
        body = await call(
            self.client, "prometheus", "GET", self.url, params={"query": promql}, headers=self.headers
        )
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
