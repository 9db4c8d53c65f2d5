"""The built-in apisix queries render as Flagger 1.44's (pkg/metrics/observers/apisix.go) for a
sample canary, up to whitespace."""

from __future__ import annotations

import re

import pytest

from flagger_py.model.canary import Canary
from flagger_py.ports import RouterContext
from flagger_py.testing.objects import MemoryObjects
from flagger_py.testing.routers import BASE, merged
from providers.routers.apisix import ApisixRouter
from tests.metrics.flagger_observers import ours, same_promql

ROUTE = 'route=~"test_app-podinfo-canary_.+"'
"""APISIX's route name for rule <rule> of ApisixRoute <route>-<target>-canary: <namespace>_<name>_<rule>."""
FLAGGER = {
    "request-success-rate": (
        f'sum(rate(apisix_http_status{{{ROUTE},code!~"5.."}}[1m])) / '
        f"sum(rate(apisix_http_status{{{ROUTE}}}[1m])) * 100"
    ),
    "request-duration": (
        "histogram_quantile(0.99, sum(rate("
        f'apisix_http_latency_bucket{{type=~"request", {ROUTE}}}[1m])) by (le))'
    ),
}


def canary() -> Canary:
    ref = {"apiVersion": "apisix.apache.org/v2", "kind": "ApisixRoute", "name": "app"}
    spec = merged(BASE, {"provider": "apisix", "routeRef": ref})
    return Canary.model_validate({"metadata": {"name": "podinfo", "namespace": "test"}, "spec": spec})


@pytest.mark.parametrize("metric", sorted(FLAGGER))
def test_rendered_queries_are_flaggers(metric: str) -> None:
    assert same_promql(ours("apisix", canary(), metric)) == same_promql(FLAGGER[metric])


def test_the_canary_route_the_router_writes_is_what_the_query_matches() -> None:
    name = ApisixRouter(RouterContext(MemoryObjects(), {})).name(canary())
    pattern = re.search(r'route=~"([^"]+)"', ROUTE)
    assert pattern is not None
    assert re.fullmatch(pattern.group(1), f"test_{name}_method")
    assert not re.fullmatch(pattern.group(1), "test_app_method")
