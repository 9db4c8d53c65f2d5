"""Metric analysis end to end: the controller process, the real control plane, a real Prometheus
scraping an exporter that serves the canary pods' HTTP metrics (the kubernetes observer's series).
A canary answering 20% 5xx is rolled back after ``threshold`` failed checks; a healthy one is
promoted, measured by the built-in success rate and by a MetricTemplate."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest

from flagger_py.testing.cluster import Cluster
from flagger_py.testing.prometheus import Exporter, Prometheus
from tests.cluster import kube, workloads
from tests.cluster.controller import Controllers, eventually

POD = "podinfo-5f8d9c7b6-abcde"


def exporter(namespace: str, error_fraction: float) -> Exporter:
    """The canary pod's request counters, growing 100 requests per second."""
    start = time.monotonic()

    def text() -> str:
        t = time.monotonic() - start
        labels = f'kubernetes_namespace="{namespace}",kubernetes_pod_name="{POD}"'
        return (
            "# TYPE http_request_duration_seconds_count counter\n"
            f'http_request_duration_seconds_count{{{labels},status="200"}} {(1 - error_fraction) * 100 * t}\n'
            f'http_request_duration_seconds_count{{{labels},status="500"}} {error_fraction * 100 * t}\n'
        )

    return Exporter(text)


Scraped = Callable[[float], AbstractContextManager[Prometheus]]


@pytest.fixture
def scraped(prometheus: Callable[[list[str]], Prometheus], namespace: str) -> Scraped:
    """A Prometheus that scraped the ``exporter`` of the given error fraction, which serves until the
    block ends."""

    @contextmanager
    def scraping(error_fraction: float) -> Iterator[Prometheus]:
        with exporter(namespace, error_fraction) as source:
            prom = prometheus([source.address])
            prom.wait_for_scrape()
            yield prom

    return scraping


def release(
    cluster: Cluster,
    ns: str,
    controllers: Controllers,
    prom: Prometheus,
    metrics: list[dict[str, Any]],
) -> None:
    cluster.api.apply(workloads.deployment(ns, replicas=1, image="podinfo:6.0.0"))
    cluster.api.apply(workloads.bluegreen(ns, analysis={"threshold": 2, "iterations": 3, "metrics": metrics}))
    controllers("--metrics-server", prom.url)
    eventually("Initialized", lambda: kube.phase(cluster, ns) == "Initialized", 60)
    kube.set_image(cluster, ns, "Deployment", "podinfo", "podinfo:6.0.1")


def gauge_line(namespace: str, metric: str) -> str:
    return f'flagger_canary_metric_analysis{{metric="{metric}",name="podinfo",namespace="{namespace}"}}'


SUCCESS_RATE = {"name": "request-success-rate", "interval": "10s", "thresholdRange": {"min": 99}}


def test_a_canary_with_20_percent_errors_is_rolled_back(
    flagger_crds: Cluster, namespace: str, controllers: Controllers, scraped: Scraped
) -> None:
    cluster, ns = flagger_crds, namespace
    with scraped(0.2) as prom:
        release(cluster, ns, controllers, prom, [SUCCESS_RATE])
        eventually("Failed", lambda: kube.phase(cluster, ns) == "Failed", 90)

    assert kube.image(kube.deployment(cluster, ns, "podinfo-primary")) == "podinfo:6.0.0"
    assert kube.status(cluster, ns)["failedChecks"] == 2
    warnings = [e["message"] for e in kube.events(cluster, ns) if e["type"] == "Warning"]
    assert f"Halt podinfo.{ns} advancement success rate 80.00% < 99%" in warnings, warnings  # Flagger's words
    assert any("Canary failed!" in m for m in warnings)
    gauge = controllers.started[0].metrics()
    assert f"{gauge_line(ns, 'request-success-rate')} 80.0" in gauge


def test_a_healthy_canary_is_promoted_on_builtin_and_template_metrics(
    flagger_crds: Cluster, namespace: str, controllers: Controllers, scraped: Scraped
) -> None:
    cluster, ns = flagger_crds, namespace
    with scraped(0.0) as prom:
        cluster.api.apply({
            "apiVersion": "flagger.app/v1beta1",
            "kind": "MetricTemplate",
            "metadata": {"name": "error-rate", "namespace": ns},
            "spec": {
                "provider": {"type": "prometheus", "address": prom.url},
                "query": (
                    'sum(rate(http_request_duration_seconds_count{kubernetes_namespace="{{ namespace }}",'
                    'status=~"5.."}[{{ interval }}])) or vector(0)'
                ),
            },
        })  # fmt: skip
        template_metric = {
            "name": "error-rate",
            "templateRef": {"name": "error-rate"},
            "interval": "10s",
            "thresholdRange": {"max": 1},
        }
        release(cluster, ns, controllers, prom, [SUCCESS_RATE, template_metric])
        eventually("Succeeded", lambda: kube.phase(cluster, ns) == "Succeeded", 90)

    assert kube.image(kube.deployment(cluster, ns, "podinfo-primary")) == "podinfo:6.0.1"
    assert not [e for e in kube.events(cluster, ns) if e["type"] == "Warning"]
    gauge = controllers.started[0].metrics()
    assert f"{gauge_line(ns, 'request-success-rate')} 100.0" in gauge
    assert f"{gauge_line(ns, 'error-rate')} 0.0" in gauge
