"""RouterContract: the pytest suite every router plugin passes, built-in or third-party.

Subclass it in a test module (the class name must start with ``Test``), point ``factory`` at the
object your entry point registers, and say what your router needs::

    class TestMyMesh(RouterContract):
        factory = MyMeshRouter
        provider = "mymesh"

        def spec(self) -> dict[str, Any]:          # fields your router needs in Canary.spec
            return {"service": {"port": 9898, "gateways": ["public"]}}

The suite runs the router on ``flagger_py.testing.objects.MemoryObjects`` and checks: every
strategy it declares is accepted by ``check`` and every other one refused with the field named;
set/get round trip for weights 0..100; the mirrored flag; reconcile is idempotent (no write when
nothing changed) and never resets weights; finalize hands objects taken over back unchanged and
removes the ones it created; a route object deleted behind its back is recreated. Tests are
synchronous (each runs its coroutines with ``asyncio.run``), so no pytest plugin is needed.
``canary_for`` and ``released`` are the kit's Canary builder and its "reconcile, then set the
routes", for your router's own tests.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Coroutine, Mapping
from typing import Any, ClassVar

import pytest

from flagger_py.model.canary import Canary
from flagger_py.model.strategy import ALL, FIELDS, Strategy
from flagger_py.spi import ALL_PRIMARY, Router, RouterContext, Routes
from flagger_py.testing.objects import MemoryObjects

NAMESPACE = "contract"
BASE: dict[str, Any] = {
    "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
    "service": {"port": 9898},
    "analysis": {"interval": "1m", "threshold": 5, "stepWeight": 10},
}
STRATEGY_ANALYSIS: dict[Strategy, dict[str, Any]] = {
    "canary": {"stepWeight": 10},
    "blue/green": {"iterations": 5},
    "a/b testing": {"iterations": 5, "match": [{"headers": {"x-canary": {"exact": "insider"}}}]},
    "traffic mirroring": {"iterations": 5, "mirror": True, "mirrorWeight": 50},
    "session affinity": {"stepWeight": 10, "sessionAffinity": {"cookieName": "flagger-cookie"}},
}
STEP_KEYS = ("stepWeight", "stepWeights", "iterations")


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coro)


def merged(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``extra`` merged in, maps recursively."""
    out = copy.deepcopy(dict(base))
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def canary_for(
    provider: str,
    spec: Mapping[str, Any] | None = None,
    strategy: Strategy | None = None,
    *,
    namespace: str = NAMESPACE,
    annotations: Mapping[str, str] | None = None,
    status: Mapping[str, Any] | None = None,
) -> Canary:
    """Canary ``podinfo`` of ``provider``: ``BASE`` with ``spec`` merged in and, given a ``strategy``,
    the analysis of ``STRATEGY_ANALYSIS`` in place of the step fields."""
    body = merged(BASE, {**(spec or {}), "provider": provider})
    if strategy is not None:
        analysis = {k: v for k, v in body["analysis"].items() if k not in STEP_KEYS}
        body["analysis"] = {**analysis, **STRATEGY_ANALYSIS[strategy]}
    metadata: dict[str, Any] = {"name": "podinfo", "namespace": namespace}
    if annotations:
        metadata["annotations"] = dict(annotations)
    document: dict[str, Any] = {"metadata": metadata, "spec": body}
    if status:
        document["status"] = dict(status)
    return Canary.model_validate(document)


async def released(router: Router, canary: Canary, routes: Routes) -> None:
    """What a tick does to the router before it reads the routes: reconcile, then set ``routes``."""
    await router.reconcile(canary)
    await router.set_routes(canary, routes)


class RouterContract:
    """The contract; see the module docstring. Override the hooks below as your router needs."""

    factory: ClassVar[Any]
    """The object the entry point registers: ``factory(RouterContext) -> Router``."""
    provider: ClassVar[str]
    options: ClassVar[Mapping[str, str]] = {}
    splits_traffic: ClassVar[bool] = True
    """False for a router that never splits (``kubernetes``): its routes are always all-primary."""

    # --- hooks ---------------------------------------------------------------------------------

    def spec(self) -> dict[str, Any]:
        """Fields merged into every test Canary's spec (``provider`` is set for you)."""
        return {}

    def seed(self, namespace: str) -> list[dict[str, Any]]:  # noqa: ARG002 - a hook
        """Objects that exist before the router runs and that it reads (an Ingress for nginx)."""
        return []

    def taken_over(self, namespace: str) -> list[dict[str, Any]]:  # noqa: ARG002 - a hook
        """Pre-existing objects the router takes over; finalize must give them back unchanged."""
        return []

    def accept(self, objects: MemoryObjects) -> None:  # noqa: ARG002 - a hook
        """Play the mesh: mark the router's objects accepted (Gateway API parents), if it waits for that."""
        return

    # --- fixtures ------------------------------------------------------------------------------

    @pytest.fixture
    def objects(self) -> MemoryObjects:
        made = MemoryObjects()
        made.seed(self.seed(NAMESPACE))
        return made

    @pytest.fixture
    def router(self, objects: MemoryObjects) -> Router:
        router: Router = self.factory(RouterContext(objects, dict(self.options)))
        return router

    def canary(self, strategy: Strategy = "canary", **status: Any) -> Canary:
        return canary_for(self.provider, self.spec(), strategy, status=status)

    def strategies(self, router: Router) -> frozenset[Strategy]:
        declared: frozenset[Strategy] = getattr(router, "strategies", frozenset(ALL))
        return declared

    async def routes(self, router: Router, objects: MemoryObjects, canary: Canary) -> Routes:
        self.accept(objects)
        return await router.get_routes(canary)

    # --- the contract --------------------------------------------------------------------------

    def test_declared_strategies_are_accepted_and_the_others_refused(self, router: Router) -> None:
        supported = self.strategies(router)
        assert "canary" in supported or "blue/green" in supported, "a router must do canary or blue/green"
        for strategy in ALL:
            problem = router.check(self.canary(strategy))
            if strategy in supported:
                assert problem is None, f"{strategy}: {problem}"
            else:
                assert problem is not None, f"{strategy} is not declared but check() accepts it"
                assert FIELDS[strategy] in problem, problem

    def test_weights_round_trip_from_0_to_100(self, router: Router, objects: MemoryObjects) -> None:
        canary = self.canary()

        async def scenario() -> None:
            await router.reconcile(canary)
            assert await self.routes(router, objects, canary) == ALL_PRIMARY
            for weight in range(101):
                await router.set_routes(canary, Routes(100 - weight, weight))
                expected = Routes(100 - weight, weight) if self.splits_traffic else ALL_PRIMARY
                assert await self.routes(router, objects, canary) == expected, f"canary weight {weight}"

        run(scenario())

    def test_mirroring_round_trips_when_supported(self, router: Router, objects: MemoryObjects) -> None:
        if "traffic mirroring" not in self.strategies(router):
            pytest.skip("this router does not mirror (check() refuses mirroring canaries)")
        canary = self.canary("traffic mirroring")

        async def scenario() -> None:
            await released(router, canary, Routes(100, 0, mirrored=True))
            assert await self.routes(router, objects, canary) == Routes(100, 0, mirrored=True)
            await router.set_routes(canary, Routes(0, 100))
            assert await self.routes(router, objects, canary) == Routes(0, 100)

        run(scenario())

    def test_reconcile_is_idempotent_and_keeps_the_weights(
        self, router: Router, objects: MemoryObjects
    ) -> None:
        canary = self.canary()

        async def scenario() -> None:
            await router.reconcile(canary)
            written = objects.writes
            await router.reconcile(canary)
            assert objects.writes == written, "a second reconcile with nothing changed must not write"
            await router.set_routes(canary, Routes(70, 30))
            written = objects.writes
            await router.reconcile(canary)
            assert objects.writes == written, "reconcile rewrote objects whose only change was the weights"
            expected = Routes(70, 30) if self.splits_traffic else ALL_PRIMARY
            assert await self.routes(router, objects, canary) == expected

        run(scenario())

    def test_finalize_hands_back_what_it_took_and_removes_what_it_made(
        self, router: Router, objects: MemoryObjects
    ) -> None:
        before = {**objects.objects}
        taken = self.taken_over(NAMESPACE)
        objects.seed(taken)
        originals = {k: copy.deepcopy(v) for k, v in objects.objects.items() if k not in before}
        canary = self.canary()

        async def scenario() -> None:
            await released(router, canary, Routes(50, 50))
            await router.finalize(canary)

        run(scenario())
        for key, original in originals.items():
            now = objects.objects.get(key)
            assert now is not None, f"finalize deleted {key}, which was not the router's"
            assert now.get("spec") == original.get("spec"), f"finalize did not restore {key}"
        left = set(objects.objects) - set(before) - set(originals)
        assert not left, f"finalize left objects it created: {sorted(left)}"

    def test_a_deleted_route_object_is_recreated(self, router: Router, objects: MemoryObjects) -> None:
        canary = self.canary()

        async def scenario() -> None:
            seeded = set(objects.objects)
            await released(router, canary, Routes(60, 40))
            made = set(objects.objects) - seeded
            for key in made:
                del objects.objects[key]
            assert await self.routes(router, objects, canary) == ALL_PRIMARY
            assert made <= set(objects.objects), "get_routes did not recreate the deleted objects"

        run(scenario())

    def test_session_affinity_weights_stay_readable(self, router: Router, objects: MemoryObjects) -> None:
        if "session affinity" not in self.strategies(router):
            pytest.skip("this router has no session affinity (check() refuses such canaries)")
        running = self.canary(
            "session affinity", phase="Progressing", sessionAffinityCookie="flagger-cookie=abc"
        )
        after = self.canary(
            "session affinity", phase="Succeeded", previousSessionAffinityCookie="flagger-cookie=abc"
        )

        async def scenario() -> None:
            await router.reconcile(running)
            for weight in (10, 50, 90):
                await router.set_routes(running, Routes(100 - weight, weight))
                assert await self.routes(router, objects, running) == Routes(100 - weight, weight)
            await router.set_routes(after, ALL_PRIMARY)
            assert await self.routes(router, objects, after) == ALL_PRIMARY

        run(scenario())
