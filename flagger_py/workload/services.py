"""The apex, ``-primary`` and ``-canary`` ClusterIP Services of a canary (Flagger's KubernetesRouter)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from flagger_py.model.canary import CanarySpec, CustomMetadata
from flagger_py.workload.metadata import FLUX_OPT_OUT

Role = Literal["apex", "primary", "canary"]
SIDECARS = ("istio-proxy", "envoy")


def service_name(spec: CanarySpec) -> str:
    return (spec.service.name if spec.service and spec.service.name else None) or spec.target_ref.name


def services(
    spec: CanarySpec,
    namespace: str,
    selector: tuple[str, str],
    pod_spec: Mapping[str, Any] | None = None,
) -> dict[Role, dict[str, Any]]:
    """The three Services: apex and primary select the primary pods, canary the target's pods."""
    assert spec.service is not None, "callers check that spec.service is set"
    apex = service_name(spec)
    key, value = selector
    ports = _ports(spec, pod_spec)
    svc = spec.service
    out: dict[Role, dict[str, Any]] = {}
    for role, name, pods, custom in (
        ("apex", apex, f"{value}-primary", svc.apex),
        ("primary", f"{apex}-primary", f"{value}-primary", svc.primary),
        ("canary", f"{apex}-canary", value, svc.canary),
    ):
        body: dict[str, Any] = {"type": "ClusterIP", "selector": {key: pods}, "ports": ports}
        if svc.headless:
            body["clusterIP"] = "None"
        if svc.traffic_distribution:
            body["trafficDistribution"] = svc.traffic_distribution
        out[role] = {  # type: ignore[index]
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {
                "name": name,
                "namespace": namespace,
                "labels": {**_custom(custom, "labels"), key: name},
                "annotations": {**_custom(custom, "annotations"), **FLUX_OPT_OUT},
            },
            "spec": body,
        }
    return out


def _custom(custom: CustomMetadata | None, field: Literal["labels", "annotations"]) -> dict[str, str]:
    return dict(getattr(custom, field) or {}) if custom is not None else {}


def _ports(spec: CanarySpec, pod_spec: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    assert spec.service is not None
    svc = spec.service
    main: dict[str, Any] = {
        "name": svc.port_name or "http",
        "protocol": "TCP",
        "port": svc.port,
        "targetPort": svc.target_port if svc.target_port is not None else svc.port,
    }
    if svc.app_protocol:
        main["appProtocol"] = svc.app_protocol
    ports = [main]
    if svc.port_discovery and pod_spec is not None:
        ports += _discovered(pod_spec, skip=(svc.port, main["targetPort"]))
    return ports


def _discovered(pod_spec: Mapping[str, Any], skip: Sequence[object]) -> list[dict[str, Any]]:
    """Every other container port, as a TCP port (named after it, or tcp-<container>-<index>)."""
    found = []
    for container in pod_spec.get("containers") or ():
        if container.get("name") in SIDECARS:
            continue
        for index, port in enumerate(container.get("ports") or ()):
            number = port.get("containerPort")
            if number in skip or port.get("name") in skip:
                continue
            name = port.get("name") or f"tcp-{container.get('name')}-{index}"
            found.append({"name": name, "protocol": "TCP", "port": number, "targetPort": number})
    return found
