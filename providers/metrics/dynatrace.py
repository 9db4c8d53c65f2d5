"""Dynatrace: the Metrics API v2 (``GET /api/v2/metrics/query`` with ``Authorization: Api-Token``),
``metricSelector`` = the query, ``resolution=Inf`` over the last 10 metric intervals (milliseconds);
the value is the first value of the last data entry of the first result, as Flagger reads it.
Online check: ``GET /api/v2/metrics?pageSize=1``.

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

TOKEN = "dynatrace_token"


class DynatraceProvider:
    kind = "dynatrace"

    def __init__(
        self, client: httpx.AsyncClient, address: str | None, token: str, now: Callable[[], float] = time.time
    ) -> None:
        self.client = client
        self.address = checked_address("dynatrace", address)
        self.headers = {"Authorization": f"Api-Token {token}", "Accept": "application/json"}
        self.now = now

    @classmethod
    def configured(
        cls, context: MetricContext, spec: MetricProviderSpec, secret: Mapping[str, str]
    ) -> DynatraceProvider:
        return cls(
            context.client(spec.insecure_skip_verify), spec.address, secret_value("dynatrace", secret, TOKEN)
        )

    async def run_query(self, query: str, window_seconds: float) -> float:
        to = int(self.now() * 1000)
        params = {
            "metricSelector": " ".join(query.split()),
            "resolution": "Inf",
            "from": str(to - int(WINDOW_FACTOR * window_seconds * 1000)),
            "to": str(to),
        }
        url = f"{self.address}/api/v2/metrics/query"
        return last_entry(
            await call(self.client, "dynatrace", "GET", url, params=params, headers=self.headers)
        )

    async def is_online(self) -> bool:
        url = f"{self.address}/api/v2/metrics"
        return await answers(
            call(self.client, "dynatrace", "GET", url, params={"pageSize": "1"}, headers=self.headers)
        )


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
