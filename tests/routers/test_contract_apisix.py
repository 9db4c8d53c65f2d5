"""provider apisix passes flagger_py.testing.routers.RouterContract, loaded through its entry point."""

from __future__ import annotations

from typing import Any

from flagger_py.plugins import registry
from flagger_py.testing.routers import RouterContract
from tests.routers.test_contract import CopiesUserRoute

API = "apisix.apache.org/v2"
ROUTE_REF = {"apiVersion": API, "kind": "ApisixRoute", "name": "app"}


def apisix_route(namespace: str, name: str, backend: str) -> dict[str, Any]:
    """An ApisixRoute as a user writes it (Flagger's newTestApisixRoute, port 9898)."""
    rule = {
        "name": "method",
        "match": {"hosts": ["app.example.com"], "methods": ["GET"], "paths": ["/*"]},
        "plugins": [{"name": "prometheus", "enable": True, "config": {"prefer_name": True}}],
        "backends": [{"serviceName": backend, "servicePort": 9898}],
    }
    return {
        "apiVersion": API,
        "kind": "ApisixRoute",
        "metadata": {"name": name, "namespace": namespace, "labels": {"team": "web"}},
        "spec": {"http": [rule]},
    }


class TestApisix(CopiesUserRoute, RouterContract):
    factory = registry("router").get("apisix")
    provider = "apisix"
    ref_field, ref, copy_name = "routeRef", ROUTE_REF, "app-podinfo-canary"

    def user_route(self, namespace: str, name: str, backend: str) -> dict[str, Any]:
        return apisix_route(namespace, name, backend)
