"""Reading what the controller did, through the test's own API client."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from flagger_py.testing.cluster import Cluster


def canary(cluster: Cluster, namespace: str, name: str = "podinfo") -> Any:
    return cluster.api.get(f"/apis/flagger.app/v1beta1/namespaces/{namespace}/canaries/{name}")


def status(cluster: Cluster, namespace: str, name: str = "podinfo") -> dict[str, Any]:
    return canary(cluster, namespace, name).get("status") or {}


def phase(cluster: Cluster, namespace: str, name: str = "podinfo") -> str:
    return str(status(cluster, namespace, name).get("phase", ""))


def condition(cluster: Cluster, namespace: str, kind: str, name: str = "podinfo") -> dict[str, Any]:
    found = [c for c in status(cluster, namespace, name).get("conditions") or () if c["type"] == kind]
    return found[0] if found else {}


def deployment(cluster: Cluster, namespace: str, name: str) -> Any:
    return cluster.api.get(f"/apis/apps/v1/namespaces/{namespace}/deployments/{name}")


def service(cluster: Cluster, namespace: str, name: str) -> Any:
    return cluster.api.get(f"/api/v1/namespaces/{namespace}/services/{name}")


def exists(cluster: Cluster, path: str) -> bool:
    return cluster.api.request("GET", path).status_code == 200


def events(cluster: Cluster, namespace: str, name: str = "podinfo") -> list[dict[str, Any]]:
    """The Events recorded on the Canary, oldest first."""
    found = cluster.api.get(
        f"/api/v1/namespaces/{namespace}/events",
        fieldSelector=f"involvedObject.kind=Canary,involvedObject.name={name}",
    )["items"]
    return sorted(found, key=lambda e: (e.get("firstTimestamp") or "", e["metadata"]["name"]))


def messages(cluster: Cluster, namespace: str, name: str = "podinfo") -> list[str]:
    return [e["message"] for e in events(cluster, namespace, name)]


def weights_at(
    cluster: Cluster, path: str, by_backend: Callable[[Any], Mapping[str, int]]
) -> tuple[int, int] | None:
    """The (primary, canary) weights of the route at ``path``, which ``by_backend`` reads by backend
    name; None while there is no such route."""
    if not exists(cluster, path):
        return None
    found = by_backend(cluster.api.get(path))
    return found["podinfo-primary"], found["podinfo-canary"]


def image(obj: Mapping[str, Any]) -> str:
    return str(obj["spec"]["template"]["spec"]["containers"][0]["image"])


def set_image(cluster: Cluster, namespace: str, kind: str, name: str, image: str) -> None:
    plural = {"Deployment": "deployments", "DaemonSet": "daemonsets"}[kind]
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": image}]}}}}
    path = f"/apis/apps/v1/namespaces/{namespace}/{plural}/{name}"
    cluster.api.request(
        "PATCH", path, patch, content_type="application/strategic-merge-patch+json"
    ).raise_for_status()


async def until(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    """The first true value of ``check``, polled every 50 ms (a TimeoutError after ``timeout`` s)."""
    async with asyncio.timeout(timeout):
        while True:
            value = check()
            if value:
                return value
            await asyncio.sleep(0.05)


def patch(cluster: Cluster, path: str, body: dict[str, Any]) -> Any:
    return cluster.api.merge_patch(path, body)


def service_account_token(cluster: Cluster, namespace: str, name: str) -> str:
    """A short-lived token of a ServiceAccount (the TokenRequest API, as the kubelet gets one)."""
    response = cluster.api.request(
        "POST",
        f"/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token",
        {
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "TokenRequest",
            "spec": {"expirationSeconds": 3600},
        },
    )
    response.raise_for_status()
    return str(response.json()["status"]["token"])


def kubeconfig_for(cluster: Cluster, token: str, path: Path) -> Path:
    """A kubeconfig that authenticates with ``token``."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": cluster.server, "insecure-skip-tls-verify": True}}],
        "users": [{"name": "u", "user": {"token": token}}],
        "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "c",
    }
    path.write_text(yaml.safe_dump(config))
    return path
