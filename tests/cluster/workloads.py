"""Manifests the cluster tests create."""

from __future__ import annotations

from typing import Any


def manifest(
    api_version: str,
    kind: str,
    namespace: str,
    name: str,
    spec: dict[str, Any] | None = None,
    *,
    labels: dict[str, str] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """The manifest of a namespaced object: its spec (when it has one) and other top-level ``fields``."""
    meta: dict[str, Any] = {"name": name, "namespace": namespace}
    if labels is not None:
        meta["labels"] = labels
    body: dict[str, Any] = {"apiVersion": api_version, "kind": kind, "metadata": meta}
    if spec is not None:
        body["spec"] = spec
    return body | fields


def deployment(
    namespace: str, name: str = "podinfo", replicas: int = 3, image: str = "podinfo:6.0.0"
) -> dict[str, Any]:
    container = {"name": "app", "image": image, "ports": [{"containerPort": 9898}]}
    template = {"metadata": {"labels": {"app": name}}, "spec": {"containers": [container]}}
    spec = {"replicas": replicas, "selector": {"matchLabels": {"app": name}}, "template": template}
    return manifest("apps/v1", "Deployment", namespace, name, spec)


def canary(namespace: str, name: str = "podinfo", **analysis: Any) -> dict[str, Any]:
    spec = {
        "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
        "service": {"port": 9898},
        "analysis": {"interval": "1m", "threshold": 5, "stepWeight": 10, **analysis},
    }
    return manifest("flagger.app/v1beta1", "Canary", namespace, name, spec)


def bluegreen(
    namespace: str, name: str = "podinfo", *, kind: str = "Deployment", iterations: int = 3, **spec: Any
) -> dict[str, Any]:
    """A Canary for the kubernetes (blue/green) router ticking every second."""
    analysis = {"interval": "1s", "threshold": 2, "iterations": iterations, **spec.pop("analysis", {})}
    target = {"apiVersion": "apps/v1", "kind": kind, "name": name}
    body = {
        "provider": "kubernetes",
        "targetRef": target,
        "service": {"port": 9898},
        "analysis": analysis,
        **spec,
    }
    return manifest("flagger.app/v1beta1", "Canary", namespace, name, body)


def daemonset(namespace: str, name: str = "podinfo", image: str = "podinfo:6.0.0") -> dict[str, Any]:
    dep = deployment(namespace, name, image=image)
    spec = dep["spec"]
    spec.pop("replicas")
    spec["updateStrategy"] = {"type": "RollingUpdate"}
    return {**dep, "kind": "DaemonSet", "spec": spec}
