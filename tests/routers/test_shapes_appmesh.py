"""The objects provider appmesh writes (App Mesh v1beta1), field by field against Flagger 1.44's
pkg/router/appmesh.go (AppMeshRouter)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from flagger_py.model.canary import Canary
from flagger_py.model.strategy import Strategy
from flagger_py.spi import Router, Routes
from flagger_py.testing.objects import MemoryObjects
from flagger_py.testing.routers import BASE, merged
from tests.routers import shapes
from tests.routers.shapes import FLUX, NS

API = "appmesh.k8s.aws/v1beta1"
SERVICE = {
    "port": 9898,
    "meshName": "global",
    "hosts": ["*"],
    "backends": ["backend.default"],
    "timeout": "30s",
    "retries": {"attempts": 5, "perTryTimeout": "5s", "retryOn": "gateway-error,server-error"},
}


def canary(strategy: Strategy = "canary", annotations: dict[str, str] | None = None, **spec: Any) -> Canary:
    return shapes.canary("appmesh", strategy, annotations=annotations, **{"service": SERVICE, **spec})


def ab_canary(ab: list[dict[str, Any]], **service: Any) -> Canary:
    body = merged(BASE, {"provider": "appmesh", "service": {**SERVICE, **service}})
    body["analysis"] = {"interval": "1m", "threshold": 1, "iterations": 2, "match": ab}
    return Canary.model_validate({"metadata": {"name": "podinfo", "namespace": NS}, "spec": body})


def ours(meta: dict[str, Any]) -> dict[str, str]:
    """The annotations Flagger would write: without flagger-py's digest of the applied object."""
    return {k: v for k, v in (meta.get("annotations") or {}).items() if k != "flagger-py.app/applied"}


def appmesh(objects: MemoryObjects) -> Router:
    return shapes.router("appmesh", objects)


def written(c: Canary, routes: Routes) -> MemoryObjects:
    return shapes.release("appmesh", c, routes)


def targets(canary: int, primary: int) -> list[dict[str, Any]]:
    """The weighted targets of a route as Flagger writes them: the canary's node, then the primary's."""
    return [
        {"virtualNodeName": "podinfo-canary", "weight": canary},
        {"virtualNodeName": "podinfo-primary", "weight": primary},
    ]


def obj(objects: MemoryObjects, kind: str, name: str) -> dict[str, Any]:
    return shapes.written(objects, kind, name, API)


def test_virtual_nodes_as_reconcile_virtual_node_writes_them() -> None:
    """reconcileVirtualNode(apex, primaryHost), (primary, primaryHost), (canary, canaryHost)."""
    c = canary(annotations={"appmesh.flagger.app/accesslog": "enabled"})
    objects = written(c, Routes(100, 0))
    hosts = {
        "podinfo": "podinfo-primary",
        "podinfo-primary": "podinfo-primary",
        "podinfo-canary": "podinfo-canary",
    }
    for name, host in hosts.items():
        node = obj(objects, "VirtualNode", name)
        assert node["spec"] == {
            "meshName": "global",
            "listeners": [{"portMapping": {"port": 9898, "protocol": "http"}}],
            "serviceDiscovery": {"dns": {"hostName": f"{host}.{NS}"}},
            "backends": [{"virtualService": {"virtualServiceName": "backend.default"}}],
            "logging": {"accessLog": {"file": {"path": "/dev/stdout"}}},
        }
        annotations = node["metadata"]["annotations"]
        assert {k: annotations[k] for k in FLUX} == FLUX
        assert node["metadata"]["ownerReferences"][0]["kind"] == "Canary"


def test_apex_virtual_service_carries_the_weighted_route_retries_and_gateway_annotations() -> None:
    """reconcileVirtualService(apex.namespace, 0), then SetRoutes replaces routes[0].http.action."""
    vs = obj(written(canary(), Routes(60, 40)), "VirtualService", f"podinfo.{NS}")
    retry = {
        "perRetryTimeoutMillis": 5000,
        "maxRetries": 5,
        "httpRetryEvents": ["gateway-error", "server-error"],
    }
    assert vs["spec"] == {
        "meshName": "global",
        "virtualRouter": {
            "name": "podinfo",
            "listeners": [{"portMapping": {"port": 9898, "protocol": "http"}}],
        },
        "routes": [
            {
                "name": "podinfo",
                "http": {
                    "match": {"prefix": "/"},
                    "action": {"weightedTargets": targets(40, 60)},
                    "retryPolicy": retry,
                },
            }
        ],
    }
    assert ours(vs["metadata"]) == {
        "gateway.appmesh.k8s.aws/expose": "true",
        "gateway.appmesh.k8s.aws/domain": "*,",
        "gateway.appmesh.k8s.aws/timeout": "30s",
        "gateway.appmesh.k8s.aws/retries": "5",
    }


def test_canary_virtual_service_sends_everything_to_the_canary() -> None:
    """reconcileVirtualService(apex-canary.namespace, 100): router and route named <apex>-canary."""
    vs = obj(written(canary(), Routes(60, 40)), "VirtualService", f"podinfo-canary.{NS}")
    assert vs["spec"]["virtualRouter"]["name"] == "podinfo-canary"
    (route,) = vs["spec"]["routes"]
    assert route["name"] == "podinfo-canary"
    assert route["http"]["action"]["weightedTargets"] == targets(100, 0)
    assert ours(vs["metadata"]) == {}


def test_ab_testing_routes_a_with_the_headers_and_the_weights_then_b_to_the_primary() -> None:
    """The A/B branch of reconcileVirtualService (priorities 10 and 20, makeHeaders)."""
    headers = {"x-user": {"exact": "insider"}, "user-agent": {"regex": ".*Chrome.*"}}
    c = ab_canary([{"headers": headers}], match=[{"uri": {"prefix": "/api"}}], retries=None)
    vs = obj(written(c, Routes(0, 100)), "VirtualService", f"podinfo.{NS}")
    a, b = vs["spec"]["routes"]
    assert a == {
        "name": "podinfo-a",
        "priority": 10,
        "http": {
            "match": {
                "prefix": "/api",
                "headers": [
                    {"name": "x-user", "match": {"exact": "insider"}},
                    {"name": "user-agent", "match": {"regex": ".*Chrome.*"}},
                ],
            },
            "action": {"weightedTargets": targets(100, 0)},
        },
    }
    assert b == {
        "name": "podinfo-b",
        "priority": 20,
        "http": {
            "match": {"prefix": "/api"},
            "action": {"weightedTargets": [{"virtualNodeName": "podinfo-primary", "weight": 100}]},
        },
    }
    assert asyncio.run(appmesh(written(c, Routes(0, 100))).get_routes(c)) == Routes(0, 100)


def test_grpc_port_names_and_default_retries() -> None:
    """getProtocol: grpc when portName contains grpc; makeRetryPolicy: 250 ms, 1 attempt, gateway-error."""
    c = canary(service={**SERVICE, "portName": "grpc-web", "retries": {"attempts": 0}})
    objects = written(c, Routes(100, 0))
    node = obj(objects, "VirtualNode", "podinfo-primary")
    assert node["spec"]["listeners"] == [{"portMapping": {"port": 9898, "protocol": "grpc"}}]
    (route,) = obj(objects, "VirtualService", f"podinfo.{NS}")["spec"]["routes"]
    assert route["http"]["retryPolicy"] == {
        "perRetryTimeoutMillis": 250,
        "maxRetries": 1,
        "httpRetryEvents": ["gateway-error"],
    }


@pytest.mark.parametrize(
    ("service", "field"),
    [
        ({"meshName": None}, "spec.service.meshName"),
        ({"retries": {"perTryTimeout": "gateway-error"}}, "spec.service.retries.perTryTimeout"),
        ({"retries": {"retryOn": "5s"}}, "spec.service.retries.retryOn"),
        ({"retries": {"perTryTimeout": "-1s"}}, "spec.service.retries.perTryTimeout"),
    ],
)
def test_what_flagger_would_drop_or_send_broken_is_refused(service: dict[str, Any], field: str) -> None:
    """Flagger's own test canary swaps perTryTimeout and retryOn; Flagger then silently retries after
    250 ms on an event App Mesh does not know. check() names the field instead."""
    c = canary(service={**SERVICE, **service})
    why = appmesh(MemoryObjects()).check(c)
    assert why is not None
    assert why.startswith(f"{field}:"), why


@pytest.mark.parametrize(
    "match",
    [
        [{"headers": {"a": {"exact": "1"}}}, {"headers": {"b": {"exact": "2"}}}],
        [{"queryParams": {"a": {"exact": "1"}}}],
    ],
)
def test_ab_matches_app_mesh_cannot_route_are_refused(match: list[dict[str, Any]]) -> None:
    c = ab_canary(match)
    assert (appmesh(MemoryObjects()).check(c) or "").startswith("spec.analysis.match")


@pytest.mark.parametrize("strategy", ["canary", "blue/green", "a/b testing"])
def test_each_strategy_round_trips(strategy: Strategy) -> None:
    c = canary(strategy)
    assert appmesh(MemoryObjects()).check(c) is None
    for routes in (Routes(90, 10), Routes(0, 100), Routes(100, 0)):
        assert asyncio.run(appmesh(written(c, routes)).get_routes(c)) == routes
