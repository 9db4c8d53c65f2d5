"""The built-in gloo queries render as Flagger 1.44's (pkg/metrics/observers/gloo.go) for a sample
canary, up to whitespace and trailing commas inside label matchers."""

from __future__ import annotations

import re

import pytest

from flagger_py.model.canary import Canary
from providers.routers.gloo import upstream_names
from tests.metrics.flagger_observers import ours, same_promql

CLUSTER = 'envoy_cluster_name=~"test-podinfo-canaryupstream-[0-9a-zA-Z-]+_[0-9a-zA-Z-]+"'
"""Gloo names the Envoy cluster of Upstream <name> in <namespace> "<name>_<namespace>"."""
FLAGGER = {
    "request-success-rate": (
        f'sum(rate(envoy_cluster_upstream_rq{{{CLUSTER},envoy_response_code!~"5.*"}}[1m]))'
        f" / sum(rate(envoy_cluster_upstream_rq{{{CLUSTER},}}[1m])) * 100"
    ),
    "request-duration": (
        "histogram_quantile(0.99, sum(rate("
        f"envoy_cluster_upstream_rq_time_bucket{{{CLUSTER},}}[1m])) by (le))"
    ),
}


def canary() -> Canary:
    spec = {
        "provider": "gloo",
        "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
        "service": {"port": 9898},
        "analysis": {"interval": "1m", "threshold": 5, "stepWeight": 10},
    }
    return Canary.model_validate({"metadata": {"name": "podinfo", "namespace": "test"}, "spec": spec})


@pytest.mark.parametrize("metric", sorted(FLAGGER))
def test_rendered_queries_are_flaggers(metric: str) -> None:
    assert same_promql(ours("gloo", canary(), metric)) == same_promql(FLAGGER[metric])


def test_the_upstream_the_router_writes_is_what_the_query_matches() -> None:
    """The router's canary Upstream, as Gloo's Envoy cluster, matches; the primary's does not."""
    primary, canary_upstream = upstream_names(canary())
    pattern = re.search(r'envoy_cluster_name=~"([^"]+)"', CLUSTER)
    assert pattern is not None
    assert re.fullmatch(pattern.group(1), f"{canary_upstream}_test")
    assert not re.fullmatch(pattern.group(1), f"{primary}_test")
