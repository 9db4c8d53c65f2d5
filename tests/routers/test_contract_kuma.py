"""provider kuma passes flagger_py.testing.routers.RouterContract, loaded through its entry point."""

from __future__ import annotations

from typing import Any

from flagger_py.plugins import registry
from flagger_py.testing.routers import RouterContract


class TestKuma(RouterContract):
    factory = registry("router").get("kuma")
    provider = "kuma"

    def taken_over(self, namespace: str) -> list[dict[str, Any]]:
        split = [{"weight": 100, "destination": {"kuma.io/service": f"podinfo_{namespace}_svc_9898"}}]
        return [
            {
                "apiVersion": "kuma.io/v1alpha1",
                "kind": "TrafficRoute",
                "mesh": "default",
                "metadata": {"name": "podinfo"},
                "spec": {
                    "sources": [{"match": {"kuma.io/service": "*"}}],
                    "destinations": [{"match": {"kuma.io/service": f"podinfo_{namespace}_svc_9898"}}],
                    "conf": {"split": split},
                },
            }
        ]
