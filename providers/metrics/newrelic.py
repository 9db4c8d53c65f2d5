"""New Relic: NRQL over the Insights query API (``GET /v1/accounts/<account>/query`` with ``X-Query-Key``),
``SINCE <interval> seconds ago`` appended as Flagger does; the value is ``results[0].result``.
"""

from __future__ import annotations

from typing import Any

import httpx

from flagger_py.spi import MetricProviderSpec, NoDataError, ProviderConfigError, ProviderUnavailable
from flagger_py.spi.querying import HTTPMetricProvider, Secret, answers

ACCOUNT_ID = "newrelic_account_id"
QUERY_KEY = "newrelic_query_key"


class NewRelicProvider(HTTPMetricProvider):
    kind = "newrelic"
    default_address = "https://insights-api.newrelic.com"

    def __init__(self, client: httpx.AsyncClient, address: str | None, account_id: str, query_key: str):
        if not account_id.isdigit():
            raise ProviderConfigError(f"newrelic {ACCOUNT_ID} must be the numeric account id")
        super().__init__(client, address, [("X-Query-Key", query_key), ("Accept", "application/json")])
        self.path = f"/v1/accounts/{account_id}/query"

    @classmethod
    def options(cls, spec: MetricProviderSpec, secret: Secret) -> dict[str, Any]:
        return {"account_id": secret.required(ACCOUNT_ID), "query_key": secret.required(QUERY_KEY)}

    async def run_query(self, query: str, window_seconds: float) -> float:
        nrql = f"{' '.join(query.split())} SINCE {int(window_seconds)} seconds ago"
        return single_result(await self.request("GET", self.path, params={"nrql": nrql}))

    async def is_online(self) -> bool:
        return await answers(self.request("GET", self.path, params={"nrql": "SELECT * FROM Metric"}))


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
