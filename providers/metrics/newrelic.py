"""New Relic: NRQL over the Insights query API (``GET /v1/accounts/<account>/query`` with ``X-Query-Key``),
``SINCE <interval> seconds ago`` appended as Flagger does; the value is ``results[0].result``.

Implements ``ports.MetricProvider``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from flagger_py.errors import NoDataError, ProviderConfigError, ProviderUnavailable
from flagger_py.model.metric_template import MetricProviderSpec
from flagger_py.ports.metrics import MetricContext

from .http import answers, call, checked_address, secret_value

DEFAULT_ADDRESS = "https://insights-api.newrelic.com"
ACCOUNT_ID = "newrelic_account_id"
QUERY_KEY = "newrelic_query_key"


class NewRelicProvider:
    kind = "newrelic"

    def __init__(
        self, client: httpx.AsyncClient, address: str | None, account_id: str, query_key: str
    ) -> None:
        if not account_id.isdigit():
            raise ProviderConfigError(f"newrelic {ACCOUNT_ID} must be the numeric account id")
        self.client = client
        self.url = f"{checked_address('newrelic', address, DEFAULT_ADDRESS)}/v1/accounts/{account_id}/query"
        self.headers = {"X-Query-Key": query_key, "Accept": "application/json"}

    @classmethod
    def configured(
        cls, context: MetricContext, spec: MetricProviderSpec, secret: Mapping[str, str]
    ) -> NewRelicProvider:
        return cls(
            context.client(spec.insecure_skip_verify),
            spec.address,
            secret_value("newrelic", secret, ACCOUNT_ID),
            secret_value("newrelic", secret, QUERY_KEY),
        )

    async def run_query(self, query: str, window_seconds: float) -> float:
        nrql = f"{' '.join(query.split())} SINCE {int(window_seconds)} seconds ago"
        body = await call(
            self.client, "newrelic", "GET", self.url, params={"nrql": nrql}, headers=self.headers
        )
        return single_result(body)

    async def is_online(self) -> bool:
        return await answers(
            call(
                self.client,
                "newrelic",
                "GET",
                self.url,
                params={"nrql": "SELECT * FROM Metric"},
                headers=self.headers,
            )
        )


def single_result(body: Any) -> float:
    """``results[0].result`` (an NRQL expression), or the one value of ``results[0]`` (an aggregate such
    as ``average``: Flagger reads only ``result``)."""
    results = body.get("results") if isinstance(body, dict) else None
    if not isinstance(results, list):
        raise ProviderUnavailable("newrelic answered without a results list")
    first = results[0] if len(results) == 1 and isinstance(results[0], dict) else {}
    value = first.get("result", next(iter(first.values())) if len(first) == 1 else None)
    if value is None:
        raise NoDataError(f"newrelic returned {len(results)} results (one with a single value was expected)")
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise ProviderUnavailable(f"newrelic answered a result that is not a number: {value!r}") from exc
