"""The Prometheus provider against a real Prometheus (Debian's package) scraping a local exporter
that serves Istio- and NGINX-shaped series for a primary and a canary; auth through a local proxy
that requires a token; every failure mapped to the errors tree."""

from __future__ import annotations

import http.server
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator

import httpx
import pytest

from flagger_py.errors import NoDataError, ProviderAuthError, ProviderConfigError, ProviderUnavailable
from flagger_py.model.canary import Canary, Metric
from flagger_py.plugins import registry
from flagger_py.queries import builtin, template
from flagger_py.testing.prometheus import Exporter, Prometheus
from tests.webhooks.server import Server

START = time.monotonic()
# Loaded the way the controller loads it: through its entry point.
PrometheusProvider = registry("metric provider").get("prometheus")
ISTIO = (
    'istio_requests_total{reporter="destination",destination_workload_namespace="test",destination_workload='
)
NGINX = 'namespace="test",ingress="podinfo",canary="podinfo-canary-80"'


def series() -> str:
    """Counters growing with time: the canary answers 10% 5xx, the primary none."""
    t = time.monotonic() - START
    ok, bad, primary = 90 * t, 10 * t, 100 * t
    return "\n".join(
        [
            "# TYPE istio_requests_total counter",
            f'{ISTIO}"podinfo",response_code="200"}} {ok}',
            f'{ISTIO}"podinfo",response_code="503"}} {bad}',
            f'{ISTIO}"podinfo-primary",response_code="200"}} {primary}',
            "# TYPE nginx_ingress_controller_response_duration_seconds_sum counter",
            f"nginx_ingress_controller_response_duration_seconds_sum{{{NGINX}}} {0.25 * 50 * t}",
            "# TYPE nginx_ingress_controller_response_duration_seconds_count counter",
            f"nginx_ingress_controller_response_duration_seconds_count{{{NGINX}}} {50 * t}",
            "",
        ]
    )


@pytest.fixture(scope="module")
def prom() -> Iterator[Prometheus]:
    with Exporter(series) as exporter, Prometheus.start([exporter.address]) as server:
        server.wait_for_scrape()
        time.sleep(3)  # a few scrapes, so that rate() has samples
        yield server


def canary() -> Canary:
    return Canary.model_validate(
        {
            "metadata": {"name": "podinfo", "namespace": "test"},
            "spec": {
                "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
                "analysis": {"interval": "1m", "threshold": 5, "stepWeight": 10},
            },
        }
    )


def query(observer: str, name: str) -> str:
    metric = Metric.model_validate({"name": name, "interval": "10s"})
    return template.render(builtin.OBSERVERS[observer].query(name), template.Variables.of(canary(), metric))


async def run(url: str, promql: str, **auth: str) -> float:
    async with httpx.AsyncClient() as client:
        provider = PrometheusProvider(client, url, **auth)
        return float(await provider.run_query(promql, 10.0))


async def test_istio_success_rate_of_the_canary_only(prom: Prometheus) -> None:
    assert await run(prom.url, query("istio", "request-success-rate")) == pytest.approx(90.0, abs=0.5)


async def test_nginx_mean_duration_in_milliseconds(prom: Prometheus) -> None:
    assert await run(prom.url, query("nginx", "request-duration")) == pytest.approx(250.0, abs=1.0)


async def test_no_series_is_no_data(prom: Prometheus) -> None:
    with pytest.raises(NoDataError):
        await run(prom.url, 'istio_requests_total{destination_workload="nothing"}')


async def test_nan_is_no_data(prom: Prometheus) -> None:
    with pytest.raises(NoDataError, match="NaN"):
        await run(prom.url, "vector(0) / 0")


async def test_bad_promql_is_a_config_error(prom: Prometheus) -> None:
    with pytest.raises(ProviderConfigError, match="rejected the query"):
        await run(prom.url, "sum(rate(")


async def test_range_vector_is_a_config_error(prom: Prometheus) -> None:
    with pytest.raises(ProviderConfigError, match="matrix"):
        await run(prom.url, "istio_requests_total[10s]")


async def test_is_online(prom: Prometheus) -> None:
    async with httpx.AsyncClient() as client:
        assert await PrometheusProvider(client, prom.url).is_online()
        assert not await PrometheusProvider(client, "http://127.0.0.1:9").is_online()


async def test_unreachable_is_unavailable() -> None:
    with pytest.raises(ProviderUnavailable, match="unreachable"):
        await run("http://127.0.0.1:9", "vector(1)")


@pytest.fixture
def guarded(prom: Prometheus) -> Iterator[str]:
    """A reverse proxy in front of Prometheus that wants 'Bearer s3cret' or basic admin:pw."""

    class Proxy(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if (
                self.headers.get("Authorization") not in ("Bearer s3cret", "Basic YWRtaW46cHc=")
                or self.headers.get("X-Scope-OrgID") != "team-a"
            ):
                self.send_response(401)
                self.end_headers()
                return
            with urllib.request.urlopen(prom.url + self.path, timeout=5) as upstream:
                body = upstream.read()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


async def test_token_basic_auth_and_headers(guarded: str) -> None:
    headers = {"X-Scope-OrgID": ["team-a"]}
    async with httpx.AsyncClient() as client:
        assert (
            await PrometheusProvider(client, guarded, headers=headers, token="s3cret").run_query("vector(1)")
            == 1.0
        )
        basic = PrometheusProvider(client, guarded, headers=headers, username="admin", password="pw")
        assert await basic.run_query("vector(1)") == 1.0
        with pytest.raises(ProviderAuthError):
            await PrometheusProvider(client, guarded, headers=headers, token="wrong").run_query("vector(1)")


async def test_5xx_is_retried_then_unavailable(serve: Callable[..., Server]) -> None:
    server = serve(lambda _p, _n: (503, "overloaded"))
    with pytest.raises(ProviderUnavailable, match="503"):
        await run(server.url, "vector(1)")


def test_constructor_validates() -> None:
    with pytest.raises(ProviderConfigError, match="absolute"):
        PrometheusProvider(httpx.AsyncClient(), "prometheus:9090")
    with pytest.raises(ProviderConfigError, match="both username and password"):
        PrometheusProvider(httpx.AsyncClient(), "http://prometheus:9090", username="admin")
