"""provider gloo against the real API server with Gloo Edge's CRDs (shared/thirdparty-crds/gloo):
the RouteTable and Upstreams of every strategy are accepted and read back unpruned, weights round
trip, finalize gives a taken-over RouteTable back, and the controller runs a whole release."""

from __future__ import annotations

from typing import Any

import pytest

from flagger_py.testing.cluster import Cluster
from tests.cluster import ingress_routers, kube
from tests.cluster.controller import Controllers
from tests.routers.test_contract_gloo import services

pytestmark = pytest.mark.shared
TABLE = "/apis/gateway.solo.io/v1/namespaces/{ns}/routetables/podinfo"


@pytest.fixture(scope="module")
def gloo_crds(flagger_crds: Cluster) -> Cluster:
    return ingress_routers.install(flagger_crds, "gloo")


def config_upstream(namespace: str) -> dict[str, Any]:
    spec = {
        "loadBalancerConfig": {"roundRobin": {}},
        "circuitBreakers": {"maxConnections": 100},
        "connectionConfig": {"connectTimeout": "1s"},
        "useHttp2": True,
        "sslConfig": {"sni": "podinfo.example.com"},
        "initialStreamWindowSize": 65536,
        "initialConnectionWindowSize": 65536,
        "httpProxyHostname": "proxy.example.com",
        "static": {"hosts": [{"addr": "127.0.0.1", "port": 80}]},
    }
    meta = {"name": "config", "namespace": namespace}
    return {"apiVersion": "gloo.solo.io/v1", "kind": "Upstream", "metadata": meta, "spec": spec}


def test_objects_are_accepted_unpruned_and_follow_the_weights(gloo_crds: Cluster, namespace: str) -> None:
    for obj in [*services(namespace), config_upstream(namespace)]:
        gloo_crds.api.apply(obj)
    ref = {"apiVersion": "gloo.solo.io/v1", "kind": "Upstream", "name": "config"}
    canary = ingress_routers.create_canary(gloo_crds, namespace, "gloo", {"upstreamRef": ref})
    ingress_routers.exercise(gloo_crds, namespace, canary)
    upstream = gloo_crds.api.get(
        f"/apis/gloo.solo.io/v1/namespaces/{namespace}/upstreams/{namespace}-podinfo-canaryupstream-9898"
    )
    assert upstream["spec"]["kube"]["selector"] == {"app": "podinfo"}
    assert upstream["spec"]["circuitBreakers"] == {"maxConnections": 100}
    assert upstream["spec"]["httpProxyHostname"] == "proxy.example.com"
    assert "static" not in upstream["spec"]


def test_finalize_restores_a_pre_existing_route_table(gloo_crds: Cluster, namespace: str) -> None:
    for obj in services(namespace):
        gloo_crds.api.apply(obj)
    destination = {"upstream": {"name": "legacy", "namespace": namespace}}
    mine = {
        "apiVersion": "gateway.solo.io/v1",
        "kind": "RouteTable",
        "metadata": {"name": "podinfo", "namespace": namespace},
        "spec": {"routes": [{"routeAction": {"single": destination}}]},
    }
    canary = ingress_routers.create_canary(gloo_crds, namespace, "gloo", {})
    ingress_routers.finalize_restores(gloo_crds, namespace, canary, mine, "routetables")


def table_weights(cluster: Cluster, ns: str) -> tuple[int, int] | None:
    if not kube.exists(cluster, TABLE.format(ns=ns)):
        return None
    route = cluster.api.get(TABLE.format(ns=ns))["spec"]["routes"][0]
    found = {
        d["destination"]["upstream"]["name"]: d.get("weight", 0)
        for d in route["routeAction"]["multi"]["destinations"]
    }
    return found[f"{ns}-podinfo-primaryupstream-9898"], found[f"{ns}-podinfo-canaryupstream-9898"]


def test_a_release_through_gloo(gloo_crds: Cluster, namespace: str, controllers: Controllers) -> None:
    ingress_routers.release(gloo_crds, namespace, controllers, "gloo", {}, table_weights)
