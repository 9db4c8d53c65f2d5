"""A core Service as the target (``targetRef: {apiVersion: v1, kind: Service}``) with the operator on
the real control plane, through Gateway API: the user's Service ``podinfo`` is the canary's
definition, ``podinfo-canary`` follows it, ``podinfo-primary`` gets its spec on promotion and keeps
it on rollback; the HTTPRoute moves the weights between the two copies. A router that cannot route a
Service target gets Ready=False with the reason. A test thread plays the Gateway controller."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from flagger_py.testing.cluster import Cluster
from tests.cluster import kube, workloads
from tests.cluster.controller import Controllers, eventually, watch_weights
from tests.cluster.test_controller_routers import gateway, gateway_weights
from tests.cluster.test_routers import GATEWAY
from tests.webhooks.server import Server

__all__ = ["gateway"]  # the fixture, used by name

SERVICE = "/api/v1/namespaces/{ns}/services/{name}"


def user_service(ns: str, version: str) -> dict[str, Any]:
    """The user's Service: it selects the pods of one version of the app."""
    ports = [{"name": "http", "port": 9898, "protocol": "TCP", "targetPort": 9898}]
    spec = {"type": "ClusterIP", "selector": {"app": "podinfo", "version": version}, "ports": ports}
    return workloads.manifest("v1", "Service", ns, "podinfo", spec, labels={"app": "podinfo"})


def service_canary(ns: str, provider: str = "gatewayapi:v1", **analysis: Any) -> dict[str, Any]:
    return {
        "apiVersion": "flagger.app/v1beta1",
        "kind": "Canary",
        "metadata": {"name": "podinfo", "namespace": ns},
        "spec": {
            "provider": provider,
            "targetRef": {"apiVersion": "v1", "kind": "Service", "name": "podinfo"},
            "service": {"port": 9898, "gatewayRefs": [GATEWAY]},
            "analysis": {"interval": "1s", "threshold": 2, "stepWeight": 10, "maxWeight": 30, **analysis},
        },
    }


def version(cluster: Cluster, ns: str, name: str) -> str | None:
    """The version a Service selects, None while it does not exist."""
    path = SERVICE.format(ns=ns, name=name)
    if not kube.exists(cluster, path):
        return None
    return str(cluster.api.get(path)["spec"]["selector"].get("version"))


def select(cluster: Cluster, ns: str, new: str) -> None:
    """A new version of the canary: the user's Service selects other pods."""
    kube.patch(cluster, SERVICE.format(ns=ns, name="podinfo"), {"spec": {"selector": {"version": new}}})


def initialized(cluster: Cluster, ns: str, controllers: Controllers, canary: dict[str, Any]) -> None:
    cluster.api.apply(user_service(ns, "v1"))
    cluster.api.apply(canary)
    controllers()
    eventually("Initialized", lambda: kube.phase(cluster, ns) == "Initialized", 60)


def canary_copy_before_traffic(
    cluster: Cluster, ns: str, read: Callable[[Cluster, str], tuple[int, int] | None]
) -> Callable[[], bool]:
    """Record, while a run starts, whether the canary copy ever had weight before it selected v2."""
    seen_early: list[bool] = []

    def check() -> bool:
        weights = read(cluster, ns) or (100, 0)
        if weights[1] > 0 and version(cluster, ns, "podinfo-canary") != "v2":
            seen_early.append(True)
        return weights[1] > 0

    def early() -> bool:
        return bool(seen_early)

    eventually("traffic on the canary", check, 60, interval=0.05)
    return early


def test_a_service_target_is_analysed_through_gateway_api_then_promoted(
    router_crds: Cluster, namespace: str, controllers: Controllers, gateway: None
) -> None:
    cluster, ns = router_crds, namespace
    initialized(cluster, ns, controllers, service_canary(ns))
    primary = kube.service(cluster, ns, "podinfo-primary")
    copy = kube.service(cluster, ns, "podinfo-canary")
    for made in (primary, copy):
        assert made["spec"]["selector"] == {"app": "podinfo", "version": "v1"}
        assert made["spec"]["ports"][0]["port"] == 9898
        (owner,) = made["metadata"]["ownerReferences"]
        assert (owner["kind"], owner["name"]) == ("Canary", "podinfo")
    assert primary["spec"]["clusterIP"] != kube.service(cluster, ns, "podinfo")["spec"]["clusterIP"]
    assert gateway_weights(cluster, ns) == (100, 0)
    assert kube.condition(cluster, ns, "Ready")["status"] == "True"

    seen = watch_weights(lambda: gateway_weights(cluster, ns))
    select(cluster, ns, "v2")
    early = canary_copy_before_traffic(cluster, ns, gateway_weights)
    assert version(cluster, ns, "podinfo-primary") == "v1", "the primary changed before the analysis"
    eventually("Succeeded", lambda: kube.phase(cluster, ns) == "Succeeded", 120)
    assert {10, 20, 30} <= seen(), "the canary weight did not step 10/20/30"
    assert not early(), "traffic reached podinfo-canary before it selected the new version"
    assert gateway_weights(cluster, ns) == (100, 0)
    promoted = kube.service(cluster, ns, "podinfo-primary")
    assert promoted["spec"]["selector"] == {"app": "podinfo", "version": "v2"}
    assert promoted["spec"]["clusterIP"] == primary["spec"]["clusterIP"]  # the same Service, updated
    assert version(cluster, ns, "podinfo") == "v2"  # the user's Service is never written
    messages = kube.messages(cluster, ns)
    assert f"Advance podinfo.{ns} canary weight 30" in messages
    assert not [e for e in kube.events(cluster, ns) if e["type"] == "Warning"], messages


def test_a_failed_service_target_is_rolled_back_and_the_primary_keeps_the_old_spec(
    router_crds: Cluster, namespace: str, controllers: Controllers, gateway: None, serve: Any
) -> None:
    cluster, ns = router_crds, namespace
    state = {"fail": False}
    hooks: Server = serve(lambda _p, _n: (500, "errors") if state["fail"] else (200, "ok"))
    hook = {"name": "gate", "type": "rollout", "url": f"{hooks.url}/gate", "timeout": "2s"}
    initialized(cluster, ns, controllers, service_canary(ns, webhooks=[hook]))
    select(cluster, ns, "v2")
    eventually("traffic on the canary", lambda: (gateway_weights(cluster, ns) or (100, 0))[1] >= 10, 60)
    state["fail"] = True
    eventually("Failed", lambda: kube.phase(cluster, ns) == "Failed", 60)
    assert gateway_weights(cluster, ns) == (100, 0)
    assert version(cluster, ns, "podinfo-primary") == "v1"
    assert version(cluster, ns, "podinfo-canary") == "v2"  # it follows the user's Service
    time.sleep(2)  # steady afterwards: all traffic stays on the primary, which keeps v1
    assert gateway_weights(cluster, ns) == (100, 0)
    assert version(cluster, ns, "podinfo-primary") == "v1"


def test_a_router_that_cannot_route_a_service_target_blocks_the_canary(
    router_crds: Cluster, namespace: str, controllers: Controllers
) -> None:
    cluster, ns = router_crds, namespace
    cluster.api.apply(user_service(ns, "v1"))
    canary = service_canary(ns, provider="nginx")
    canary["spec"]["ingressRef"] = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": "app"}
    cluster.api.apply(canary)
    controllers()
    ready = eventually(
        "Ready=False",
        lambda: (c := kube.condition(cluster, ns, "Ready")) and c["status"] == "False" and c,
        60,
    )
    assert ready["reason"] == "InvalidTarget"
    assert ready["message"].startswith("spec.provider: the nginx router weights only the canary Ingress")
    assert "spec.targetRef.kind Service is released with one of:" in ready["message"]
    assert kube.condition(cluster, ns, "Stalled")["status"] == "True"
    time.sleep(3)  # three more ticks: one Event in all, and nothing generated
    warnings = [e["message"] for e in kube.events(cluster, ns) if e["type"] == "Warning"]
    assert len(warnings) == 1
    assert warnings[0].startswith("InvalidTarget: spec.provider: the nginx router")
    assert not kube.exists(cluster, SERVICE.format(ns=ns, name="podinfo-primary"))
    assert not kube.exists(cluster, SERVICE.format(ns=ns, name="podinfo-canary"))


def test_a_port_the_service_does_not_serve_blocks_the_canary_before_anything_is_generated(
    router_crds: Cluster, namespace: str, controllers: Controllers
) -> None:
    cluster, ns = router_crds, namespace
    cluster.api.apply(user_service(ns, "v1"))
    canary = service_canary(ns)
    canary["spec"]["service"]["port"] = 80
    cluster.api.apply(canary)
    controllers()

    def blocked() -> dict[str, Any] | None:
        found = kube.condition(cluster, ns, "Ready")
        return found if found.get("status") == "False" else None

    ready = eventually("Ready=False", blocked, 60)
    assert ready["reason"] == "InvalidTarget"
    assert ready["message"] == (
        "spec.service.port: Service podinfo has no port 80 (its ports: 9898); "
        "set spec.service.port to the port routers should send to"
    )
    assert not kube.exists(cluster, SERVICE.format(ns=ns, name="podinfo-canary"))
    kube.patch(
        cluster,
        f"/apis/flagger.app/v1beta1/namespaces/{ns}/canaries/podinfo",
        {"spec": {"service": {"port": 9898}}},
    )
    eventually("Initialized once the port is fixed", lambda: kube.phase(cluster, ns) == "Initialized", 60)
