"""Knative's built-in queries as Flagger 1.44's KnativeObserver writes them, and ``{{ route }}`` filled
with the canary revision, as Flagger's scheduler fills it for provider knative."""

from __future__ import annotations

import re

import pytest

from flagger_py.model.canary import Canary, Metric
from flagger_py.queries import builtin, template
from tests import flagger_corpus
from tests.cluster.workloads import canary as canary_manifest

SOURCE = flagger_corpus.source_dir()


def knative_canary(**status: str) -> Canary:
    body = canary_manifest("test", interval="15s")
    body["spec"] |= {
        "provider": "knative",
        "targetRef": {"apiVersion": "serving.knative.dev/v1", "kind": "Service", "name": "podinfo"},
    }
    if status:
        body["status"] = status
    return Canary.model_validate(body)


def normal(query: str) -> str:
    """A PromQL text without whitespace and without trailing commas in label selectors."""
    return re.sub(r",\}", "}", re.sub(r"\s+", "", query))


@pytest.mark.skipif(
    SOURCE is None, reason=f"Flagger's source is not here ({flagger_corpus.DOWNLOAD_COMMAND})"
)
def test_the_queries_are_flagger_s_up_to_whitespace() -> None:
    assert SOURCE is not None
    go = (SOURCE / "pkg/metrics/observers/knative.go").read_text()
    found = dict(re.findall(r'"(request-[a-z-]+)": `(.*?)`', go, re.DOTALL))
    observer = builtin.OBSERVERS["knative"]
    assert normal(observer.success_rate) == normal(found["request-success-rate"])
    assert normal(observer.duration) == normal(found["request-duration"])


def test_route_is_the_canary_revision_while_analysing() -> None:
    canary = knative_canary(phase="Progressing", lastAppliedSpec="5498f4fcd6")
    metric = Metric.model_validate({"name": "request-success-rate", "interval": "1m"})
    values = template.Variables.of(canary, metric, knative_revision="podinfo-00002")
    query = template.render(builtin.OBSERVERS["knative"].success_rate, values)
    assert 'envoy_cluster_name=~"test/podinfo-00002"' in query
    assert 'podinfo"' not in query


def test_route_stays_the_route_ref_or_target_for_other_providers() -> None:
    body = knative_canary(lastAppliedSpec="abc").model_dump(by_alias=True, exclude_none=True)
    body["spec"] |= {
        "provider": "istio",
        "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
    }
    canary = Canary.model_validate(body)
    metric = Metric.model_validate({"name": "request-duration", "interval": "1m"})
    assert template.Variables.of(canary, metric).route == "podinfo"
