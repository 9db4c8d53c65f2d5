"""The objects provider appmesh:v1beta2 writes, field by field against Flagger 1.44's
pkg/router/appmesh_v1beta2.go (AppMeshv1beta2Router) and its test."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from flagger_py.errors import RouterError
from flagger_py.model.canary import Canary
from flagger_py.model.strategy import Strategy
from flagger_py.spi import Router, Routes
from flagger_py.testing.objects import MemoryObjects
from tests.routers import shapes
from tests.routers.shapes import FLUX, NS
from tests.routers.test_shapes_appmesh import ours

API = "appmesh.k8s.aws/v1beta2"
ARN = "arn:aws:appmesh:eu-west-1:12345678910:mesh/my-mesh/virtualService/mytestservice"
SERVICE = {
    "port": 80,
    "targetPort": 9898,
    "hosts": ["app.example.com", "*"],
    "backends": ["backend.default", ARN],
    "timeout": "30s",
    "retries": {"attempts": 5, "perTryTimeout": "1.5s"},
}


def deployment(selector: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "podinfo", "namespace": NS},
        "spec": {"selector": {"matchLabels": selector}},
    }


def canary(strategy: Strategy = "canary", annotations: dict[str, str] | None = None, **spec: Any) -> Canary:
    return shapes.canary("appmesh:v1beta2", strategy, annotations=annotations, **{"service": SERVICE, **spec})


def v1beta2(objects: MemoryObjects, **options: str) -> Router:
    return shapes.router("appmesh:v1beta2", objects, **options)


def written(
    c: Canary, routes: Routes, selector: dict[str, str] | None = None, **options: str
) -> MemoryObjects:
    return shapes.release(
        "appmesh:v1beta2", c, routes, [deployment(selector or {"app": "podinfo"})], options=options
    )


MS_1500 = {"unit": "ms", "value": 1500}
MS_30000 = {"unit": "ms", "value": 30000}


def targets(canary: int, primary: int) -> list[dict[str, Any]]:
    """The weighted targets of a route as Flagger writes them: the canary's node, then the primary's."""
    return [
        {"virtualNodeRef": {"name": "podinfo-canary"}, "weight": canary},
        {"virtualNodeRef": {"name": "podinfo-primary"}, "weight": primary},
    ]


def obj(objects: MemoryObjects, kind: str, name: str) -> dict[str, Any]:
    return shapes.written(objects, kind, name, API)


def test_virtual_nodes_select_the_primary_and_canary_pods() -> None:
    """reconcileVirtualNode(primary, <target>-primary, ...svc.cluster.local.) and (canary, <target>, ...);
    no apex node (Flagger's code has it commented out)."""
    c = canary(annotations={"appmesh.flagger.app/accesslog": "enabled"})
    objects = written(c, Routes(100, 0))
    assert objects.find(API, "VirtualNode", NS, "podinfo") is None
    for name, selected in (("podinfo-primary", "podinfo-primary"), ("podinfo-canary", "podinfo")):
        node = obj(objects, "VirtualNode", name)
        assert node["spec"] == {
            "listeners": [
                {
                    "portMapping": {"port": 9898, "protocol": "http"},
                    "timeout": {"http": {"perRequest": {"unit": "ms", "value": 30000}}},
                }
            ],
            "serviceDiscovery": {"dns": {"hostname": f"{name}.{NS}.svc.cluster.local."}},
            "podSelector": {"matchLabels": {"app": selected}},
            "logging": {"accessLog": {"file": {"path": "/dev/stdout"}}},
            "backends": [
                {"virtualService": {"virtualServiceRef": {"name": "backend.default"}}},
                {"virtualService": {"virtualServiceARN": ARN}},
            ],
        }
        assert ours(node["metadata"]) == FLUX


def test_the_pod_selector_key_is_the_targets_selector_label() -> None:
    """Flagger passes the selector label found on the target (GetMetadata) as labelSelector."""
    objects = written(canary(), Routes(100, 0), {"app.kubernetes.io/name": "podinfo"})
    node = obj(objects, "VirtualNode", "podinfo-primary")
    assert node["spec"]["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": "podinfo-primary"}}
    custom = written(canary(), Routes(100, 0), {"team": "x", "role": "y"}, **{"selector-labels": "role"})
    assert obj(custom, "VirtualNode", "podinfo-canary")["spec"]["podSelector"] == {
        "matchLabels": {"role": "podinfo"}
    }
    with pytest.raises(RouterError, match="has none of the selector labels app, name"):
        written(canary(), Routes(100, 0), {"team": "x"})


def test_apex_virtual_router_has_the_weighted_route_with_timeout_and_retries() -> None:
    """reconcileVirtualRouter(apex, 0), makeRouteTimeout, makeRetryPolicy; SetRoutes replaces the action."""
    router = obj(written(canary(), Routes(60, 40)), "VirtualRouter", "podinfo")
    retries = {"httpRetryEvents": ["gateway-error"], "maxRetries": 5, "perRetryTimeout": MS_1500}
    weighted = {
        "match": {"prefix": "/"},
        "action": {"weightedTargets": targets(40, 60)},
        "timeout": {"perRequest": MS_30000},
        "retryPolicy": retries,
    }
    listeners = [{"portMapping": {"port": 9898, "protocol": "http"}}]
    assert router["spec"] == {"listeners": listeners, "routes": [{"name": "podinfo", "httpRoute": weighted}]}
    assert ours(router["metadata"]) == {}


def test_virtual_services_are_provided_by_their_routers_and_the_apex_one_has_the_gateway_annotations() -> (
    None
):
    """The VirtualService created with each VirtualRouter; gatewayAnnotations on the apex one."""
    objects = written(canary(), Routes(100, 0))
    apex = obj(objects, "VirtualService", "podinfo")
    assert apex["spec"] == {"provider": {"virtualRouter": {"virtualRouterRef": {"name": "podinfo"}}}}
    assert ours(apex["metadata"]) == {
        "gateway.appmesh.k8s.aws/expose": "true",
        "gateway.appmesh.k8s.aws/domain": "app.example.com,*,",
        "gateway.appmesh.k8s.aws/timeout": "30s",
        "gateway.appmesh.k8s.aws/retries": "5",
    }
    side = obj(objects, "VirtualService", "podinfo-canary")
    assert side["spec"] == {"provider": {"virtualRouter": {"virtualRouterRef": {"name": "podinfo-canary"}}}}
    assert ours(side["metadata"]) == {}
    canary_router = obj(objects, "VirtualRouter", "podinfo-canary")
    (route,) = canary_router["spec"]["routes"]
    assert route["name"] == "podinfo-canary"
    assert route["httpRoute"]["action"]["weightedTargets"] == targets(100, 0)


def test_ab_testing_header_route_then_primary_route() -> None:
    """TestAppmesv1beta2hRouter_ABTest: two routes, the headers of the match on the first."""
    c = canary("a/b testing", service={**SERVICE, "timeout": None, "retries": None})
    objects = written(c, Routes(0, 100))
    a, b = obj(objects, "VirtualRouter", "podinfo")["spec"]["routes"]
    insiders = {"prefix": "/", "headers": [{"name": "x-canary", "match": {"exact": "insider"}}]}
    everyone = {"prefix": "/"}
    assert (a["name"], a["priority"]) == ("podinfo-a", 10)
    assert a["httpRoute"] == {"match": insiders, "action": {"weightedTargets": targets(100, 0)}}
    assert (b["name"], b["priority"]) == ("podinfo-b", 20)
    primary = [{"virtualNodeRef": {"name": "podinfo-primary"}, "weight": 100}]
    assert b["httpRoute"] == {"match": everyone, "action": {"weightedTargets": primary}}
    assert set(a) == set(b) == {"name", "priority", "httpRoute"}
    (side,) = obj(objects, "VirtualRouter", "podinfo-canary")["spec"]["routes"]
    assert side["name"] == "podinfo-canary"  # the canary router has no A/B routes


def test_a_named_target_port_falls_back_to_the_service_port() -> None:
    """getContainerPort: targetPort.IntVal > 0, else the port."""
    c = canary(service={"port": 8080, "targetPort": "http"})
    node = obj(written(c, Routes(100, 0)), "VirtualNode", "podinfo-primary")
    assert node["spec"]["listeners"] == [{"portMapping": {"port": 8080, "protocol": "http"}}]


@pytest.mark.parametrize(
    ("service", "field"),
    [
        ({"timeout": "thirty seconds"}, "spec.service.timeout"),
        ({"retries": {"perTryTimeout": "gateway-error"}}, "spec.service.retries.perTryTimeout"),
        ({"retries": {"retryOn": "5xx"}}, "spec.service.retries.retryOn"),
    ],
)
def test_durations_and_retry_events_app_mesh_cannot_take_are_refused(
    service: dict[str, Any], field: str
) -> None:
    why = v1beta2(MemoryObjects()).check(canary(service={**SERVICE, **service}))
    assert why is not None
    assert why.startswith(f"{field}:"), why


def test_mesh_name_is_not_needed() -> None:
    assert v1beta2(MemoryObjects()).check(canary()) is None


@pytest.mark.parametrize("strategy", ["canary", "blue/green", "a/b testing"])
def test_each_strategy_round_trips(strategy: Strategy) -> None:
    c = canary(strategy)
    for routes in (Routes(90, 10), Routes(0, 100), Routes(100, 0)):
        objects = written(c, routes)
        assert asyncio.run(v1beta2(objects).get_routes(c)) == routes


@pytest.mark.parametrize("strategy", ["traffic mirroring", "session affinity"])
def test_mirroring_and_session_affinity_are_refused(strategy: Strategy) -> None:
    why = v1beta2(MemoryObjects()).check(canary(strategy))
    assert why is not None
    assert "provider appmesh:v1beta2 cannot do" in why
