"""Kubernetes External Metrics API (``external.metrics.k8s.io/v1beta1``, served by KEDA, the Datadog
cluster agent, prometheus-adapter...). The query is ``<namespace>/<metric>?labelSelector=<selector>``
(namespace defaults to ``default``); the value is the first item's quantity.

Without ``spec.provider.address`` the controller's own API server and credentials are used; with an
address, the Secret's ``token`` is sent as a bearer token.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx

from flagger_py.spi import (
    MetricContext,
    MetricProviderSpec,
    NoDataError,
    ProviderConfigError,
    ProviderUnavailable,
)
from flagger_py.spi.querying import Secret, answers, call, checked_address

API = "/apis/external.metrics.k8s.io/v1beta1"
FORMAT = "<namespace>/<metric>?labelSelector=<url-encoded selector>"
SUFFIX = {
    "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1),
    "k": Decimal("1e3"), "M": Decimal("1e6"), "G": Decimal("1e9"), "T": Decimal("1e12"), "P": Decimal("1e15"),
    "E": Decimal("1e18"), "Ki": Decimal(2**10), "Mi": Decimal(2**20), "Gi": Decimal(2**30),
    "Ti": Decimal(2**40), "Pi": Decimal(2**50), "Ei": Decimal(2**60),
}  # fmt: skip
QUANTITY = re.compile(r"^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")
Authorization = Callable[[], Awaitable[str | None]]


async def _none() -> str | None:
    return None


class ExternalMetricsProvider:
    kind = "externalmetrics"

    def __init__(self, client: httpx.AsyncClient, base: str, authorization: Authorization = _none) -> None:
        self.client = client
        self.base = base
        self.authorization = authorization

    @classmethod
    def configured(
        cls, context: MetricContext, spec: MetricProviderSpec, secret: Mapping[str, str]
    ) -> ExternalMetricsProvider:
        if spec.address:
            token = Secret.of(cls.kind, spec, secret).optional("token")

            async def bearer() -> str | None:
                return f"Bearer {token}" if token else None

            address = checked_address("externalmetrics", spec.address)
            return cls(context.client(spec.insecure_skip_verify), address, bearer)
        if context.api_server is None:
            raise ProviderConfigError(
                "externalmetrics without spec.provider.address uses the controller's API server, "
                "which is not available here: set the address"
            )
        return cls(context.api_server.http, "", context.api_server.authorization)

    async def run_query(self, query: str, window_seconds: float = 0.0) -> float:
        namespace, metric, selector = parse(query)
        params = {"labelSelector": selector} if selector else {}
        return first_item(await self._get(f"{API}/namespaces/{quote(namespace)}/{quote(metric)}", params))

    async def is_online(self) -> bool:
        # A 404 for an unknown metric is an answer.
        return await answers(
            self._get(f"{API}/namespaces/kube-system/dummy-metric", {}), ProviderConfigError, NoDataError
        )

    async def _get(self, path: str, params: Mapping[str, str]) -> Any:
        headers = {"Accept": "application/json"}
        value = await self.authorization()
        if value:
            headers["Authorization"] = value
        return await call(
            self.client, "externalmetrics", "GET", self.base + path, params=params, headers=headers
        )


def parse(query: str) -> tuple[str, str, str]:
    """(namespace, metric, label selector) of ``<namespace>/<metric>?labelSelector=...``."""
    parts = urlsplit("x:///" + query.strip())
    path = parts.path.lstrip("/").split("/")
    if len(path) > 2:
        raise ProviderConfigError(
            f"externalmetrics query has too many slashes: expected {FORMAT}, got {query!r}"
        )
    namespace = (path[0] if len(path) == 2 else "") or "default"
    metric = path[-1]
    if not metric:
        raise ProviderConfigError(f"externalmetrics query names no metric: expected {FORMAT}, got {query!r}")
    selector = (parse_qs(parts.query).get("labelSelector") or [""])[0]
    return namespace, metric, selector


def quantity(text: str) -> float:
    match = QUANTITY.match(str(text).strip())
    try:
        if match is None:
            raise InvalidOperation
        return float(Decimal(match.group(1)) * SUFFIX[match.group(2) or ""])
    except InvalidOperation:
        raise ProviderUnavailable(
            f"externalmetrics answered a value that is not a quantity: {text!r}"
        ) from None


def first_item(body: Any) -> float:
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise ProviderUnavailable("externalmetrics answered without an items list")
    if not items or not isinstance(items[0], dict) or items[0].get("value") is None:
        raise NoDataError("externalmetrics returned no items for the metric and selector")
    return quantity(items[0]["value"])
