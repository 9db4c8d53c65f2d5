"""The environment itself: a real pod serves through Traefik and is scraped by Prometheus."""

from __future__ import annotations

import uuid

import httpx

from flagger_py.testing.cluster import wait_until
from tests.e2e import app
from tests.e2e.environment import Env
from tests.e2e.traffic import pod_counters


def test_a_pod_on_the_real_node_serves_through_traefik_and_is_scraped(env: Env) -> None:
    ns = f"e-{uuid.uuid4().hex[:6]}"
    env.cluster.create_namespace(ns)
    env.cluster.api.apply(app.deployment(ns, "hello", "v1"))
    env.cluster.api.apply(app.service(ns, "hello"))
    route = {
        "match": f"Host(`{ns}.local`)",
        "kind": "Rule",
        "services": [{"name": "hello", "port": app.PORT}],
    }
    env.cluster.api.apply(
        {
            "apiVersion": "traefik.io/v1alpha1",
            "kind": "IngressRoute",
            "metadata": {"name": "hello", "namespace": ns},
            "spec": {"entryPoints": ["web"], "routes": [route]},
        }
    )
    env.cluster.wait_available(ns, "hello", timeout=120)

    def answered() -> bool:
        r = httpx.get(env.traefik.url, headers={"Host": f"{ns}.local"}, timeout=5)
        return r.status_code == 200 and r.headers.get("X-App-Version") == "v1"

    wait_until("the pod to answer through Traefik", answered, 60, interval=0.5)
    for _ in range(20):
        httpx.get(env.traefik.url, headers={"Host": f"{ns}.local"}, timeout=5)
    assert sum(counts["200"] for counts in pod_counters(env.cluster, ns).values()) >= 21

    def scraped() -> bool:
        result = env.prometheus.query(f'app_requests_total{{kubernetes_namespace="{ns}"}}')["result"]
        return bool(result)

    wait_until("Prometheus to scrape the pod", scraped, 60, interval=0.5)

    def traefik_scraped() -> bool:
        # Traefik is scraped on its own schedule: its series for the new service come when they come.
        series = env.prometheus.query(f'traefik_service_requests_total{{service=~"{ns}-hello-.*"}}')
        return bool(series["result"])

    wait_until("Prometheus to scrape Traefik's per-service counters", traefik_scraped, 60, interval=0.5)
