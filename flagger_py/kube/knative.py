"""KnativeWorkloads: the Workloads port for Knative Service targets (Flagger's KnativeController).

Nothing is generated: Knative keeps each version as a Revision. The revision of the target is the
latest one Knative created; ``ensure_primary`` (while initializing) and ``promote`` record a revision
as the primary in the Service's ``flagger.app/primary-revision`` annotation; readiness is the Ready
condition of the primary's or the canary's Revision. There are no Services to generate and nothing
to scale (Knative scales revisions with their traffic), so those steps do nothing.

Reads come from the watch-backed caches of ``ClusterObjects`` (one per kind, started on first use);
writes are server-side applies of the fields ``flagger_py.desired.knative`` says flagger-py owns.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from flagger_py.desired import applied, flagger_hash
from flagger_py.desired import knative as kn
from flagger_py.domain import effective
from flagger_py.domain.observations import Readiness
from flagger_py.errors import KubeError, Problem, TargetInvalid, TargetNotFound
from flagger_py.kube.targets import Unscaled
from flagger_py.model.canary import Canary
from flagger_py.ports import ALL_PRIMARY, Clock, ClusterObjects, Revision


class KnativeNotReady(KubeError):
    """Knative has not created a revision of the Service yet."""


class KnativeWorkloads(Unscaled):
    """Knative Service targets: the primary and canary are two revisions of the same Service."""

    def __init__(self, objects: ClusterObjects, clock: Clock) -> None:
        self.objects = objects
        self.clock = clock

    # --- reading ----------------------------------------------------------------------------------

    async def service(self, canary: Canary) -> Mapping[str, Any]:
        """The target Knative Service; TargetInvalid when the Canary cannot release it."""
        ref = canary.spec.target_ref
        if not kn.is_knative(ref.api_version, ref.kind):
            message = f"{ref.api_version} {ref.kind} is not a Knative Service (use {kn.API} Service)"
            raise TargetInvalid([Problem("spec.targetRef", message)])
        found = kn.problems(canary.spec, canary.spec.provider)
        if found:
            raise TargetInvalid(found)
        return await self._fetch(canary)

    async def _fetch(self, canary: Canary) -> Mapping[str, Any]:
        ns, name = _namespace(canary), canary.spec.target_ref.name
        found = await self.objects.get(kn.API, kn.SERVICE, ns, name)
        if found is None:
            message = f"Knative Service {name} not found in namespace {ns}: create it or fix the name"
            raise TargetNotFound([Problem("spec.targetRef.name", message)])
        return found

    async def latest(self, canary: Canary) -> tuple[Mapping[str, Any], str]:
        service = await self.service(canary)
        latest = kn.latest_created(service)
        if latest is None:
            raise KnativeNotReady(
                f"{kn.describe(service)} has no revision yet (status.latestCreatedRevisionName is empty): "
                "waiting for Knative to create one"
            )
        return service, latest

    async def revision(self, canary: Canary) -> Revision:
        _, latest = await self.latest(canary)
        return Revision(flagger_hash.string_hash(latest), {})  # Flagger's ComputeHash of the name

    async def readiness(self, canary: Canary, which: Literal["primary", "canary"]) -> Readiness:
        service = await self.service(canary)
        name = kn.primary_revision(service) if which == "primary" else kn.latest_created(service)
        if name is None:
            what = "no primary revision recorded" if which == "primary" else "no revision created"
            return Readiness(False, f"{kn.describe(service)} has {what} yet")
        ns = _namespace(canary)
        found = await self.objects.get(kn.API, kn.REVISION, ns, name)
        deadline = effective.progress_deadline(canary.spec)
        return kn.revision_readiness(found, name, ns, self.clock.now().seconds, deadline)

    # --- writing ----------------------------------------------------------------------------------

    async def ensure_services(self, canary: Canary, apex: bool = True) -> None:  # noqa: ARG002
        """Knative routes to its revisions itself: there are no Services to generate."""
        await self.service(canary)

    async def ensure_primary(self, canary: Canary) -> None:
        """While initializing, the latest revision is the primary and gets all traffic (Flagger's
        Initialize, which re-reads the latest revision every initializing tick)."""
        service, latest = await self.latest(canary)
        await self._put(service, kn.owned(service, latest, ALL_PRIMARY))

    async def promote(self, canary: Canary) -> None:
        """The canary revision becomes the primary; the weights stay until the next route change."""
        service, latest = await self.latest(canary)
        await self._put(service, kn.owned(service, latest))

    # --- deletion ---------------------------------------------------------------------------------

    async def release(self, canary: Canary, primary_replicas: int | None = None) -> None:  # noqa: ARG002
        """Give the Service back as it was before flagger-py: its own traffic (none: all to the latest
        revision, Knative's default) and no flagger-py annotations. The Canary may be gone, so its
        provider is not checked (it may have come from -mesh-provider)."""
        service = await self._fetch(canary)
        body = kn.released(service)
        if body is not None:
            await self.objects.apply(body)

    async def _put(self, service: Mapping[str, Any], body: Mapping[str, Any]) -> None:
        if not applied.contains(service, body):
            await self.objects.apply(body)


def _namespace(canary: Canary) -> str:
    return canary.metadata.namespace or "default"
