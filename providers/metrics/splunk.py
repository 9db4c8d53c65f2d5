"""Splunk Observability (SignalFx): a SignalFlow program run over the HTTP streaming API
(``POST https://stream.<realm>.signalfx.com/v2/signalflow/execute`` with ``X-SF-Token``,
``start``/``stop`` = the last 10 metric intervals, ``immediate=true``), read as server-sent events.
The value is the last non-null data point; more than one time series is an error (Flagger's rule).
The address is the API address (``https://api.<realm>.signalfx.com``); ``api.`` becomes ``stream.``
for the stream. Online check: ``GET /v2/metric?limit=1``. Secret key ``sf_token_key``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from flagger_py.spi import MetricProviderSpec, NoDataError, ProviderConfigError, ProviderUnavailable
from flagger_py.spi.querying import HTTPMetricProvider, Secret, answers, call

TOKEN = "sf_token_key"


class SplunkProvider(HTTPMetricProvider):
    kind = "splunk"

    def __init__(self, client: httpx.AsyncClient, address: str | None, token: str) -> None:
        super().__init__(client, address, [("X-SF-Token", token)])
        parts = urlsplit(self.address)
        host = parts.netloc.replace("api.", "stream.", 1) if parts.netloc.startswith("api.") else parts.netloc
        self.stream = urlunsplit((parts.scheme, host, parts.path, "", ""))

    @classmethod
    def options(cls, spec: MetricProviderSpec, secret: Secret) -> dict[str, Any]:
        return {"token": secret.required(TOKEN)}

    async def run_query(self, query: str, window_seconds: float) -> float:
        start, stop = self.window(window_seconds, unit=1000)
        response = await call(
            self.client,
            self.kind,
            "POST",
            f"{self.stream}/v2/signalflow/execute",
            params={"start": str(start), "stop": str(stop), "immediate": "true"},
            headers=[*self.headers, ("Content-Type", "text/plain"), ("Accept", "text/event-stream")],
            content=query.encode(),
            parse_json=False,
        )
        return last_point(response.text)

    async def is_online(self) -> bool:
        return await answers(self.request("GET", "/v2/metric", params={"limit": "1"}))


def events(text: str) -> Iterator[tuple[str, Any]]:
    """(event name, decoded data) of each server-sent event."""
    name, lines = "message", list[str]()
    for line in [*text.splitlines(), ""]:
        if not line:
            if lines:
                try:
                    yield name, json.loads("\n".join(lines))
                except ValueError as exc:
                    raise ProviderUnavailable(f"splunk sent a {name} event that is not JSON") from exc
            name, lines = "message", list[str]()
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            lines.append(line[5:].removeprefix(" "))


def last_point(text: str) -> float:
    points: list[tuple[str, Any]] = []
    for name, data in events(text):
        if name == "error":
            message = data.get("message", data) if isinstance(data, dict) else data
            raise ProviderConfigError(f"splunk rejected the SignalFlow program: {message}")
        if name == "data" and isinstance(data, dict):
            points += [
                (p.get("tsId", ""), p.get("value")) for p in data.get("data") or () if isinstance(p, dict)
            ]
    points = [(ts, value) for ts, value in points if value is not None]
    if not points:
        raise NoDataError("splunk returned no data points for the SignalFlow program")
    series = {ts for ts, _ in points}
    if len(series) > 1:
        raise ProviderConfigError(f"splunk returned {len(series)} time series: aggregate the program to one")
    try:
        return float(points[-1][1])
    except (TypeError, ValueError) as exc:
        raise ProviderUnavailable("splunk answered a value that is not a number") from exc
