"""provider skipper passes flagger_py.testing.routers.RouterContract, loaded through its entry point."""

from __future__ import annotations

from typing import Any

from flagger_py.plugins import registry
from flagger_py.testing.routers import RouterContract
from tests.routers.test_contract import ingress

INGRESS_REF = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": "app"}


class TestSkipper(RouterContract):
    factory = registry("router").get("skipper")
    provider = "skipper"

    def spec(self) -> dict[str, Any]:
        return {"ingressRef": INGRESS_REF}

    def seed(self, namespace: str) -> list[dict[str, Any]]:
        return [ingress(namespace, "app", "podinfo")]

    def taken_over(self, namespace: str) -> list[dict[str, Any]]:
        return [ingress(namespace, "app-canary", "podinfo-old")]
