"""Graphite: the render URL API. The query is the render query string (``target=...&from=-5min``);
flagger-py adds ``format=json`` and reads the last non-null datapoint of all returned series, as
Flagger does. Optional basic auth (``username``/``password``), extra headers, insecureSkipVerify.

Implements ``ports.MetricProvider``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

import httpx

from flagger_py.errors import NoDataError, ProviderConfigError, ProviderUnavailable
from flagger_py.model.metric_template import MetricProviderSpec
from flagger_py.ports.metrics import MetricContext

from .http import answers, basic_auth, call, checked_address, header_pairs, secret_value


class GraphiteProvider:
    kind = "graphite"

    def __init__(
        self,
        client: httpx.AsyncClient,
        address: str | None,
        *,
        headers: Mapping[str, Sequence[str]] | None = None,
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        self.client = client
        self.url = checked_address("graphite", address) + "/render"
        self.headers = header_pairs(headers)
        if username is not None and password is not None:
            self.headers.append(("Authorization", basic_auth(username, password)))

    @classmethod
    def configured(
        cls, context: MetricContext, spec: MetricProviderSpec, secret: Mapping[str, str]
    ) -> GraphiteProvider:
        with_secret = spec.secret_ref is not None
        return cls(
            context.client(spec.insecure_skip_verify),
            spec.address,
            headers=spec.headers,
            username=secret_value("graphite", secret, "username") if with_secret else None,
            password=secret_value("graphite", secret, "password") if with_secret else None,
        )

    async def run_query(self, query: str, window_seconds: float = 0.0) -> float:
        pairs = parse_qsl("".join(query.split("\n")).strip().lstrip("?"), keep_blank_values=True)
        params = [(key.strip(), " ".join(value.split())) for key, value in pairs]
        if not any(key == "target" for key, _ in params):
            raise ProviderConfigError(
                f"graphite query must be a render query string with a target=...: {query!r}"
            )
        params = [(k, v) for k, v in params if k != "format"] + [("format", "json")]
        body = await call(self.client, "graphite", "GET", self.url, params=params, headers=self.headers)
        return last_value(body)

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
