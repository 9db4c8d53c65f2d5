"""Dynatrace: the Metrics API v2 (``GET /api/v2/metrics/query`` with ``Authorization: Api-Token``),
``metricSelector`` = the query, ``resolution=Inf`` over the last 10 metric intervals (milliseconds);
the value is the first value of the last data entry of the first result, as Flagger reads it.
Online check: ``GET /api/v2/metrics?pageSize=1``.
"""

from __future__ import annotations

from typing import Any

import httpx

from flagger_py.spi import MetricProviderSpec, NoDataError, ProviderUnavailable
from flagger_py.spi.querying import HTTPMetricProvider, Secret, answers

TOKEN = "dynatrace_token"


class DynatraceProvider(HTTPMetricProvider):
    kind = "dynatrace"

    def __init__(self, client: httpx.AsyncClient, address: str | None, token: str) -> None:
        super().__init__(
            client, address, [("Authorization", f"Api-Token {token}"), ("Accept", "application/json")]
        )

    @classmethod
    def options(cls, spec: MetricProviderSpec, secret: Secret) -> dict[str, Any]:
        return {"token": secret.required(TOKEN)}

    async def run_query(self, query: str, window_seconds: float) -> float:
        start, end = self.window(window_seconds, unit=1000)
        params = {
            "metricSelector": " ".join(query.split()),
            "resolution": "Inf",
            "from": str(start),
            "to": str(end),
        }
        return last_entry(await self.request("GET", "/api/v2/metrics/query", params=params))

    async def is_online(self) -> bool:
        return await answers(self.request("GET", "/api/v2/metrics", params={"pageSize": "1"}))


def last_entry(body: Any) -> float:
    results = body.get("result") if isinstance(body, dict) else None
    if not isinstance(results, list):
        raise ProviderUnavailable("dynatrace answered without a result list")
    data = (results[0] or {}).get("data") if results else None
    values = (data[-1] or {}).get("values") if data else None
    if not values or values[0] is None:
        raise NoDataError("dynatrace returned no data points for the metric selector")
    try:
        return float(values[0])
    except (TypeError, ValueError) as exc:
        raise ProviderUnavailable("dynatrace answered a value that is not a number") from exc
