"""Config tracking: the ConfigMaps and Secrets a pod template uses, their checksums, and the pod
template of the primary with every tracked reference renamed ``<name>-primary``.

Scanned as Flagger does: volumes (configMap, secret, projected sources), env ``valueFrom`` and
``envFrom`` of containers and initContainers. Secrets are tracked only for the types Opaque,
basic-auth, ssh-auth and tls. The annotation ``flagger.app/config-tracking: disabled`` on a ConfigMap
or Secret opts it out (not tracked, not copied, the primary uses the original).
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from flagger_py.desired import flagger_hash

OPT_OUT_ANNOTATION = "flagger.app/config-tracking"
TRACKED_SECRET_TYPES = frozenset(
    {"Opaque", "kubernetes.io/basic-auth", "kubernetes.io/ssh-auth", "kubernetes.io/tls", ""}
)
Kind = Literal["configmap", "secret"]


@dataclass(frozen=True, order=True)
class ConfigRef:
    """A reference from the pod template to a ConfigMap or Secret."""

    kind: Kind
    name: str
    optional: bool = False

    @property
    def key(self) -> str:
        """The key in ``status.trackedConfigs``: ``configmap/<name>`` or ``secret/<name>``."""
        return f"{self.kind}/{self.name}"


def references(pod_spec: Mapping[str, Any]) -> list[ConfigRef]:
    """Every ConfigMap and Secret the pod spec uses, once each, in a stable order."""
    found: dict[tuple[str, str], ConfigRef] = {}
    for ref in _scan(pod_spec):
        known = found.get((ref.kind, ref.name))
        # A reference that is mandatory anywhere is mandatory.
        if known is None or (known.optional and not ref.optional):
            found[(ref.kind, ref.name)] = ref
    return sorted(found.values())


def _scan(pod_spec: Mapping[str, Any]) -> Iterator[ConfigRef]:
    for kind, source, name_key in _sources(pod_spec):
        yield ConfigRef(kind, str(source.get(name_key, "")), bool(source.get("optional", False)))


def _sources(pod_spec: Mapping[str, Any]) -> Iterator[tuple[Kind, Any, str]]:
    """Every place of a pod spec that names a ConfigMap or Secret: (kind, the mapping, its name key)."""
    places: tuple[tuple[str, Kind, str], ...]
    for volume in pod_spec.get("volumes") or ():
        places = (("configMap", "configmap", "name"), ("secret", "secret", "secretName"))
        yield from ((kind, volume[field], key) for field, kind, key in places if field in volume)
        for source in (volume.get("projected") or {}).get("sources") or ():
            places = (("configMap", "configmap", "name"), ("secret", "secret", "name"))
            yield from ((kind, source[field], key) for field, kind, key in places if field in source)
    for container in [*(pod_spec.get("initContainers") or ()), *(pod_spec.get("containers") or ())]:
        for env in container.get("env") or ():
            value_from = env.get("valueFrom") or {}
            places = (("configMapKeyRef", "configmap", "name"), ("secretKeyRef", "secret", "name"))
            yield from ((kind, value_from[field], key) for field, kind, key in places if field in value_from)
        for env_from in container.get("envFrom") or ():
            places = (("configMapRef", "configmap", "name"), ("secretRef", "secret", "name"))
            yield from ((kind, env_from[field], key) for field, kind, key in places if field in env_from)


def tracked(obj: Mapping[str, Any]) -> bool:
    """Whether a ConfigMap or Secret takes part in config tracking."""
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    if str(annotations.get(OPT_OUT_ANNOTATION, "")).startswith("disable"):
        return False
    return obj.get("kind") != "Secret" or obj.get("type", "Opaque") in TRACKED_SECRET_TYPES


def checksum(obj: Mapping[str, Any]) -> str:
    """First 8 bytes (hex) of a sha256 of the object's data, as ``status.trackedConfigs`` keeps it:
    Flagger's checksum of ``data`` (``flagger_hash.config_checksum``), so a status Flagger wrote
    matches; for a ConfigMap with ``binaryData``, which Flagger ignores, the sha256 of both
    (``{"binaryData": ..., "data": ...}`` as Go marshals it), so a change of its binary data is a new
    revision too."""
    if obj.get("kind") != "Secret" and obj.get("binaryData"):
        both = {"binaryData": obj.get("binaryData"), "data": obj.get("data")}
        return hashlib.sha256(flagger_hash.go_json(both).encode()).hexdigest()[:16]
    found = flagger_hash.config_checksum(obj)
    if found is None:  # a Secret's data that is not base64: never from an API server
        raw = json.dumps(obj.get("data"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(raw.encode()).hexdigest()[:16]
    return found


def renamed_for_primary(pod_spec: Mapping[str, Any], names: Mapping[ConfigRef, str]) -> dict[str, Any]:
    """A copy of the pod spec in which every tracked reference points at its -primary copy."""
    spec: dict[str, Any] = copy.deepcopy(dict(pod_spec))
    by_kind = {(r.kind, r.name): new for r, new in names.items()}
    for kind, source, name_key in _sources(spec):
        new = by_kind.get((kind, str(source.get(name_key, ""))))
        if new is not None:
            source[name_key] = new
    return spec
