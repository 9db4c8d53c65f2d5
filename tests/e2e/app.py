"""The test application's objects: a Deployment of fpy-app (one version, optional injected faults),
its Service, and how a test reads what each of its pods served (their own counters)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flagger_py.testing.cluster import Cluster

from .images import APP_IMAGE

PORT = 9898


def deployment(
    namespace: str,
    name: str,
    version: str,
    *,
    error_rate: float = 0.0,
    latency: str = "0s",
    replicas: int = 1,
) -> dict[str, Any]:
    """fpy-app ``version``; ``error_rate`` of its requests to / answer 500, each takes ``latency`` more."""
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {
                    "labels": labels,
                    "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": str(PORT)},
                },
                "spec": {
                    "containers": [container(version, error_rate, latency)],
                    "terminationGracePeriodSeconds": 15,  # longer than the app's drain
                },
            },
        },
    }


def container(version: str, error_rate: float = 0.0, latency: str = "0s") -> dict[str, Any]:
    return {
        "name": "app",
        "image": f"{APP_IMAGE}:{version}",
        "imagePullPolicy": "Never",
        "env": [
            {"name": "APP_VERSION", "value": version},
            {"name": "APP_ERROR_RATE", "value": str(error_rate)},
            {"name": "APP_LATENCY", "value": latency},
        ],
        "ports": [{"name": "http", "containerPort": PORT}],
        "readinessProbe": {
            "httpGet": {"path": "/readyz", "port": PORT},
            "periodSeconds": 1,
            "failureThreshold": 1,
        },
    }


def service(namespace: str, name: str, selector: str | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "selector": {"app": selector or name},
            "ports": [{"name": "http", "port": PORT, "targetPort": PORT}],
        },
    }


def running_pods(cluster: Cluster, namespace: str) -> list[Mapping[str, Any]]:
    pods = cluster.api.get(f"/api/v1/namespaces/{namespace}/pods")["items"]
    return [p for p in pods if p.get("status", {}).get("phase") == "Running" and p["status"].get("podIP")]


def version_of(pod: Mapping[str, Any]) -> str:
    """The APP_VERSION a pod runs."""
    for container_spec in pod["spec"]["containers"]:
        for var in container_spec.get("env") or []:
            if var["name"] == "APP_VERSION":
                return str(var.get("value", ""))
    return ""
