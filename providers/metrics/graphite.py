"""Graphite: the render URL API. The query is the render query string (``target=...&from=-5min``);
flagger-py adds ``format=json`` and reads the last non-null datapoint of all returned series, as
Flagger does. Optional basic auth (``username``/``password``), extra headers, insecureSkipVerify.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from flagger_py.spi import MetricProviderSpec, NoDataError, ProviderConfigError, ProviderUnavailable
from flagger_py.spi.querying import HTTPMetricProvider, Secret, answers, header_pairs


class GraphiteProvider(HTTPMetricProvider):
    kind = "graphite"

    @classmethod
    def options(cls, spec: MetricProviderSpec, secret: Secret) -> dict[str, Any]:
        """The template's headers; with a secretRef, basic auth from its ``username`` and ``password``."""
        username, password = (secret.required_if_referenced(key) for key in ("username", "password"))
        return {"headers": header_pairs(spec.headers, username=username, password=password)}

    async def run_query(self, query: str, window_seconds: float = 0.0) -> float:
        pairs = parse_qsl("".join(query.split("\n")).strip().lstrip("?"), keep_blank_values=True)
        params = [(key.strip(), " ".join(value.split())) for key, value in pairs]
        if not any(key == "target" for key, _ in params):
            raise ProviderConfigError(
                f"graphite query must be a render query string with a target=...: {query!r}"
            )
        params = [(k, v) for k, v in params if k != "format"] + [("format", "json")]
        return last_value(await self.request("GET", "/render", params=params))

    async def is_online(self) -> bool:
        return await answers(self.run_query("target=test"), NoDataError)


def last_value(body: Any) -> float:
    if not isinstance(body, list):
        raise ProviderUnavailable("graphite answered JSON that is not a list of series")
    value: float | None = None
    for series in body:
        for point in (series or {}).get("datapoints") or ():
            if isinstance(point, list) and point and point[0] is not None:
                try:
                    value = float(point[0])
                except (TypeError, ValueError) as exc:
                    raise ProviderUnavailable(
                        f"graphite answered a datapoint that is not a number: {point!r}"
                    ) from exc
    if value is None:
        raise NoDataError("graphite returned no non-null datapoint for the query")
    return value
