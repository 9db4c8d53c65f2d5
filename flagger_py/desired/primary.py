"""The ``<target>-primary`` Deployment or DaemonSet generated from the target (Flagger's Promote)."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from flagger_py.desired import configs, flagger_hash, metadata

SCALE_TO_ZERO_SELECTOR = flagger_hash.SCALE_TO_ZERO_SELECTOR
FLAGGER_ID = "flagger-id"
# Fields of the target's spec the primary copies (besides the pod template); replicas only without
# an autoscaler.
COPIED_SPEC_FIELDS = (
    "minReadySeconds",
    "revisionHistoryLimit",
    "strategy",
    "updateStrategy",
    "progressDeadlineSeconds",
)


def primary_name(target: str) -> str:
    return f"{target}-primary"


def revision(target: Mapping[str, Any]) -> str:
    """A hash of what a new version changes: the pod template (a DaemonSet's without the
    scale-to-zero node selector). Replicas alone are not a new version.

    Flagger's own hash (``flagger_hash.template_hash``), so ``status.lastAppliedSpec`` and
    ``lastPromotedSpec`` mean the same to Flagger and to flagger-py; for the rare template whose Go
    print is not reproduced, 16 hex digits of a sha256 instead (Flagger's hash never has 16 characters,
    so the two never meet: such a template is a new revision once when a controller of the other
    kind takes over)."""
    template = target["spec"]["template"]
    found = flagger_hash.template_hash(template, daemonset=target.get("kind") == "DaemonSet")
    return found if found is not None else own_revision(template)


def own_revision(pod_template: Mapping[str, Any]) -> str:
    """16 hex digits of the sha256 of the canonical JSON of the template, without the scale-to-zero
    node selector."""
    template = copy.deepcopy(dict(pod_template))
    node_selector = template.get("spec", {}).get("nodeSelector") or {}
    node_selector.pop(SCALE_TO_ZERO_SELECTOR, None)
    if not node_selector and "nodeSelector" in template.get("spec", {}):
        template["spec"].pop("nodeSelector")
    canonical = json.dumps(template, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def primary(
    target: Mapping[str, Any],
    *,
    selector_labels: Sequence[str] = metadata.DEFAULT_SELECTOR_LABELS,
    include_label_prefixes: Sequence[str] = (),
    config_names: Mapping[configs.ConfigRef, str] | None = None,
    with_replicas: bool = True,
) -> dict[str, Any]:
    """The primary workload to apply: the target's pod template with the selector label value
    suffixed ``-primary``, tracked configs renamed, affinity terms that select the target pointed at
    the primary, a ``flagger-id`` annotation that changes with the revision (forcing a rollout), and
    the target's labels and annotations filtered by ``include_label_prefixes``."""
    name = target["metadata"]["name"]
    spec = target["spec"]
    key, value = metadata.selector_label(spec.get("selector", {}).get("matchLabels"), selector_labels)
    template = copy.deepcopy(dict(spec["template"]))
    pod_meta = template.setdefault("metadata", {})
    labels = {k: v for k, v in (pod_meta.get("labels") or {}).items() if metadata.FLUX_MARK not in k}
    labels[key] = f"{value}-primary"
    annotations = {
        k: v for k, v in (pod_meta.get("annotations") or {}).items() if metadata.FLUX_MARK not in k
    }
    annotations[FLAGGER_ID] = revision(target)
    pod_meta.update({"labels": labels, "annotations": annotations})
    pod_spec = configs.renamed_for_primary(template.get("spec", {}), config_names or {})
    template["spec"] = _affinity_to_primary(pod_spec, key, value)
    out_spec: dict[str, Any] = {k: copy.deepcopy(spec[k]) for k in COPIED_SPEC_FIELDS if k in spec}
    if with_replicas and "replicas" in spec:
        out_spec["replicas"] = spec["replicas"]
    out_spec["selector"] = {"matchLabels": {key: f"{value}-primary"}}
    out_spec["template"] = template
    meta = target["metadata"]
    return {
        "apiVersion": target.get("apiVersion", "apps/v1"),
        "kind": target["kind"],
        "metadata": {
            "name": primary_name(name),
            "namespace": meta.get("namespace"),
            "labels": {
                **metadata.copied(meta.get("labels"), include_label_prefixes),
                key: f"{value}-primary",
            },
            "annotations": metadata.copied(meta.get("annotations"), include_label_prefixes),
        },
        "spec": out_spec,
    }


def _affinity_to_primary(pod_spec: dict[str, Any], key: str, value: str) -> dict[str, Any]:
    """Pod (anti-)affinity and topology spread terms that select the target select the primary."""

    def fix(selector: dict[str, Any] | None) -> None:
        if selector and (selector.get("matchLabels") or {}).get(key) == value:
            selector["matchLabels"][key] = f"{value}-primary"

    affinity = pod_spec.get("affinity") or {}
    for kind in ("podAffinity", "podAntiAffinity"):
        rules = affinity.get(kind) or {}
        for term in rules.get("requiredDuringSchedulingIgnoredDuringExecution") or ():
            fix(term.get("labelSelector"))
        for weighted in rules.get("preferredDuringSchedulingIgnoredDuringExecution") or ():
            fix((weighted.get("podAffinityTerm") or {}).get("labelSelector"))
    for constraint in pod_spec.get("topologySpreadConstraints") or ():
        fix(constraint.get("labelSelector"))
    return pod_spec
