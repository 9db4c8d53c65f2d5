"""KubeWorkloads: the Workloads port on a real cluster, for Deployment and DaemonSet targets.

Reads come from the caches; writes are server-side applies of what ``flagger_py.desired`` generates
(primary, Services, -primary ConfigMaps and Secrets) or small patches of the target (scale to and from
zero, the KEDA pause annotation).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from flagger_py.desired import applied, configs, metadata, primary, readiness, services
from flagger_py.domain import effective
from flagger_py.domain.observations import Readiness
from flagger_py.errors import KubeNotFound, Problem, SpecError, TargetInvalid, TargetNotFound
from flagger_py.kube import resources as r
from flagger_py.kube import unmanaged_metadata
from flagger_py.kube.client import KubeClient
from flagger_py.kube.informers import Caches
from flagger_py.kube.owners import owned, owned_by
from flagger_py.kube.scalers import Scalers
from flagger_py.model.canary import Canary
from flagger_py.ports import Clock, Revision

__all__ = ["KubeWorkloads", "TargetInvalid", "TargetNotFound", "WorkloadSettings"]


@dataclass(frozen=True)
class WorkloadSettings:
    """The controller flags that shape generated workloads."""

    selector_labels: Sequence[str] = metadata.DEFAULT_SELECTOR_LABELS
    include_label_prefixes: Sequence[str] = ()
    config_tracking: bool = True


class KubeWorkloads:
    """Targets, primaries, their Services, configs and autoscalers on the cluster."""

    def __init__(
        self, client: KubeClient, caches: Caches, clock: Clock, settings: WorkloadSettings | None = None
    ) -> None:
        self.client = client
        self.caches = caches
        self.clock = clock
        self.settings = settings or WorkloadSettings()
        self.scalers = Scalers(client, self.settings.include_label_prefixes)

    # --- reading ----------------------------------------------------------------------------------

    def target(self, canary: Canary) -> dict[str, Any]:
        ref = canary.spec.target_ref
        ns = _namespace(canary)
        if ref.kind not in r.WORKLOADS:
            message = f"kind {ref.kind} is not a workload: KubeWorkloads releases Deployments and DaemonSets"
            raise TargetInvalid([Problem("spec.targetRef.kind", message)])
        found = self.caches[ref.kind].get(ns, ref.name)
        if found is None:
            message = f"{ref.kind} {ref.name} not found in namespace {ns}: create it or fix the name"
            raise TargetNotFound([Problem("spec.targetRef.name", message)])
        return found

    def selector(self, canary: Canary, target: Mapping[str, Any]) -> tuple[str, str]:
        labels = ((target.get("spec") or {}).get("selector") or {}).get("matchLabels")
        try:
            return metadata.selector_label(labels, self.settings.selector_labels)
        except SpecError as exc:
            where = f"{canary.spec.target_ref.kind} {canary.spec.target_ref.name}"
            raise TargetInvalid(
                [Problem(f"{where} spec.selector.matchLabels", p.message) for p in exc.problems]
            ) from None

    def primary_object(self, canary: Canary) -> dict[str, Any] | None:
        name = primary.primary_name(canary.spec.target_ref.name)
        return self.caches[canary.spec.target_ref.kind].get(_namespace(canary), name)

    async def revision(self, canary: Canary) -> Revision:
        target = self.target(canary)
        self.selector(canary, target)
        return Revision(primary.revision(target), self._config_checksums(canary, target))

    def _tracked(
        self, canary: Canary, target: Mapping[str, Any]
    ) -> list[tuple[configs.ConfigRef, dict[str, Any]]]:
        """The tracked ConfigMaps and Secrets of the target's pod template, from the cache."""
        if not self.settings.config_tracking:
            return []
        ns = _namespace(canary)
        found = []
        pod_spec = target["spec"]["template"].get("spec") or {}
        for ref in configs.references(pod_spec):
            obj = self.caches["ConfigMap" if ref.kind == "configmap" else "Secret"].get(ns, ref.name)
            if obj is None:
                if ref.optional:
                    continue
                kind = "ConfigMap" if ref.kind == "configmap" else "Secret"
                raise KubeNotFound(
                    f"{kind} {ns}/{ref.name}, used by {canary.spec.target_ref.kind} "
                    f"{canary.spec.target_ref.name}, does not exist"
                )
            if configs.tracked(obj):
                found.append((ref, obj))
        return found

    def _config_checksums(self, canary: Canary, target: Mapping[str, Any]) -> dict[str, str]:
        return {ref.key: str(obj["checksum"]) for ref, obj in self._tracked(canary, target)}

    async def readiness(self, canary: Canary, which: Literal["primary", "canary"]) -> Readiness:
        kind = canary.spec.target_ref.kind
        obj = self.primary_object(canary) if which == "primary" else self.target(canary)
        if obj is None:
            return Readiness(
                False, f"{kind} {primary.primary_name(canary.spec.target_ref.name)} does not exist yet"
            )
        analysis = canary.spec.analysis
        percent = analysis.primary_ready_threshold if which == "primary" else analysis.canary_ready_threshold
        threshold = effective.ready_threshold(percent)
        deadline = effective.progress_deadline(canary.spec)
        now = self.clock.now().seconds
        if kind == "DaemonSet":
            since = readiness.epoch(canary.status.last_transition_time if canary.status else None)
            return readiness.daemonset(obj, threshold, now - since if since is not None else 0.0, deadline)
        return readiness.deployment(obj, threshold, now, deadline)

    # --- writing ----------------------------------------------------------------------------------

    async def ensure_services(self, canary: Canary, apex: bool = True) -> None:
        spec = canary.spec
        if spec.service is None:
            return
        target = self.target(canary)
        selector = self.selector(canary, target)
        ns = _namespace(canary)
        wanted = services.services(spec, ns, selector, target["spec"]["template"].get("spec"))
        unmanaged = spec.service.unmanaged_metadata
        for role, generated in wanted.items():
            if role == "apex" and not apex:
                continue
            existing = self.caches["Service"].get(ns, generated["metadata"]["name"])
            if role == "apex" and existing is not None and not owned_by(existing, canary):
                svc = _takeover(generated, existing)
            else:
                svc = owned(services.keep_unmanaged(generated, existing, unmanaged), canary)
            if existing is None or not applied.contains(existing, svc):
                svc = await unmanaged_metadata.kept(self.client, svc, existing, unmanaged)
                await self.client.apply(r.SERVICES, svc, force=True)

    async def ensure_primary(self, canary: Canary) -> None:
        if self.primary_object(canary) is None:
            await self.promote(canary)

    async def promote(self, canary: Canary) -> None:
        """Copy the target's pod template (and its configs, as -primary copies) to the primary."""
        target = self.target(canary)
        names = {}
        for ref, _ in self._tracked(canary, target):
            names[ref] = await self._copy_config(canary, ref)
        current = self.primary_object(canary)
        body = primary.primary(
            target,
            selector_labels=self.settings.selector_labels,
            include_label_prefixes=self.settings.include_label_prefixes,
            config_names=names,
            with_replicas=False,
        )
        if canary.spec.target_ref.kind == "Deployment":
            body["spec"]["replicas"] = self._primary_replicas(canary, target, current)
        if canary.spec.target_ref.kind == "DaemonSet":
            node_selector = body["spec"]["template"].get("spec", {}).get("nodeSelector") or {}
            node_selector.pop(primary.SCALE_TO_ZERO_SELECTOR, None)
        await self.client.apply(r.WORKLOADS[canary.spec.target_ref.kind], owned(body, canary), force=True)

    def _primary_replicas(
        self, canary: Canary, target: Mapping[str, Any], current: Mapping[str, Any] | None
    ) -> int:
        """With an autoscaler the primary keeps what it has (the autoscaler owns it); otherwise it
        gets the target's replicas (1 when the target is at zero)."""
        have = int((current or {}).get("spec", {}).get("replicas") or 0)
        if canary.spec.autoscaler_ref is not None and have > 0:
            return have
        wanted = int(target["spec"].get("replicas", 1) or 0)
        return wanted if wanted > 0 else max(have, 1)

    async def _copy_config(self, canary: Canary, ref: configs.ConfigRef) -> str:
        res = r.CONFIGMAPS if ref.kind == "configmap" else r.SECRETS
        ns = _namespace(canary)
        source = await self.client.get(res, ns, ref.name)
        name = f"{ref.name}-primary"
        meta = source.get("metadata") or {}
        prefixes = self.settings.include_label_prefixes
        copy: dict[str, Any] = {
            "metadata": {
                "name": name,
                "namespace": ns,
                "labels": metadata.copied(meta.get("labels"), prefixes),
                "annotations": metadata.copied(meta.get("annotations"), prefixes),
            },
            **{k: source[k] for k in ("data", "binaryData") if k in source},
        }
        if ref.kind == "secret":
            copy["type"] = source.get("type", "Opaque")
        await self.client.apply(res, owned(copy, canary), force=True)
        return name

    async def scale_to_zero(self, canary: Canary) -> None:
        target = self.target(canary)
        ns, name = _namespace(canary), canary.spec.target_ref.name
        if canary.spec.target_ref.kind == "DaemonSet":
            selector = (target["spec"]["template"].get("spec") or {}).get("nodeSelector") or {}
            if selector.get(primary.SCALE_TO_ZERO_SELECTOR) != "true":
                patch = {
                    "spec": {"template": {"spec": {"nodeSelector": {primary.SCALE_TO_ZERO_SELECTOR: "true"}}}}
                }
                await self.client.patch(r.DAEMONSETS, ns, name, patch)
            return
        if target["spec"].get("replicas", 1) != 0:
            await self.client.patch(r.DEPLOYMENTS, ns, name, {"spec": {"replicas": 0}})

    async def scale_from_zero(self, canary: Canary) -> None:
        target = self.target(canary)
        ns, name = _namespace(canary), canary.spec.target_ref.name
        if canary.spec.target_ref.kind == "DaemonSet":
            await self._daemonset_from_zero(target, ns, name)
            return
        if target["spec"].get("replicas", 1) == 0:
            replicas = await self._replicas_from_zero(canary)
            await self.client.patch(r.DEPLOYMENTS, ns, name, {"spec": {"replicas": replicas}})

    async def _daemonset_from_zero(self, target: Mapping[str, Any], ns: str, name: str) -> None:
        selector = (target["spec"]["template"].get("spec") or {}).get("nodeSelector") or {}
        if primary.SCALE_TO_ZERO_SELECTOR in selector:
            patch = {"spec": {"template": {"spec": {"nodeSelector": {primary.SCALE_TO_ZERO_SELECTOR: None}}}}}
            await self.client.patch(r.DAEMONSETS, ns, name, patch)

    async def _replicas_from_zero(self, canary: Canary) -> int:
        """The primary's replicas without an autoscaler; with one, its minimum (at least 1)."""
        if canary.spec.autoscaler_ref is not None:
            return max(1, await self.scalers.min_replicas(canary))
        current = self.primary_object(canary)
        return max(1, int((current or {}).get("spec", {}).get("replicas") or 1))

    async def pause_scaler(self, canary: Canary) -> None:
        await self.scalers.pause(canary)

    async def resume_scaler(self, canary: Canary) -> None:
        await self.scalers.resume(canary)

    async def reconcile_primary_scaler(self, canary: Canary) -> None:
        await self.scalers.reconcile_primary(canary)

    # --- deletion ---------------------------------------------------------------------------------

    async def release(self, canary: Canary, primary_replicas: int | None = None) -> None:
        """Give traffic and capacity back to the target: scaled as the primary was (DaemonSet: the
        scale-to-zero selector removed), the scaler resumed, and a Service that flagger-py took over
        selecting the target's pods again.

        The target is read from the API server, not the cache: the Canary's deletion can arrive
        before the watch of Deployments has delivered our own last scale to zero, and a release that
        trusted the cache would leave the target at zero for good (nothing ticks a deleted Canary)."""
        ns, name = _namespace(canary), canary.spec.target_ref.name
        self.target(canary)  # the kind is supported and the target was known
        try:
            target = await self.client.get(r.WORKLOADS[canary.spec.target_ref.kind], ns, name)
        except KubeNotFound:
            message = f"{canary.spec.target_ref.kind} {name} not found in namespace {ns}"
            raise TargetNotFound([Problem("spec.targetRef.name", message)]) from None
        await self.scalers.resume(canary)
        if canary.spec.target_ref.kind == "DaemonSet":
            await self._daemonset_from_zero(target, ns, name)
        elif target["spec"].get("replicas", 1) == 0:  # a target already serving is left as it is
            current = self.primary_object(canary)
            replicas = primary_replicas or int((current or {}).get("spec", {}).get("replicas") or 0)
            replicas = replicas or await self._replicas_from_zero(canary)
            await self.client.patch(r.DEPLOYMENTS, ns, name, {"spec": {"replicas": replicas}})
        if canary.spec.service is None:
            return
        key, value = self.selector(canary, target)
        apex = self.caches["Service"].get(ns, services.service_name(canary.spec))
        if apex is not None and not owned_by(apex, canary):
            patch = {"spec": {"selector": {**_selector_without(apex, key), key: value}}}
            await self.client.patch(r.SERVICES, ns, apex["metadata"]["name"], patch)


def _takeover(wanted: dict[str, Any], existing: Mapping[str, Any]) -> dict[str, Any]:
    """A Service someone else created: flagger-py manages its selector and ports only (keeping the
    node ports it was given) plus the Flux opt-out annotations; the rest stays theirs."""
    node_ports = {p.get("port"): p.get("nodePort") for p in existing.get("spec", {}).get("ports") or ()}
    ports = []
    for wanted_port in wanted["spec"]["ports"]:
        port = dict(wanted_port)
        if node_ports.get(port["port"]):
            port["nodePort"] = node_ports[port["port"]]
        ports.append(port)
    meta = wanted["metadata"]
    return {
        "metadata": {
            "name": meta["name"],
            "namespace": meta["namespace"],
            "annotations": dict(metadata.FLUX_OPT_OUT),
        },
        "spec": {"selector": wanted["spec"]["selector"], "ports": ports},
    }


def _selector_without(service: Mapping[str, Any], key: str) -> dict[str, Any]:
    selector = dict((service.get("spec") or {}).get("selector") or {})
    selector.pop(key, None)
    return selector


def _namespace(canary: Canary) -> str:
    return canary.metadata.namespace or "default"
