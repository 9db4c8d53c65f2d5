"""A core Service as the target (``spec.targetRef: {apiVersion: v1, kind: Service, name: X}``): its
revision and its two copies, ``X-primary`` and ``X-canary`` (Flagger's ServiceController).

The user's Service ``X`` is the canary's definition: a new version is a change of its spec (another
selector, other ports). ``X-canary`` follows ``X``; ``X-primary`` is a copy of ``X`` made at
initialization and again at each promotion; routers split traffic between the two copies.

A copy is ``X``'s spec without what the API server assigns per Service (``clusterIP``/``clusterIPs``,
node ports, ``healthCheckNodePort``: the copy gets its own), a headless ``clusterIP: None`` kept; the
canary's ``service.trafficDistribution`` when set; ``X``'s labels and annotations filtered as every
generated object's are (``--include-label-prefix``, never Flux's); the Flux opt-out annotations; and
the digest of all that in ``flagger-py.app/applied``, so a field removed from ``X`` is a change too.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from flagger_py.desired import metadata
from flagger_py.desired.applied import contains
from flagger_py.model.canary import Canary

APPLIED = "flagger-py.app/applied"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
ASSIGNED = ("clusterIP", "clusterIPs", "healthCheckNodePort")
"""Spec fields the API server gives each Service; a copy must get its own, and they are no version."""


def copy_name(target: str, role: str) -> str:
    """``X-primary`` or ``X-canary``."""
    return f"{target}-{role}"


def portable_spec(service: Mapping[str, Any]) -> dict[str, Any]:
    """``X``'s spec without the fields the API server assigns per Service (node ports included)."""
    spec = copy.deepcopy(dict(service.get("spec") or {}))
    headless = spec.get("clusterIP") == "None"
    for field in ASSIGNED:
        spec.pop(field, None)
    if headless:
        spec["clusterIP"] = "None"
    ports = []
    for port in spec.get("ports") or ():
        kept = dict(port)
        kept.pop("nodePort", None)
        ports.append(kept)
    if "ports" in spec:
        spec["ports"] = ports
    return spec


def revision(service: Mapping[str, Any]) -> str:
    """A hash of what a new version changes: ``X``'s spec, less what the API server assigns."""
    canonical = json.dumps(portable_spec(service), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def service_copy(
    canary: Canary, service: Mapping[str, Any], role: str, include_label_prefixes: Sequence[str] = ()
) -> dict[str, Any]:
    """The ``X-primary`` or ``X-canary`` Service to apply (without its owner reference)."""
    meta = service.get("metadata") or {}
    spec = portable_spec(service)
    distribution = canary.spec.service.traffic_distribution if canary.spec.service else None
    if distribution:
        spec["trafficDistribution"] = distribution
    annotations = metadata.copied(meta.get("annotations"), include_label_prefixes)
    annotations.pop(LAST_APPLIED, None)
    annotations |= metadata.FLUX_OPT_OUT
    body: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": copy_name(canary.spec.target_ref.name, role),
            "namespace": canary.metadata.namespace or "default",
            "labels": metadata.copied(meta.get("labels"), include_label_prefixes),
            "annotations": annotations,
        },
        "spec": spec,
    }
    annotations[APPLIED] = _digest(body)
    return body


def current(existing: Mapping[str, Any] | None, wanted: Mapping[str, Any]) -> bool:
    """Whether the copy in the cluster is already ``wanted``: our last apply had the same digest and
    nobody changed a field we set since (then applying would change nothing)."""
    if existing is None:
        return False
    applied = ((existing.get("metadata") or {}).get("annotations") or {}).get(APPLIED)
    return bool(applied == wanted["metadata"]["annotations"][APPLIED] and contains(existing, wanted))


def ports(service: Mapping[str, Any]) -> list[int]:
    """The port numbers ``X`` serves."""
    return [int(p["port"]) for p in (service.get("spec") or {}).get("ports") or () if "port" in p]


def _digest(body: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:16]
