"""The primary's KEDA ScaledObject spec, generated from the target's (Flagger 1.44's ScaledObjectReconciler).

The copy scales ``<target>-primary`` (the target's ``scaleTargetRef`` with that name: its kind,
apiVersion and envSourceContainerName kept), with every other field of the target's spec. Its
trigger queries come from ``spec.autoscalerRef.primaryScalerQueries`` when that field is set (even
as ``{}``): a trigger whose ``name`` is a key of it gets that query as ``metadata.query``, every other
trigger is copied unchanged. When the field is unset, the ``metadata.query`` of every trigger is
rewritten by ``primary_query``; no other metadata key is touched. A named
``advanced.horizontalPodAutoscalerConfig.name`` gets ``-primary`` appended, and
``primaryScalerReplicas`` overrides ``minReplicaCount``/``maxReplicaCount``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from flagger_py.desired import primary
from flagger_py.model.canary import AutoscalerRef


def primary_query(query: str, target: str) -> str:
    """``query`` pointed at the primary, by Flagger's plain string replacement: every
    ``<target>-canary`` and every other ``<target>`` becomes ``<target>-primary``.

    Matches are found as Go's ``strings.ReplaceAll`` finds them (leftmost first, not overlapping),
    ``<target>-canary`` first, then ``<target>`` in what lies between. No word boundaries: a
    ``<target>-primary`` already in the query becomes ``<target>-primary-primary``, and a longer
    name that contains the target's is rewritten too, as Flagger does (set ``primaryScalerQueries``
    when the rewrite is not what the primary needs). Flagger marks the ``-canary`` matches with a
    random placeholder between the two passes; splitting on them gives its result without one.
    """
    renamed = primary.primary_name(target)
    pieces = query.split(f"{target}-canary")
    return renamed.join(piece.replace(target, renamed) for piece in pieces)


def primary_triggers(triggers: Sequence[Any], target: str, queries: Mapping[str, str] | None) -> list[Any]:
    """The primary's triggers: ``queries`` by trigger name when given, else every query rewritten.

    A trigger that is not an object is copied as it is (the API server's schema answers for it).
    """
    out: list[Any] = []
    for source in triggers:
        if not isinstance(source, Mapping):
            out.append(source)
            continue
        trigger = dict(source)
        meta = trigger.get("metadata")
        meta = dict(meta) if isinstance(meta, Mapping) else {}
        if queries is not None:
            name = trigger.get("name") or ""
            if name in queries:
                meta["query"] = queries[name]
                trigger["metadata"] = meta
        elif isinstance(meta.get("query"), str):
            meta["query"] = primary_query(meta["query"], target)
            trigger["metadata"] = meta
        out.append(trigger)
    return out


def primary_spec(spec: Mapping[str, Any], target: str, ref: AutoscalerRef | None) -> dict[str, Any]:
    """The primary ScaledObject's spec from the target ScaledObject's ``spec``; ``target`` is the
    Canary's ``spec.targetRef.name``."""
    out = copy.deepcopy(dict(spec))
    scale_target = out.get("scaleTargetRef")
    out["scaleTargetRef"] = {
        **(scale_target if isinstance(scale_target, Mapping) else {}),
        "name": primary.primary_name(target),
    }
    if isinstance(out.get("triggers"), list):
        out["triggers"] = primary_triggers(
            out["triggers"], target, ref.primary_scaler_queries if ref is not None else None
        )
    advanced = out.get("advanced")
    hpa_config = advanced.get("horizontalPodAutoscalerConfig") if isinstance(advanced, Mapping) else None
    if isinstance(hpa_config, dict) and hpa_config.get("name"):
        hpa_config["name"] = f"{hpa_config['name']}-primary"
    replicas = ref.primary_scaler_replicas if ref is not None else None
    if replicas is not None:
        if replicas.min_replicas is not None:
            out["minReplicaCount"] = replicas.min_replicas
        if replicas.max_replicas is not None:
            out["maxReplicaCount"] = replicas.max_replicas
    return out
