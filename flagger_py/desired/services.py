"""The apex, ``-primary`` and ``-canary`` ClusterIP Services of a canary (Flagger's KubernetesRouter),
and the label and annotation keys of ``spec.service.unmanagedMetadata`` that flagger-py leaves to others.

An unmanaged key present on the Service in the cluster keeps its value there, also when the Canary's
``service.apex``/``primary``/``canary`` metadata sets it: flagger-py applies the live value (it never
changes it) or leaves the key out of what it applies (it never claims it). Left out is a key
flagger-py does not set and does not own, so whoever wrote it can change or remove it; a key
flagger-py owns (server-side apply would delete it with the next apply that leaves it out) is applied
with its live value instead. An unmanaged key absent from the Service is set when the Canary sets it,
as Flagger does. The Flux opt-out annotations are always set (as Flagger re-adds them).
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Literal

from flagger_py.desired.metadata import FLUX_OPT_OUT
from flagger_py.model.canary import CanarySpec, CustomMetadata, UnmanagedMetadata

Role = Literal["apex", "primary", "canary"]
Field = Literal["labels", "annotations"]
FIELDS: tuple[Field, ...] = ("labels", "annotations")
MetadataKey = tuple[Field, str]
"""A label or annotation key, as ``("labels", "team")``."""
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


def _listed(unmanaged: UnmanagedMetadata | None) -> list[MetadataKey]:
    if unmanaged is None:
        return []
    keys: list[MetadataKey] = [("labels", k) for k in unmanaged.labels or ()]
    return keys + [("annotations", k) for k in unmanaged.annotations or () if k not in FLUX_OPT_OUT]


def _meta(obj: Mapping[str, Any] | None, field: Field) -> Mapping[str, Any]:
    found = ((obj or {}).get("metadata") or {}).get(field)
    return found if isinstance(found, Mapping) else {}


def unclaimed(
    wanted: Mapping[str, Any], existing: Mapping[str, Any] | None, unmanaged: UnmanagedMetadata | None
) -> list[MetadataKey]:
    """The unmanaged keys present on ``existing`` that ``wanted`` leaves out: applying ``wanted``
    deletes those of them flagger-py owns (``owned_keys`` of the live Service says which)."""
    return [
        (field, key)
        for field, key in _listed(unmanaged)
        if key in _meta(existing, field) and key not in _meta(wanted, field)
    ]


def keep_unmanaged(
    wanted: Mapping[str, Any],
    existing: Mapping[str, Any] | None,
    unmanaged: UnmanagedMetadata | None,
    owned: Collection[MetadataKey] = (),
) -> dict[str, Any]:
    """``wanted`` with every unmanaged key present on ``existing`` at its live value, where ``wanted``
    sets it or flagger-py owns it (``owned``); the other unmanaged keys stay out of ``wanted``."""
    out = copy.deepcopy(dict(wanted))
    meta = out.setdefault("metadata", {})
    for field, key in _listed(unmanaged):
        live = _meta(existing, field)
        if key not in live:
            continue
        if key in (meta.get(field) or {}) or (field, key) in owned:
            meta[field] = {**(meta.get(field) or {}), key: live[key]}
    return out


def owned_keys(service: Mapping[str, Any], manager: str) -> set[MetadataKey]:
    """The label and annotation keys ``manager`` holds by server-side apply on ``service`` (read from
    its ``metadata.managedFields``)."""
    found: set[MetadataKey] = set()
    for entry in (service.get("metadata") or {}).get("managedFields") or ():
        if (
            not isinstance(entry, Mapping)
            or entry.get("manager") != manager
            or entry.get("operation") != "Apply"
        ):
            continue
        fields = ((entry.get("fieldsV1") or {}).get("f:metadata")) or {}
        for field in FIELDS:
            for name in fields.get(f"f:{field}") or {}:
                if name.startswith("f:"):
                    found.add((field, name[2:]))
    return found


def _custom(custom: CustomMetadata | None, field: Field) -> dict[str, str]:
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
