"""The built-in queries of provider kuma are Flagger 1.44's (pkg/metrics/observers/kuma.go), rendered
for a sample canary, with the Kuma service name of the canary (``<target>-canary_<ns>_svc_<port>``)."""

from __future__ import annotations

import pytest

from flagger_py.queries import builtin
from tests.metrics.flagger_observers import queries, rendered, same_promql


@pytest.mark.shared
@pytest.mark.parametrize("metric", ["request-success-rate", "request-duration"])
def test_rendered_queries_equal_flaggers(metric: str) -> None:
    flagger = rendered(queries("kuma", "kumaQueries")[metric])
    ours = rendered(builtin.observer_for("kuma").query(metric))
    assert same_promql(ours) == same_promql(flagger), f"\nours:    {ours}\nFlagger: {flagger}"


def test_the_service_selector_names_the_canary_s_kuma_services() -> None:
    ours = rendered(builtin.observer_for("kuma").query("request-success-rate"))
    assert 'service=~"podinfo-canary_default_svc_[0-9a-zA-Z-]+"' in ours
    assert ours.count("[1m]") == 2
