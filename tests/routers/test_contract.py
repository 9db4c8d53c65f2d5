"""Every built-in router passes flagger_py.testing.routers.RouterContract, loaded through its entry
point exactly as the controller loads it."""

from __future__ import annotations

import importlib
from pathlib import Path
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


def needing_nothing(name: str) -> type[RouterContract]:
    """The contract of router ``name`` on a Canary that has nothing but the provider name."""

    class Contract(RouterContract):
        factory = ROUTERS.get(name)
        provider = name

    Contract.__name__ = Contract.__qualname__ = f"Test[{name}]"
    return Contract


TestLinkerd = needing_nothing("linkerd")
TestOSM = needing_nothing("osm")
TestSMIV1Alpha1 = needing_nothing("smi:v1alpha1")
TestSMIV1Alpha2 = needing_nothing("smi:v1alpha2")
TestSMIV1Alpha3 = needing_nothing("smi:v1alpha3")


class CopiesUserRoute:
    """The hooks of a router that copies a route object its user wrote, named by ``spec.<ref_field>``
    (nginx, skipper, apisix): the user's object exists, and a stale copy is what it takes over."""

    ref_field: ClassVar[str]
    ref: ClassVar[dict[str, str]]
    copy_name: ClassVar[str]

    def user_route(self, namespace: str, name: str, backend: str) -> dict[str, Any]:
        return ingress(namespace, name, backend)

    def spec(self) -> dict[str, Any]:
        return {self.ref_field: self.ref}

    def seed(self, namespace: str) -> list[dict[str, Any]]:
        return [self.user_route(namespace, "app", "podinfo")]

    def taken_over(self, namespace: str) -> list[dict[str, Any]]:
        return [self.user_route(namespace, self.copy_name, "podinfo-old")]


INGRESS_REF = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": "app"}


class TestNginx(CopiesUserRoute, RouterContract):
    factory = ROUTERS.get("nginx")
    provider = "nginx"
    ref_field, ref, copy_name = "ingressRef", INGRESS_REF, "app-canary"


class TestContour(RouterContract):
    factory = ROUTERS.get("contour")
    provider = "contour"
    options: ClassVar[dict[str, str]] = {"ingress-class": "contour"}


class TestTraefik(RouterContract):
    factory = ROUTERS.get("traefik")
    provider = "traefik"


def test_every_built_in_router_runs_the_contract() -> None:
    for module in sorted(Path(__file__).parent.glob("test_contract_*.py")):
        importlib.import_module(f"tests.routers.{module.stem}")
    covered: set[str] = set()
    classes: list[type[RouterContract]] = [RouterContract]
    while classes:
        below = classes.pop().__subclasses__()
        covered |= {cls.provider for cls in below}
        classes += below
    assert covered == set(ROUTERS.names())
