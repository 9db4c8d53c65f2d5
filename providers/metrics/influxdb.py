"""InfluxDB 2.x: a Flux query over the query API (``POST /api/v2/query?org=<org>`` with
``Authorization: Token``, 15 s timeout), answered as annotated CSV; the value is ``_value`` of the
first record. Secret keys ``token`` and ``org`` (both required when secretRef is set).

Differs from Flagger deliberately: an answer without any record is no data (Flagger returns 0,
which passes a ``max`` threshold), and integer columns are accepted.
"""

from __future__ import annotations

import csv
from typing import Any

import httpx

from flagger_py.spi import MetricProviderSpec, NoDataError, ProviderConfigError, ProviderUnavailable
from flagger_py.spi.querying import HTTPMetricProvider, Secret, answers

NUMERIC = ("double", "long", "unsignedLong")


class InfluxDBProvider(HTTPMetricProvider):
    kind = "influxdb"
    timeout = 15.0

    def __init__(
        self, client: httpx.AsyncClient, address: str | None, token: str | None = None, org: str | None = None
    ) -> None:
        credentials = [("Authorization", f"Token {token}")] if token else []
        super().__init__(
            client,
            address,
            [("Accept", "application/csv"), ("Content-Type", "application/json"), *credentials],
        )
        self.params = {"org": org} if org else {}

    @classmethod
    def options(cls, spec: MetricProviderSpec, secret: Secret) -> dict[str, Any]:
        """With a secretRef, its ``token`` and ``org`` (both required)."""
        return {key: secret.required_if_referenced(key) for key in ("token", "org")}

    async def run_query(self, query: str, window_seconds: float = 0.0) -> float:
        return first_value(await self._query(query))

    async def is_online(self) -> bool:
        return await answers(self._query('from(bucket: "default") |> range(start: -2h)'))

    async def _query(self, flux: str) -> str:
        body = {
            "query": flux,
            "type": "flux",
            "dialect": {"header": True, "annotations": ["datatype"], "delimiter": ","},
        }
        response = await self.request(
            "POST", "/api/v2/query", params=self.params, json=body, parse_json=False
        )
        text: str = response.text
        return text


def first_value(text: str) -> float:
    """``_value`` of the first record of annotated CSV (``#datatype`` row, header row, records)."""
    types: list[str] = []
    header: list[str] = []
    for row in csv.reader(text.splitlines()):
        if not row or not any(row):
            header = []  # a blank line separates tables, each with its own header
            continue
        if row[0] == "#datatype":
            types = row
            continue
        if row[0].startswith("#"):
            continue
        if not header:
            header = row
            if "_value" not in header:
                raise ProviderConfigError(
                    "influxdb answered a table without a _value column: select one value"
                )
            continue
        index = header.index("_value")
        raw = row[index] if index < len(row) else ""
        if raw == "":
            raise NoDataError("influxdb returned a record with an empty _value")
        kind = types[index] if index < len(types) else "double"
        if kind not in NUMERIC:
            raise ProviderConfigError(f"influxdb _value is a {kind}, not a number: aggregate to a number")
        try:
            return float(raw)
        except ValueError as exc:
            raise ProviderUnavailable(f"influxdb answered a _value that is not a number: {raw!r}") from exc
    raise NoDataError("influxdb returned no records for the query")
