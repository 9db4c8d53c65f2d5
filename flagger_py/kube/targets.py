"""Targets: the Workloads port of every target kind, chosen per Canary by ``spec.targetRef``.

A Canary's ``spec.targetRef`` (apiVersion, kind) picks the implementation: Deployment and DaemonSet
(``workloads.KubeWorkloads``), a core Service (``service_target.KubeServiceTarget``), and whatever
else is registered in the mapping the controller is built with (a Knative Service, apiVersion
``serving.knative.dev/v1``). An entry keyed by ``(apiVersion, kind)`` wins over one keyed by
``(None, kind)``, which serves that kind under any other apiVersion (Flagger chooses by kind alone,
except for Knative's Service), so ``apps/v1`` and ``extensions/v1beta1`` Deployments both reach
``KubeWorkloads``. A kind with no entry raises ``TargetInvalid`` naming ``spec.targetRef``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, Protocol

from flagger_py.domain.observations import Readiness
from flagger_py.errors import Problem
from flagger_py.kube.workloads import TargetInvalid
from flagger_py.model.canary import Canary
from flagger_py.ports import Revision, Workloads

Key = tuple[str | None, str]
"""(apiVersion, kind) of a target; apiVersion None matches any apiVersion of that kind."""


class TargetWorkloads(Workloads, Protocol):
    """The Workloads port plus what a deleted Canary needs: ``release`` gives the target its traffic
    and capacity back (the reconciler calls it on deletion, with the primary's last replicas when the
    target is a Deployment)."""

    async def release(self, canary: Canary, primary_replicas: int | None = None) -> None: ...


class Unscaled:
    """The scaling half of the Workloads port for a target flagger-py never scales (a Service has no
    replicas, Knative scales its revisions with their traffic, and both refuse spec.autoscalerRef):
    every step does nothing."""

    async def scale_to_zero(self, canary: Canary) -> None:
        """Nothing to scale down."""

    async def scale_from_zero(self, canary: Canary) -> None:
        """Nothing to scale up."""

    async def pause_scaler(self, canary: Canary) -> None:
        """No autoscaler to pause."""

    async def resume_scaler(self, canary: Canary) -> None:
        """No autoscaler to resume."""

    async def reconcile_primary_scaler(self, canary: Canary) -> None:
        """No primary autoscaler to keep."""


class Targets:
    """Implements ``TargetWorkloads`` by handing each call to the implementation of the Canary's
    target kind."""

    def __init__(self, kinds: Mapping[Key, TargetWorkloads]) -> None:
        self.kinds = dict(kinds)

    def of(self, canary: Canary) -> TargetWorkloads:
        """The implementation for this Canary's ``spec.targetRef``."""
        ref = canary.spec.target_ref
        found = self.kinds.get((ref.api_version, ref.kind)) or self.kinds.get((None, ref.kind))
        if found is None:
            served = ", ".join(sorted(f"{v or '*'} {k}" for v, k in self.kinds)) or "none"
            message = (
                f"{ref.api_version} {ref.kind} is not a target this controller can release "
                f"(it releases: {served}); point spec.targetRef at one of them"
            )
            raise TargetInvalid([Problem("spec.targetRef", message)])
        return found

    async def revision(self, canary: Canary) -> Revision:
        return await self.of(canary).revision(canary)

    async def readiness(self, canary: Canary, which: Literal["primary", "canary"]) -> Readiness:
        return await self.of(canary).readiness(canary, which)

    async def ensure_services(self, canary: Canary, apex: bool = True) -> None:
        await self.of(canary).ensure_services(canary, apex)

    async def ensure_primary(self, canary: Canary) -> None:
        await self.of(canary).ensure_primary(canary)

    async def scale_to_zero(self, canary: Canary) -> None:
        await self.of(canary).scale_to_zero(canary)

    async def scale_from_zero(self, canary: Canary) -> None:
        await self.of(canary).scale_from_zero(canary)

    async def promote(self, canary: Canary) -> None:
        await self.of(canary).promote(canary)

    async def pause_scaler(self, canary: Canary) -> None:
        await self.of(canary).pause_scaler(canary)

    async def resume_scaler(self, canary: Canary) -> None:
        await self.of(canary).resume_scaler(canary)

    async def reconcile_primary_scaler(self, canary: Canary) -> None:
        await self.of(canary).reconcile_primary_scaler(canary)

    async def release(self, canary: Canary, primary_replicas: int | None = None) -> None:
        await self.of(canary).release(canary, primary_replicas)
