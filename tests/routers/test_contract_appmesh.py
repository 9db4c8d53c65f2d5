"""providers appmesh (App Mesh v1beta1) and appmesh:v1beta2 pass flagger_py.testing.routers.RouterContract,
loaded through their entry points."""

from __future__ import annotations

from typing import Any

from flagger_py.model.canary import Canary
from flagger_py.plugins import registry
from flagger_py.spi import RouterContext
from flagger_py.testing.objects import MemoryObjects
from flagger_py.testing.routers import RouterContract


def target(namespace: str) -> dict[str, Any]:
    """The Deployment the v1beta2 VirtualNodes take their pod selector label from."""
    labels = {"app": "podinfo"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "podinfo", "namespace": namespace},
        "spec": {"selector": {"matchLabels": labels}, "template": {"metadata": {"labels": labels}}},
    }


class TestAppMesh(RouterContract):
    factory = registry("router").get("appmesh")
    provider = "appmesh"

    def spec(self) -> dict[str, Any]:
        return {"service": {"port": 9898, "meshName": "global"}}

    def taken_over(self, namespace: str) -> list[dict[str, Any]]:
        target = {"virtualNodeName": "podinfo", "weight": 100}
        route = {
            "name": "podinfo",
            "http": {"match": {"prefix": "/"}, "action": {"weightedTargets": [target]}},
        }
        return [
            {
                "apiVersion": "appmesh.k8s.aws/v1beta1",
                "kind": "VirtualService",
                "metadata": {"name": f"podinfo.{namespace}", "namespace": namespace},
                "spec": {"meshName": "global", "virtualRouter": {"name": "podinfo"}, "routes": [route]},
            }
        ]


class TestAppMeshV1Beta2(RouterContract):
    factory = registry("router").get("appmesh:v1beta2")
    provider = "appmesh:v1beta2"

    def seed(self, namespace: str) -> list[dict[str, Any]]:
        return [target(namespace)]

    def taken_over(self, namespace: str) -> list[dict[str, Any]]:
        target = {"virtualNodeRef": {"name": "podinfo"}, "weight": 100}
        route = {
            "name": "podinfo",
            "httpRoute": {"match": {"prefix": "/"}, "action": {"weightedTargets": [target]}},
        }
        listener = {"portMapping": {"port": 9898, "protocol": "http"}}
        return [
            {
                "apiVersion": "appmesh.k8s.aws/v1beta2",
                "kind": "VirtualRouter",
                "metadata": {"name": "podinfo", "namespace": namespace},
                "spec": {"listeners": [listener], "routes": [route]},
            }
        ]


def test_app_mesh_refuses_a_match_it_cannot_route_before_a_bad_retry_setting() -> None:
    for name in ("appmesh", "appmesh:v1beta2"):
        router = registry("router").get(name)(RouterContext(MemoryObjects(), {}))
        canary = Canary.model_validate(
            {
                "metadata": {"name": "podinfo", "namespace": "test"},
                "spec": {
                    "provider": name,
                    "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
                    "service": {
                        "port": 80,
                        "meshName": "global",
                        "retries": {"attempts": 3, "retryOn": "nope"},
                    },
                    "analysis": {
                        "interval": "1m",
                        "threshold": 5,
                        "iterations": 5,
                        "match": [{"queryParams": {"q": {"exact": "1"}}}],
                    },
                },
            }
        )
        assert (router.check(canary) or "").startswith(
            "spec.analysis.match[0]: App Mesh routes A/B traffic by headers only"
        )
