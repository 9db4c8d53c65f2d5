"""What the shape tests share: Canaries in namespace ``shapes``, a router by provider name, the
objects it wrote after one reconcile and set_routes, and one of them by kind and name."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Any

from flagger_py.model.canary import Canary
from flagger_py.model.strategy import Strategy
from flagger_py.plugins import registry
from flagger_py.spi import Router, RouterContext, Routes
from flagger_py.testing.objects import MemoryObjects
from flagger_py.testing.routers import canary_for, released

NS = "shapes"
FLUX = {
    "kustomize.toolkit.fluxcd.io/reconcile": "disabled",
    "helm.toolkit.fluxcd.io/driftDetection": "disabled",
}
"""The Flux opt-out annotations every generated route object carries."""


def canary(
    provider: str,
    strategy: Strategy | None = None,
    *,
    namespace: str = NS,
    annotations: dict[str, str] | None = None,
    **spec: Any,
) -> Canary:
    return canary_for(provider, spec, strategy, namespace=namespace, annotations=annotations)


def router(provider: str, objects: MemoryObjects, **options: str) -> Router:
    made: Router = registry("router").get(provider)(RouterContext(objects, options))
    return made


def release(
    provider: str,
    c: Canary,
    routes: Routes,
    seed: Iterable[dict[str, Any]] = (),
    objects: MemoryObjects | None = None,
    options: Mapping[str, str] | None = None,
) -> MemoryObjects:
    """The objects after ``provider``'s router reconciled ``c`` and set ``routes`` (on ``objects``,
    or on fresh ones holding ``seed``)."""
    if objects is None:
        objects = MemoryObjects()
        objects.seed(list(seed))
    asyncio.run(released(router(provider, objects, **(options or {})), c, routes))
    return objects


def routes_after(provider: str, c: Canary, routes: Routes, seed: Iterable[dict[str, Any]] = ()) -> Routes:
    """What ``provider``'s router reads back after a ``release`` of ``routes``."""
    objects = release(provider, c, routes, seed)
    read: Routes = asyncio.run(router(provider, objects).get_routes(c))
    return read


def refusal(provider: str, c: Canary) -> str:
    """Why ``provider``'s router refuses ``c`` (check() must refuse it)."""
    problem = router(provider, MemoryObjects()).check(c)
    assert problem is not None, f"{provider} accepts the canary"
    return problem


def written(
    objects: MemoryObjects, kind: str, name: str = "podinfo", api: str | None = None
) -> dict[str, Any]:
    found = [o for (v, k, _, n), o in objects.objects.items() if k == kind and n == name and api in (None, v)]
    assert found, f"no {kind} {name}: {sorted(objects.objects)}"
    return found[0]
