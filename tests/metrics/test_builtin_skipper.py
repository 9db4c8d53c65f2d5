"""The built-in skipper queries render as Flagger 1.44's (pkg/metrics/observers/skipper.go) for a
sample canary, names spelled as Skipper's route ids (encodeModelForSkipper), up to whitespace; the
analyzer renders them so, and a custom query keeps the names as written."""

from __future__ import annotations

import re
from typing import Any

import pytest

from flagger_py.model.canary import Canary
from flagger_py.queries import builtin, template
from tests.metrics.flagger_observers import ours, same_promql
from tests.metrics.test_analyzer import Fake, Lookup, analyzer

ROUTE = 'route=~"kube(ew)?_my_apps__front_end_canary__.*__pod_info_canary(_[0-9]+)?"'
"""Flagger's routePattern for namespace my-apps, Ingress front-end and Service pod-info."""
FLAGGER = {
    "request-success-rate": (
        f'sum(rate(skipper_response_duration_seconds_bucket{{{ROUTE},code!~"5..",le="+Inf"}}[1m])) / '
        f'sum(rate(skipper_response_duration_seconds_bucket{{{ROUTE},le="+Inf"}}[1m])) * 100'
    ),
    "request-duration": (
        f"sum(rate(skipper_serve_route_duration_seconds_sum{{{ROUTE}}}[1m])) / "
        f"sum(rate(skipper_serve_route_duration_seconds_count{{{ROUTE}}}[1m])) * 1000"
    ),
}


def canary(*metrics: dict[str, Any]) -> Canary:
    spec = {
        "provider": "skipper",
        "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "pod-info"},
        "ingressRef": {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": "front-end"},
        "service": {"port": 9898},
        "analysis": {"interval": "1m", "threshold": 5, "stepWeight": 10, "metrics": list(metrics)},
    }
    return Canary.model_validate({"metadata": {"name": "pod-info", "namespace": "my-apps"}, "spec": spec})


@pytest.mark.parametrize("metric", sorted(FLAGGER))
def test_rendered_queries_are_flaggers(metric: str) -> None:
    assert same_promql(ours("skipper", canary(), metric)) == same_promql(FLAGGER[metric])


def test_the_encoding_is_go_regexp_non_word() -> None:
    values = template.Variables("a.b-c", "ns-1", "t_x.y", "s-v", "in.g", "r-1", "1m")
    assert builtin.skipper_names(values) == template.Variables(
        "a_b_c", "ns_1", "t_x_y", "s_v", "in_g", "r-1", "1m"
    )


def test_the_route_id_of_the_canary_ingress_matches() -> None:
    """Skipper's id of the canary Ingress path (kube_<ns>__<ingress>__<host>__<path>__<service>)."""
    pattern = re.search(r'route=~"([^"]+)"', ROUTE)
    assert pattern is not None
    assert re.fullmatch(
        pattern.group(1), "kube_my_apps__front_end_canary__app_example_com____pod_info_canary"
    )
    assert not re.fullmatch(pattern.group(1), "kube_my_apps__front_end__app_example_com____pod_info_primary")


async def test_the_analyzer_runs_the_encoded_query_and_leaves_custom_queries_alone() -> None:
    success = {"name": "request-success-rate", "interval": "1m", "thresholdRange": {"min": 99}}
    custom = {"name": "custom", "query": 'up{namespace="{{ namespace }}"}', "thresholdRange": {"min": 1}}
    encoded = ours("skipper", canary(), "request-success-rate")
    fake = Fake({encoded: 99.9, 'up{namespace="my-apps"}': 1.0})
    run, _ = analyzer(Lookup(), fake)
    checks = await run.run(canary(success, custom))
    assert [q for q, _ in fake.queries] == [encoded, 'up{namespace="my-apps"}']
    assert same_promql(encoded) == same_promql(FLAGGER["request-success-rate"])
    assert all(c.passed for c in checks), checks
