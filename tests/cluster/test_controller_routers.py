"""Whole releases through a mesh router with the operator: Istio and Gateway API move the weights
10/20/30 while the state machine advances, promote, and give all traffic back to the primary on
rollback. A test thread plays the Gateway controller (it accepts every HTTPRoute generation)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from flagger_py.testing.cluster import Cluster
from tests.cluster import kube, workloads
from tests.cluster.controller import Controllers, eventually, playing, promoted_in_steps
from tests.cluster.test_routers import GATEWAY, accept_http_routes
from tests.webhooks.server import Server

VS = "/apis/networking.istio.io/v1/namespaces/{ns}/virtualservices/podinfo"
ROUTE = "/apis/gateway.networking.k8s.io/v1/namespaces/{ns}/httproutes/podinfo"


def istio_weights(cluster: Cluster, ns: str) -> tuple[int, int] | None:
    def by_host(vs: Any) -> dict[str, int]:
        (rule,) = vs["spec"]["http"]
        return {d["destination"]["host"]: d["weight"] for d in rule["route"]}

    return kube.weights_at(cluster, VS.format(ns=ns), by_host)


def gateway_weights(cluster: Cluster, ns: str) -> tuple[int, int] | None:
    def by_name(route: Any) -> dict[str, int]:
        (rule,) = route["spec"]["rules"]
        return {b["name"]: b["weight"] for b in rule["backendRefs"]}

    return kube.weights_at(cluster, ROUTE.format(ns=ns), by_name)


ROUTERS: dict[str, tuple[dict[str, Any], Callable[[Cluster, str], tuple[int, int] | None]]] = {
    "istio": ({"port": 9898}, istio_weights),
    "gatewayapi:v1": ({"port": 9898, "gatewayRefs": [GATEWAY]}, gateway_weights),
}


@pytest.fixture
def gateway(router_crds: Cluster, namespace: str) -> Iterator[None]:
    """A Gateway controller for the test's namespace: accepts every HTTPRoute, every 0.2 s."""
    with playing(lambda: accept_http_routes(router_crds, namespace)):
        yield


def release(cluster: Cluster, ns: str, provider: str, analysis: dict[str, Any]) -> None:
    service, _ = ROUTERS[provider]
    cluster.api.apply(workloads.deployment(ns, replicas=1, image="podinfo:6.0.0"))
    canary = workloads.canary(ns, interval="1s", threshold=2, stepWeight=10, maxWeight=30, **analysis)
    canary["spec"] |= {"provider": provider, "service": service}
    cluster.api.apply(canary)


@pytest.mark.parametrize("provider", sorted(ROUTERS))
def test_weights_step_up_then_promote(
    router_crds: Cluster, namespace: str, controllers: Controllers, gateway: None, provider: str
) -> None:
    cluster, ns = router_crds, namespace
    _, read = ROUTERS[provider]
    release(cluster, ns, provider, {})
    controllers()
    promoted_in_steps(cluster, ns, lambda: read(cluster, ns))
    messages = kube.messages(cluster, ns)
    assert f"Advance podinfo.{ns} canary weight 30" in messages


@pytest.mark.parametrize("provider", sorted(ROUTERS))
def test_a_rollback_returns_all_traffic_to_the_primary(
    router_crds: Cluster,
    namespace: str,
    controllers: Controllers,
    gateway: None,
    provider: str,
    serve: object,
) -> None:
    cluster, ns = router_crds, namespace
    _, read = ROUTERS[provider]
    state = {"fail": False}
    hooks: Server = serve(lambda _p, _n: (500, "errors") if state["fail"] else (200, "ok"))  # type: ignore[operator]
    hook = {"name": "gate", "type": "rollout", "url": f"{hooks.url}/gate", "timeout": "2s"}
    release(cluster, ns, provider, {"webhooks": [hook]})
    controllers()
    eventually("Initialized", lambda: kube.phase(cluster, ns) == "Initialized", 60)
    kube.set_image(cluster, ns, "Deployment", "podinfo", "podinfo:6.0.1")
    eventually("traffic on the canary", lambda: (read(cluster, ns) or (100, 0))[1] >= 10, 60)
    state["fail"] = True
    eventually("Failed", lambda: kube.phase(cluster, ns) == "Failed", 60)
    assert read(cluster, ns) == (100, 0)
    assert kube.image(kube.deployment(cluster, ns, "podinfo-primary")) == "podinfo:6.0.0"
    time.sleep(2)  # steady afterwards: the route stays all-primary
    assert read(cluster, ns) == (100, 0)
