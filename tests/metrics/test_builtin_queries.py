"""Every built-in query of every mesh and ingress against a real Prometheus scraping a local exporter
that serves series shaped like that mesh's own metrics, for a canary (10% 5xx, latencies between 100
and 250 ms) and a primary (no errors, fast) that the queries must leave out."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator

import httpx
import pytest

from flagger_py.model.canary import Canary, Metric
from flagger_py.plugins import registry
from flagger_py.queries import builtin, template
from flagger_py.testing.cluster import wait_until
from flagger_py.testing.prometheus import Exporter, Prometheus
from tests.cluster import workloads

START = time.monotonic()
PrometheusProvider = registry("metric provider").get("prometheus")

POD = "podinfo-7d9f8c6b5-x2x4z"
PRIMARY_POD = "podinfo-primary-6c8d7f5b4-q9w8e"
# Per observer: (requests counter, canary labels, primary labels, status label, ok value, bad value).
REQUESTS = {
    "istio": ("istio_requests_total", 'reporter="destination",destination_workload_namespace="test",destination_workload="podinfo"',
              'reporter="destination",destination_workload_namespace="test",destination_workload="podinfo-primary"',
              "response_code", "200", "503"),
    "linkerd": ("response_total", 'namespace="test",deployment="podinfo",direction="inbound"',
                'namespace="test",deployment="podinfo-primary",direction="inbound"', "classification", "success", "failure"),
    "kubernetes": ("http_request_duration_seconds_count", f'kubernetes_namespace="test",kubernetes_pod_name="{POD}"',
                   f'kubernetes_namespace="test",kubernetes_pod_name="{PRIMARY_POD}"', "status", "200", "500"),
    "appmesh": ("envoy_cluster_upstream_rq", f'kubernetes_namespace="test",kubernetes_pod_name="{POD}"',
                f'kubernetes_namespace="test",kubernetes_pod_name="{PRIMARY_POD}"', "envoy_response_code", "200", "503"),
    "contour": ("envoy_cluster_upstream_rq", 'envoy_cluster_name="test_podinfo-canary_9898"',
                'envoy_cluster_name="test_podinfo-primary_9898"', "envoy_response_code", "200", "503"),
    "gloo": ("envoy_cluster_upstream_rq", 'envoy_cluster_name="test-podinfo-canaryupstream-9898_test"',
             'envoy_cluster_name="test-podinfo-primaryupstream-9898_test"', "envoy_response_code", "200", "503"),
    "nginx": ("nginx_ingress_controller_requests", 'namespace="test",ingress="podinfo",canary="podinfo-canary-80"',
              'namespace="test",ingress="podinfo",canary=""', "status", "200", "502"),
    "traefik": ("traefik_service_request_duration_seconds_bucket",
                'service="test-podinfo-canary-80@kubernetescrd",le="+Inf"',
                'service="test-podinfo-primary-80@kubernetescrd",le="+Inf"', "code", "200", "500"),
    "skipper": ("skipper_response_duration_seconds_bucket",
                'route="kube_test__podinfo_canary__podinfo_example_com____podinfo_canary",le="+Inf"',
                'route="kube_test__podinfo__podinfo_example_com____podinfo_primary",le="+Inf"', "code", "200", "500"),
    "osm": ("osm_request_total", 'destination_namespace="test",destination_kind="Deployment",destination_name="podinfo"',
            'destination_namespace="test",destination_kind="Deployment",destination_name="podinfo-primary"',
            "response_code", "200", "503"),
    "kuma": ("envoy_cluster_upstream_rq", 'service="podinfo-canary_test_svc_9898"',
             'service="podinfo-primary_test_svc_9898"', "envoy_response_code", "200", "503"),
    "apisix": ("apisix_http_status", 'route="test_podinfo-podinfo-canary_7"', 'route="test_podinfo-podinfo-primary_7"',
               "code", "200", "503"),
    "knative": ("envoy_cluster_upstream_rq", 'envoy_cluster_name="test/podinfo"', 'envoy_cluster_name="test/podinfo-old"',
                "envoy_response_code", "200", "503"),
}  # fmt: skip
# Per observer: (histogram buckets, canary labels, unit) for p99, or (sum/count prefix, labels, unit) for means.
DURATIONS = {
    "istio": ("istio_request_duration_milliseconds_bucket", REQUESTS["istio"][1], "ms"),
    "linkerd": ("response_latency_ms_bucket", REQUESTS["linkerd"][1], "ms"),
    "kubernetes": ("http_request_duration_seconds_bucket", REQUESTS["kubernetes"][1], "s"),
    "appmesh": ("envoy_cluster_upstream_rq_time_bucket", REQUESTS["appmesh"][1], "ms"),
    "contour": ("envoy_cluster_upstream_rq_time_bucket", REQUESTS["contour"][1], "ms"),
    "gloo": ("envoy_cluster_upstream_rq_time_bucket", REQUESTS["gloo"][1], "ms"),
    "nginx": ("nginx_ingress_controller_response_duration_seconds", REQUESTS["nginx"][1], "mean"),
    "traefik": ("traefik_service_request_duration_seconds_bucket", 'service="test-podinfo-canary-80@kubernetescrd",code="200"', "s"),
    "skipper": ("skipper_serve_route_duration_seconds", 'route="kube_test__podinfo_canary__podinfo_example_com____podinfo_canary"', "mean"),
    "osm": ("osm_request_duration_ms_bucket", REQUESTS["osm"][1], "ms"),
    "kuma": ("envoy_cluster_upstream_rq_time_bucket", REQUESTS["kuma"][1], "ms"),
    "apisix": ("apisix_http_latency_bucket", 'type="request",' + REQUESTS["apisix"][1], "ms"),
    "knative": ("envoy_cluster_upstream_rq_time_bucket", REQUESTS["knative"][1], "ms"),
}  # fmt: skip


def series() -> str:
    """Counters that grow with time: per second the canary serves 9 good and 1 bad request, all
    between 100 and 250 ms; the primary serves 50 good, fast requests."""
    t = time.monotonic() - START
    families: dict[str, list[str]] = defaultdict(list)
    for name, canary, primary, status, ok, bad in REQUESTS.values():
        families[name] += [
            f'{name}{{{canary},{status}="{ok}"}} {9 * t}',
            f'{name}{{{canary},{status}="{bad}"}} {1 * t}',
            f'{name}{{{primary},{status}="{ok}"}} {50 * t}',
        ]
    for name, labels, unit in DURATIONS.values():
        if unit == "mean":
            families[f"{name}_sum"].append(f"{name}_sum{{{labels}}} {0.25 * 10 * t}")
            families[f"{name}_count"].append(f"{name}_count{{{labels}}} {10 * t}")
            continue
        if name in REQUESTS.get("traefik", ())[:1] and unit == "s":  # traefik's +Inf bucket is served above
            bounds = ["0.1", "0.25"]
        else:
            bounds = ["0.1", "0.25", "+Inf"] if unit == "s" else ["100", "250", "+Inf"]
        for le in bounds:
            count = 0 if le in ("0.1", "100") else 10 * t
            families[name].append(f'{name}{{{labels},le="{le}"}} {count}')
    return "\n".join(line for lines in families.values() for line in lines) + "\n"


SCRAPES = 5
"""Scrapes of the exporter before the queries run: enough samples for rate() over every series."""


def scraped(server: Prometheus) -> bool:
    result = server.query('count_over_time(up{job="test"}[1m])')["result"]
    return bool(result) and float(result[0]["value"][1]) >= SCRAPES


@pytest.fixture(scope="module")
def prom() -> Iterator[Prometheus]:
    with Exporter(series) as exporter, Prometheus.start([exporter.address]) as server:
        wait_until(f"{SCRAPES} scrapes of the exporter", lambda: scraped(server), timeout=30)
        yield server


def canary() -> Canary:
    """podinfo in namespace test, port 9898 (the names the series above carry)."""
    return Canary.model_validate(workloads.canary("test"))


async def value(prom: Prometheus, observer: str, metric: str) -> float:
    m = Metric.model_validate({"name": metric, "interval": "30s"})
    query = template.render(builtin.OBSERVERS[observer].query(metric), template.Variables.of(canary(), m))
    async with httpx.AsyncClient() as client:
        return float(await PrometheusProvider(client, prom.url).run_query(query, 30.0))


def test_every_observer_has_series() -> None:
    assert set(REQUESTS) == set(DURATIONS) == set(builtin.OBSERVERS)


@pytest.mark.parametrize("observer", sorted(builtin.OBSERVERS))
async def test_success_rate_is_the_canary_s_non_5xx_percentage(prom: Prometheus, observer: str) -> None:
    assert await value(prom, observer, "request-success-rate") == pytest.approx(90.0, abs=0.01)


@pytest.mark.parametrize("observer", sorted(builtin.OBSERVERS))
async def test_duration_is_the_canary_s_p99_or_mean_in_milliseconds(prom: Prometheus, observer: str) -> None:
    # p99 of observations all in the (100, 250] ms bucket interpolates to 248.5; means are 250.
    expected = 250.0 if DURATIONS[observer][2] == "mean" else 248.5
    assert await value(prom, observer, "request-duration") == pytest.approx(expected, abs=0.01)
