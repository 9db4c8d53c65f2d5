"""provider gloo passes flagger_py.testing.routers.RouterContract, loaded through its entry point."""

from __future__ import annotations

from typing import Any

from flagger_py.plugins import registry
from flagger_py.testing.routers import RouterContract


def service(namespace: str, name: str, app: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"selector": {"app": app}, "ports": [{"port": 9898, "targetPort": 9898}]},
    }


def services(namespace: str) -> list[dict[str, Any]]:
    """The -primary and -canary Services the controller creates before the router runs."""
    return [
        service(namespace, "podinfo-primary", "podinfo-primary"),
        service(namespace, "podinfo-canary", "podinfo"),
    ]


class TestGloo(RouterContract):
    factory = registry("router").get("gloo")
    provider = "gloo"

    def seed(self, namespace: str) -> list[dict[str, Any]]:
        return services(namespace)

    def taken_over(self, namespace: str) -> list[dict[str, Any]]:
        destination = {"upstream": {"name": "legacy", "namespace": namespace}}
        return [
            {
                "apiVersion": "gateway.solo.io/v1",
                "kind": "RouteTable",
                "metadata": {"name": "podinfo", "namespace": namespace},
                "spec": {"routes": [{"routeAction": {"single": destination}}]},
            }
        ]
