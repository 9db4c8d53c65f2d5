"""Datadog: the metrics query API (``GET /api/v1/query`` with ``DD-API-KEY`` and ``DD-APPLICATION-KEY``)
over the last 10 metric intervals; the value is the first (oldest) point of the first series, as
Flagger reads it (the newest bucket is usually incomplete). Online check: ``GET /api/v1/validate``.

Implements ``ports.MetricProvider``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from flagger_py.errors import NoDataError, ProviderUnavailable
from flagger_py.model.metric_template import MetricProviderSpec
from flagger_py.ports.metrics import MetricContext

from .http import WINDOW_FACTOR, answers, call, checked_address, secret_value

DEFAULT_ADDRESS = "https://api.datadoghq.com"
API_KEY = "datadog_api_key"
APPLICATION_KEY = "datadog_application_key"


class DatadogProvider:
    kind = "datadog"

    def __init__(
        self,
        client: httpx.AsyncClient,
        address: str | None,
        api_key: str,
        application_key: str,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.address = checked_address("datadog", address, DEFAULT_ADDRESS)
        self.headers = {"DD-API-KEY": api_key, "DD-APPLICATION-KEY": application_key}
        self.now = now

    @classmethod
    def configured(
        cls, context: MetricContext, spec: MetricProviderSpec, secret: Mapping[str, str]
    ) -> DatadogProvider:
        return cls(
            context.client(spec.insecure_skip_verify),
            spec.address,
            secret_value("datadog", secret, API_KEY),
            secret_value("datadog", secret, APPLICATION_KEY),
        )

    async def run_query(self, query: str, window_seconds: float) -> float:
        to = int(self.now())
        params = {"query": query, "from": str(to - int(WINDOW_FACTOR * window_seconds)), "to": str(to)}
        body = await call(
            self.client, "datadog", "GET", f"{self.address}/api/v1/query", params=params, headers=self.headers
        )
        return first_point(body)

    async def is_online(self) -> bool:
        return await answers(
            call(self.client, "datadog", "GET", f"{self.address}/api/v1/validate", headers=self.headers)
        )


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
