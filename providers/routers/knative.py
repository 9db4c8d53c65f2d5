"""provider: knative — traffic split between two revisions of a Knative Service (serving.knative.dev/v1).

Object: the target Knative Service itself (nothing is created). ``spec.traffic`` gets two entries: the
latest revision (the canary) with the canary weight, and the primary revision, named by the
``flagger.app/primary-revision`` annotation, with the rest. Weights are read back from
``status.traffic``, what Knative actually routes; until Knative has applied the current generation,
get_routes raises RouterError. Finalize gives the Service back its own traffic (Knative's default when
it had none: everything to the latest revision) and removes flagger-py's annotations.

Only Knative Service targets, canary and blue/green strategies, and no autoscalerRef (Knative scales
its revisions itself) are accepted, as Flagger's verifyKnativeCanary.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flagger_py.errors import RouterError
from flagger_py.model.canary import Canary
from flagger_py.model.strategy import Strategy, unsupported
from flagger_py.spi import RouterContext, Routes
from flagger_py.spi import knative as kn

from . import objects


class KnativeRouter:
    """Implements ``ports.Router`` for ``provider: knative``."""

    provider = "knative"
    strategies: frozenset[Strategy] = frozenset({"canary", "blue/green"})

    def __init__(self, context: RouterContext) -> None:
        self.cluster = context.cluster

    def check(self, canary: Canary) -> str | None:
        found = kn.problems(canary.spec, self.provider)
        return str(found[0]) if found else unsupported(canary, self.provider, self.strategies)

    async def service(self, canary: Canary) -> Mapping[str, Any]:
        namespace = canary.metadata.namespace or "default"
        name = canary.spec.target_ref.name
        found = await self.cluster.get(kn.API, kn.SERVICE, namespace, name)
        if found is None:
            raise RouterError(f"Knative Service {namespace}/{name} not found")
        return found

    async def reconcile(self, canary: Canary) -> None:
        """Make sure the Service has a primary revision and flagger-py's traffic, weights kept."""
        service = await self.service(canary)
        primary = kn.primary_revision(service) or kn.latest_created(service)
        if primary is None:
            raise RouterError(f"{kn.describe(service)} has no revision yet: waiting for Knative")
        await self._put(service, kn.owned(service, primary))

    async def set_routes(self, canary: Canary, routes: Routes) -> None:
        service = await self.service(canary)
        primary = kn.primary_revision(service)
        if primary is None:
            why = f"has no {kn.PRIMARY_REVISION} annotation (it is set at initialization)"
            raise RouterError(f"{kn.describe(service)} {why}")
        await self._put(service, kn.owned(service, primary, Routes(routes.primary, routes.canary)))

    async def get_routes(self, canary: Canary) -> Routes:
        found = kn.status_routes(await self.service(canary))
        if isinstance(found, str):
            raise RouterError(found)
        return found

    async def finalize(self, canary: Canary) -> None:
        namespace = canary.metadata.namespace or "default"
        service = await self.cluster.get(kn.API, kn.SERVICE, namespace, canary.spec.target_ref.name)
        body = kn.released(service) if service is not None else None
        if body is not None:
            await self.cluster.apply(body)

    async def _put(self, service: Mapping[str, Any], body: Mapping[str, Any]) -> None:
        """Apply flagger-py's fields unless the Service already has them (never an owner reference:
        the Service is the user's)."""
        if not objects.contains(service, body):
            await self.cluster.apply(body)
