"""provider: contour — an HTTPProxy with weighted services (projectcontour.io/v1).

Object: HTTPProxy ``<apex>`` without a virtualhost (include it from your root HTTPProxy), one
route on the prefix ``service.match[0].uri.prefix`` (default ``/``) with ``service.timeout`` as
timeoutPolicy (idle 5m), ``service.retries`` as retryPolicy, and the services ``<apex>-primary``
and ``<apex>-canary`` with their weights and an ``l5d-dst-override`` request header (for Linkerd).
A/B testing adds one route per ``analysis.match`` with its header conditions (exact, or a regex
for regex/prefix/suffix) before the default route. ``-ingress-class`` sets ``ingressClassName``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flagger_py.model.canary import ABMatch, Canary
from flagger_py.model.strategy import Strategy
from flagger_py.spi import ALL_PRIMARY, Routes

from . import objects
from .objects import Names

API = "projectcontour.io/v1"


def read_routes(proxy: Mapping[str, Any], names: Names) -> Routes:
    routes = (proxy.get("spec") or {}).get("routes") or ()
    with_canary = [r for r in routes if any(s.get("name") == names.canary for s in r.get("services") or ())]
    if not with_canary:
        return ALL_PRIMARY
    found = {s.get("name"): s.get("weight", 0) for s in with_canary[0].get("services") or ()}
    return objects.weights(found.get(names.primary, 0), found.get(names.canary, 0))


class ContourRouter(
    objects.OneObjectRouter, provider="contour", api=API, kind="HTTPProxy", reads=read_routes
):
    """Implements ``ports.Router`` for ``provider: contour``."""

    strategies: frozenset[Strategy] = frozenset({"canary", "a/b testing", "blue/green"})
    headers_only_as = "Contour"

    def desired(self, canary: Canary, routes: Routes) -> dict[str, Any]:
        names = Names.of(canary)
        prefix = [{"prefix": _path_prefix(canary)}]
        out = [
            _route(canary, names, prefix + headers(match), routes)
            for match in canary.spec.analysis.match or ()
        ]
        out.append(_route(canary, names, prefix, routes if not out else Routes(100, 0)))
        spec: dict[str, Any] = {"routes": out}
        ingress_class = self.options.get("ingress-class")
        if ingress_class:
            spec["ingressClassName"] = ingress_class
        meta = objects.metadata(canary, names.apex)
        return {"apiVersion": API, "kind": "HTTPProxy", "metadata": meta, "spec": spec}


def headers(match: ABMatch) -> list[dict[str, Any]]:
    out = []
    for name, value in (match.headers or {}).items():
        found = value.model_dump(exclude_none=True)
        if "exact" in found:
            out.append({"header": {"name": name, "exact": found["exact"]}})
            continue
        regex = found.get("regex") or (
            re.escape(found["prefix"]) + ".*" if "prefix" in found else ".*" + re.escape(found["suffix"])
        )
        out.append({"header": {"name": name, "regex": regex}})
    return out


def _route(canary: Canary, names: Names, conditions: list[dict[str, Any]], routes: Routes) -> dict[str, Any]:
    service = canary.spec.service
    route: dict[str, Any] = {"conditions": conditions}
    if service is not None and service.timeout:
        route["timeoutPolicy"] = {"response": service.timeout, "idle": "5m"}
    if service is not None and service.retries is not None:
        retries = service.retries
        policy: dict[str, Any] = {}
        if retries.attempts is not None:
            policy["count"] = retries.attempts
        if retries.per_try_timeout:
            policy["perTryTimeout"] = retries.per_try_timeout
        if retries.retry_on:
            policy["retryOn"] = [r.strip() for r in retries.retry_on.split(",") if r.strip()]
        route["retryPolicy"] = policy
    route["services"] = [
        _service(names, names.primary, routes.primary),
        _service(names, names.canary, routes.canary),
    ]
    return route


def _service(names: Names, name: str, weight: int) -> dict[str, Any]:
    override = {
        "name": "l5d-dst-override",
        "value": f"{name}.{names.namespace}.svc.cluster.local:{names.port}",
    }
    return {"name": name, "port": names.port, "weight": weight, "requestHeadersPolicy": {"set": [override]}}


def _path_prefix(canary: Canary) -> str:
    service = canary.spec.service
    matches = service.match if service is not None else None
    if matches and matches[0].uri is not None and matches[0].uri.prefix:
        return matches[0].uri.prefix
    return "/"
