"""Datadog: the metrics query API (``GET /api/v1/query`` with ``DD-API-KEY`` and ``DD-APPLICATION-KEY``)
over the last 10 metric intervals; the value is the first (oldest) point of the first series, as
Flagger reads it (the newest bucket is usually incomplete). Online check: ``GET /api/v1/validate``.
"""

from __future__ import annotations

from typing import Any

import httpx

from flagger_py.spi import MetricProviderSpec, NoDataError, ProviderUnavailable
from flagger_py.spi.querying import HTTPMetricProvider, Secret, answers


class DatadogProvider(HTTPMetricProvider):
    kind = "datadog"
    default_address = "https://api.datadoghq.com"

    def __init__(self, client: httpx.AsyncClient, address: str | None, api_key: str, application_key: str):
        super().__init__(client, address, [("DD-API-KEY", api_key), ("DD-APPLICATION-KEY", application_key)])

    @classmethod
    def options(cls, spec: MetricProviderSpec, secret: Secret) -> dict[str, Any]:
        """The Secret's ``datadog_api_key`` and ``datadog_application_key``."""
        return {key: secret.required(f"datadog_{key}") for key in ("api_key", "application_key")}

    async def run_query(self, query: str, window_seconds: float) -> float:
        start, end = self.window(window_seconds)
        params = {"query": query, "from": str(start), "to": str(end)}
        return first_point(await self.request("GET", "/api/v1/query", params=params))

    async def is_online(self) -> bool:
        return await answers(self.request("GET", "/api/v1/validate"))


def first_point(body: Any) -> float:
    if not isinstance(body, dict):
        raise ProviderUnavailable("datadog answered JSON that is not an object")
    series = body.get("series") or []
    points = (series[0].get("pointlist") or []) if series and isinstance(series[0], dict) else []
    point = points[0] if points else None
    if not point or len(point) < 2 or point[1] is None:
        raise NoDataError("datadog returned no series (or an empty pointlist) for the query")
    try:
        return float(point[1])
    except (TypeError, ValueError) as exc:
        raise ProviderUnavailable(f"datadog answered a point that is not a number: {point!r}") from exc
