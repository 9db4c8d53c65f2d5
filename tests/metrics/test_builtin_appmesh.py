"""The built-in queries of providers appmesh and appmesh:v1beta2 are Flagger 1.44's
(pkg/metrics/observers/appmesh.go, chosen by the prefix ``appmesh``), rendered for a sample canary."""

from __future__ import annotations

import pytest

from flagger_py.queries import builtin
from tests.metrics.flagger_observers import queries, rendered, same_promql


@pytest.mark.shared
@pytest.mark.parametrize("provider", ["appmesh", "appmesh:v1beta2"])
@pytest.mark.parametrize("metric", ["request-success-rate", "request-duration"])
def test_rendered_queries_equal_flaggers(provider: str, metric: str) -> None:
    flagger = rendered(queries("appmesh", "appMeshQueries")[metric])
    ours = rendered(builtin.observer_for(provider).query(metric))
    assert same_promql(ours) == same_promql(flagger), f"\nours:    {ours}\nFlagger: {flagger}"


def test_the_pod_selector_names_the_canary_s_pods() -> None:
    ours = rendered(builtin.observer_for("appmesh:v1beta2").query("request-duration"))
    assert 'kubernetes_namespace="default",kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"' in ours
    assert ours.startswith("histogram_quantile(0.99, sum(rate(envoy_cluster_upstream_rq_time_bucket{")
