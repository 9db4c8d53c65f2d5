"""The target's autoscaler and the primary's copy of it: HPA (autoscaling/v2) and KEDA ScaledObject.

The primary's scaler is ``<scaler>-primary``, pointed at the primary, with the target scaler's
settings and ``primaryScalerReplicas`` overrides; a ScaledObject's trigger queries are pointed at the
primary too (``flagger_py.desired.scaled_object``). KEDA is paused with the
``autoscaling.keda.sh/paused-replicas: "0"`` annotation while the canary is idle; an HPA needs nothing
(an HPA does not scale a workload at zero replicas).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from flagger_py.desired import metadata, primary, scaled_object
from flagger_py.kube import resources as r
from flagger_py.kube.client import KubeClient
from flagger_py.kube.owners import owned
from flagger_py.model.canary import Canary

KEDA_PAUSED = "autoscaling.keda.sh/paused-replicas"


class Scalers:
    def __init__(self, client: KubeClient, include_label_prefixes: Sequence[str]) -> None:
        self.client = client
        self.include = include_label_prefixes

    async def _target_scaler(self, canary: Canary) -> tuple[r.Resource, dict[str, Any]] | None:
        ref = canary.spec.autoscaler_ref
        if ref is None:
            return None
        res = r.SCALERS[ref.kind]
        return res, await self.client.get(res, canary.metadata.namespace, ref.name)

    async def min_replicas(self, canary: Canary) -> int:
        found = await self._target_scaler(canary)
        if found is None:
            return 1
        res, scaler = found
        key = "minReplicas" if res is r.HPAS else "minReplicaCount"
        return int(scaler.get("spec", {}).get(key) or 1)

    async def pause(self, canary: Canary) -> None:
        await self._keda_annotation(canary, "0")

    async def resume(self, canary: Canary) -> None:
        await self._keda_annotation(canary, None)

    async def _keda_annotation(self, canary: Canary, value: str | None) -> None:
        ref = canary.spec.autoscaler_ref
        if ref is None or ref.kind != "ScaledObject":
            return
        current = await self.client.get(r.SCALED_OBJECTS, canary.metadata.namespace, ref.name)
        if (current.get("metadata", {}).get("annotations") or {}).get(KEDA_PAUSED) == value:
            return
        patch = {"metadata": {"annotations": {KEDA_PAUSED: value}}}
        await self.client.patch(r.SCALED_OBJECTS, canary.metadata.namespace, ref.name, patch)

    async def reconcile_primary(self, canary: Canary) -> None:
        found = await self._target_scaler(canary)
        if found is None:
            return
        res, scaler = found
        body = (
            self.primary_hpa(canary, scaler) if res is r.HPAS else self.primary_scaled_object(canary, scaler)
        )
        await self.client.apply(res, owned(body, canary), force=True)

    def _metadata(self, canary: Canary, scaler: dict[str, Any]) -> dict[str, Any]:
        meta = scaler.get("metadata") or {}
        annotations = metadata.copied(meta.get("annotations"), self.include)
        annotations.pop(KEDA_PAUSED, None)
        return {
            "name": f"{meta['name']}-primary",
            "namespace": canary.metadata.namespace,
            "labels": metadata.copied(meta.get("labels"), self.include),
            "annotations": annotations,
        }

    def _target_ref(self, canary: Canary) -> dict[str, str]:
        ref = canary.spec.target_ref
        return {"apiVersion": ref.api_version, "kind": ref.kind, "name": primary.primary_name(ref.name)}

    def primary_hpa(self, canary: Canary, hpa: dict[str, Any]) -> dict[str, Any]:
        spec = copy.deepcopy(hpa.get("spec") or {})
        spec["scaleTargetRef"] = self._target_ref(canary)
        self._override(canary, spec, "minReplicas", "maxReplicas")
        return {"metadata": self._metadata(canary, hpa), "spec": spec}

    def primary_scaled_object(self, canary: Canary, so: dict[str, Any]) -> dict[str, Any]:
        spec = scaled_object.primary_spec(
            so.get("spec") or {}, canary.spec.target_ref.name, canary.spec.autoscaler_ref
        )
        return {"metadata": self._metadata(canary, so), "spec": spec}

    def _override(self, canary: Canary, spec: dict[str, Any], min_key: str, max_key: str) -> None:
        ref = canary.spec.autoscaler_ref
        replicas = ref.primary_scaler_replicas if ref else None
        if replicas is None:
            return
        if replicas.min_replicas is not None:
            spec[min_key] = replicas.min_replicas
        if replicas.max_replicas is not None:
            spec[max_key] = replicas.max_replicas
