"""KubeServiceTarget: the Workloads port for a core Service target (``kind: Service``, apiVersion v1),
as Flagger's ServiceController.

The user's Service ``X`` is read from the cache; ``X-canary`` follows it (created at initialization,
brought in line whenever the canary is looked at, so a change of ``X`` reaches it before any traffic
or analysis does) and ``X-primary`` is copied from it at initialization and at each promotion. Both
copies are server-side applied with an owner reference to the Canary, only when they differ from what
``flagger_py.desired.service_target`` generates. There are no pods to wait for or scale: the canary is
ready once its copy is current, the primary once it exists, and scaling, autoscalers and release are
nothing to do.
"""

from __future__ import annotations

from typing import Any, Literal

from flagger_py.desired import service_target
from flagger_py.domain.observations import Readiness
from flagger_py.errors import Problem
from flagger_py.kube import resources as r
from flagger_py.kube.client import KubeClient
from flagger_py.kube.informers import Caches
from flagger_py.kube.owners import owned
from flagger_py.kube.targets import Unscaled
from flagger_py.kube.workloads import TargetInvalid, TargetNotFound
from flagger_py.model.canary import Canary
from flagger_py.ports import Revision


class KubeServiceTarget(Unscaled):
    """Implements ``targets.TargetWorkloads`` for core Service targets."""

    def __init__(
        self, client: KubeClient, caches: Caches, include_label_prefixes: tuple[str, ...] = ()
    ) -> None:
        self.client = client
        self.caches = caches
        self.include_label_prefixes = include_label_prefixes

    # --- reading ----------------------------------------------------------------------------------

    def target(self, canary: Canary) -> dict[str, Any]:
        """The Service ``X``; TargetNotFound naming spec.targetRef.name when it does not exist."""
        ns, name = _namespace(canary), canary.spec.target_ref.name
        found = self.caches["Service"].get(ns, name)
        if found is None:
            message = f"Service {name} not found in namespace {ns}: create it or fix the name"
            raise TargetNotFound([Problem("spec.targetRef.name", message)])
        return found

    def copy(self, canary: Canary, role: Literal["primary", "canary"]) -> dict[str, Any] | None:
        name = service_target.copy_name(canary.spec.target_ref.name, role)
        return self.caches["Service"].get(_namespace(canary), name)

    async def revision(self, canary: Canary) -> Revision:
        target = self.target(canary)
        self._check_port(canary, target)
        return Revision(service_target.revision(target), {})

    async def readiness(self, canary: Canary, which: Literal["primary", "canary"]) -> Readiness:
        if which == "primary":
            if self.copy(canary, "primary") is None:
                name = service_target.copy_name(canary.spec.target_ref.name, "primary")
                return Readiness(False, f"Service {name} does not exist yet")
            return Readiness(True)
        if canary.metadata.deletion_timestamp is None:
            await self._apply(canary, "canary")
        return Readiness(True)

    # --- writing ----------------------------------------------------------------------------------

    async def ensure_services(self, canary: Canary, apex: bool = True) -> None:  # noqa: ARG002
        """``X-canary`` as a copy of ``X``; the apex is ``X`` itself, the user's, never written."""
        await self._apply(canary, "canary")

    async def ensure_primary(self, canary: Canary) -> None:
        if self.copy(canary, "primary") is None:
            await self._apply(canary, "primary")

    async def promote(self, canary: Canary) -> None:
        """``X``'s spec, labels and annotations copied to ``X-primary``."""
        await self._apply(canary, "primary")

    async def _apply(self, canary: Canary, role: Literal["primary", "canary"]) -> None:
        wanted = owned(
            service_target.service_copy(canary, self.target(canary), role, self.include_label_prefixes),
            canary,
        )
        if not service_target.current(self.copy(canary, role), wanted):
            await self.client.apply(r.SERVICES, wanted, force=True)

    def _check_port(self, canary: Canary, target: dict[str, Any]) -> None:
        """Routers send to ``spec.service.port`` of the copies: ``X`` must serve it (checked with every
        revision, so a Canary that cannot be routed is blocked before anything is generated)."""
        service = canary.spec.service
        if service is None or canary.spec.provider == "kubernetes":  # the kubernetes router sends nothing
            return
        served = service_target.ports(target)
        if service.port not in served:
            listed = ", ".join(map(str, served)) or "none"
            message = (
                f"Service {canary.spec.target_ref.name} has no port {service.port} (its ports: {listed}); "
                "set spec.service.port to the port routers should send to"
            )
            raise TargetInvalid([Problem("spec.service.port", message)])

    # --- deletion ---------------------------------------------------------------------------------

    async def release(self, canary: Canary, primary_replicas: int | None = None) -> None:  # noqa: ARG002
        """``X`` was never changed: nothing to give back (the copies go with the Canary). Raises
        TargetNotFound when ``X`` is gone, as for other targets."""
        self.target(canary)


def _namespace(canary: Canary) -> str:
    return canary.metadata.namespace or "default"
