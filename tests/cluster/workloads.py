"""Manifests the cluster tests create."""

from __future__ import annotations

from typing import Any


def deployment(
    namespace: str, name: str = "podinfo", replicas: int = 3, image: str = "podinfo:6.0.0"
) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": image, "ports": [{"containerPort": 9898}]}]},
            },
        },
    }


def canary(namespace: str, name: str = "podinfo", **analysis: Any) -> dict[str, Any]:
    return {
        "apiVersion": "flagger.app/v1beta1",
        "kind": "Canary",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "service": {"port": 9898},
            "analysis": {"interval": "1m", "threshold": 5, "stepWeight": 10, **analysis},
        },
    }


def bluegreen(
    namespace: str, name: str = "podinfo", *, kind: str = "Deployment", iterations: int = 3, **spec: Any
) -> dict[str, Any]:
    """A Canary for the kubernetes (blue/green) router ticking every second."""
    analysis = {"interval": "1s", "threshold": 2, "iterations": iterations, **spec.pop("analysis", {})}
    return {
        "apiVersion": "flagger.app/v1beta1",
        "kind": "Canary",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "provider": "kubernetes",
            "targetRef": {"apiVersion": "apps/v1", "kind": kind, "name": name},
            "service": {"port": 9898},
            "analysis": analysis,
            **spec,
        },
    }


def daemonset(namespace: str, name: str = "podinfo", image: str = "podinfo:6.0.0") -> dict[str, Any]:
    dep = deployment(namespace, name, image=image)
    spec = dep["spec"]
    spec.pop("replicas")
    spec["updateStrategy"] = {"type": "RollingUpdate"}
    return {**dep, "kind": "DaemonSet", "spec": spec}
