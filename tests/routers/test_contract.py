"""Every built-in router passes flagger_py.testing.routers.RouterContract, loaded through its entry
point exactly as the controller loads it."""

from __future__ import annotations

from typing import Any, ClassVar

from flagger_py.plugins import registry
from flagger_py.testing.objects import MemoryObjects
from flagger_py.testing.routers import RouterContract

ROUTERS = registry("router")
GATEWAY = {"name": "public", "namespace": "gateways"}


def ingress(namespace: str, name: str, backend: str) -> dict[str, Any]:
    path = {
        "path": "/",
        "pathType": "Prefix",
        "backend": {"service": {"name": backend, "port": {"number": 9898}}},
    }
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "annotations": {"kubernetes.io/ingress.class": "nginx"},
        },
        "spec": {"rules": [{"host": "app.example.com", "http": {"paths": [path]}}]},
    }


def accept_http_routes(objects: MemoryObjects) -> None:
    """Play a Gateway controller: every parent accepts every HTTPRoute's current generation."""
    for (_, kind, _, _), obj in objects.objects.items():
        if kind != "HTTPRoute":
            continue
        generation = obj["metadata"].get("generation", 1)
        condition = {
            "type": "Accepted",
            "status": "True",
            "reason": "Accepted",
            "observedGeneration": generation,
        }
        parents = [
            {"parentRef": ref, "controllerName": "example.com/gateway", "conditions": [condition]}
            for ref in obj["spec"].get("parentRefs") or ()
        ]
        obj["status"] = {"parents": parents}


class TestKubernetes(RouterContract):
    factory = ROUTERS.get("kubernetes")
    provider = "kubernetes"
    splits_traffic = False


class TestIstio(RouterContract):
    factory = ROUTERS.get("istio")
    provider = "istio"

    def taken_over(self, namespace: str) -> list[dict[str, Any]]:
        route = [{"destination": {"host": "podinfo"}}]
        return [
            {
                "apiVersion": "networking.istio.io/v1",
                "kind": "VirtualService",
                "metadata": {"name": "podinfo", "namespace": namespace},
                "spec": {"hosts": ["podinfo"], "http": [{"route": route, "timeout": "3s"}]},
            }
        ]


class TestGatewayAPIV1(RouterContract):
    factory = ROUTERS.get("gatewayapi:v1")
    provider = "gatewayapi:v1"
    api = "gateway.networking.k8s.io/v1"

    def spec(self) -> dict[str, Any]:
        return {"service": {"port": 9898, "gatewayRefs": [GATEWAY], "hosts": ["app.example.com"]}}

    def accept(self, objects: MemoryObjects) -> None:
        accept_http_routes(objects)

    def taken_over(self, namespace: str) -> list[dict[str, Any]]:
        backend = {"name": "podinfo", "port": 9898}
        return [
            {
                "apiVersion": self.api,
                "kind": "HTTPRoute",
                "metadata": {"name": "podinfo", "namespace": namespace},
                "spec": {"parentRefs": [GATEWAY], "rules": [{"backendRefs": [backend]}]},
            }
        ]


class TestGatewayAPIV1Beta1(TestGatewayAPIV1):
    factory = ROUTERS.get("gatewayapi:v1beta1")
    provider = "gatewayapi:v1beta1"
    api = "gateway.networking.k8s.io/v1beta1"


class TestLinkerd(RouterContract):
    factory = ROUTERS.get("linkerd")
    provider = "linkerd"


class TestOSM(RouterContract):
    factory = ROUTERS.get("osm")
    provider = "osm"


class TestSMIV1Alpha1(RouterContract):
    factory = ROUTERS.get("smi:v1alpha1")
    provider = "smi:v1alpha1"


class TestSMIV1Alpha2(RouterContract):
    factory = ROUTERS.get("smi:v1alpha2")
    provider = "smi:v1alpha2"


class TestSMIV1Alpha3(RouterContract):
    factory = ROUTERS.get("smi:v1alpha3")
    provider = "smi:v1alpha3"


class TestNginx(RouterContract):
    factory = ROUTERS.get("nginx")
    provider = "nginx"

    def spec(self) -> dict[str, Any]:
        return {"ingressRef": {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": "app"}}

    def seed(self, namespace: str) -> list[dict[str, Any]]:
        return [ingress(namespace, "app", "podinfo")]

    def taken_over(self, namespace: str) -> list[dict[str, Any]]:
        return [ingress(namespace, "app-canary", "podinfo-old")]


class TestContour(RouterContract):
    factory = ROUTERS.get("contour")
    provider = "contour"
    options: ClassVar[dict[str, str]] = {"ingress-class": "contour"}


class TestTraefik(RouterContract):
    factory = ROUTERS.get("traefik")
    provider = "traefik"


def test_every_built_in_router_runs_the_contract() -> None:
    covered = {cls.provider for cls in RouterContract.__subclasses__()} | {"gatewayapi:v1beta1"}
    assert covered == set(ROUTERS.names())
