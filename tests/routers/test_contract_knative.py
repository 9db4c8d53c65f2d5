"""The knative router passes RouterContract, loaded through its entry point, on a Knative Service whose
spec is applied as server-side apply does and whose status a stand-in for Knative's controller writes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from flagger_py.errors import RouterError
from flagger_py.plugins import registry
from flagger_py.ports import ALL_PRIMARY, Router, RouterContext, Routes
from flagger_py.testing.objects import MemoryObjects
from flagger_py.testing.routers import NAMESPACE, RouterContract, released
from tests.routers.knative_fakes import API, KnativeObjects, play_knative, service

KNATIVE_TARGET = {"targetRef": {"apiVersion": API, "kind": "Service", "name": "podinfo"}}


class TestKnative(RouterContract):
    factory = registry("router").get("knative")
    provider = "knative"

    @pytest.fixture
    def objects(self) -> MemoryObjects:
        made = KnativeObjects()
        made.seed(self.seed(NAMESPACE))
        return made

    def spec(self) -> dict[str, Any]:
        return dict(KNATIVE_TARGET)

    def seed(self, namespace: str) -> list[dict[str, Any]]:
        return [service(namespace)]

    def accept(self, objects: MemoryObjects) -> None:
        play_knative(objects)

    def test_finalize_gives_the_service_back_as_the_user_wrote_it(
        self, router: Router, objects: MemoryObjects
    ) -> None:
        key = (API, "Service", NAMESPACE, "podinfo")
        original = dict(objects.objects[key])
        canary = self.canary()

        async def scenario() -> None:
            await router.reconcile(canary)
            await router.set_routes(canary, Routes(60, 40))
            assert objects.objects[key]["spec"]["traffic"][0] == {"latestRevision": True, "percent": 40}
            await router.finalize(canary)

        asyncio.run(scenario())
        now = objects.objects[key]
        assert now["spec"] == original["spec"]
        assert not now["metadata"].get("annotations")

    def test_the_user_s_own_traffic_comes_back_on_finalize(self, objects: MemoryObjects) -> None:
        own = [{"latestRevision": True, "percent": 100, "tag": "current"}]
        objects.seed([service(NAMESPACE, traffic=own)])
        router = self.factory(self.context(objects))
        canary = self.canary()

        asyncio.run(released(router, canary, Routes(90, 10)))
        asyncio.run(router.finalize(canary))
        assert objects.objects[(API, "Service", NAMESPACE, "podinfo")]["spec"]["traffic"] == own

    def test_routes_wait_for_knative_to_apply_the_generation(
        self, router: Router, objects: MemoryObjects
    ) -> None:
        canary = self.canary()
        asyncio.run(router.reconcile(canary))
        self.accept(objects)
        assert asyncio.run(router.get_routes(canary)) == ALL_PRIMARY
        asyncio.run(router.set_routes(canary, Routes(80, 20)))
        with pytest.raises(RouterError, match="has not applied generation"):
            asyncio.run(router.get_routes(canary))
        self.accept(objects)
        assert asyncio.run(router.get_routes(canary)) == Routes(80, 20)

    def context(self, objects: MemoryObjects) -> RouterContext:
        return RouterContext(objects, {})

    def test_a_deleted_route_object_is_recreated(self, router: Router, objects: MemoryObjects) -> None:
        """Knative's router creates no object: its route is the user's Service. The counterpart is a
        Service whose flagger-py fields someone removed: reconcile writes them again, all to the primary."""
        canary = self.canary()
        key = (API, "Service", NAMESPACE, "podinfo")

        async def scenario() -> None:
            await router.reconcile(canary)
            await router.set_routes(canary, Routes(60, 40))
            stored = objects.objects[key]
            stored["metadata"]["annotations"] = {}
            stored["spec"].pop("traffic")
            with pytest.raises(RouterError, match=r"no flagger\.app/primary-revision annotation"):
                await self.routes(router, objects, canary)
            await router.reconcile(canary)
            assert await self.routes(router, objects, canary) == ALL_PRIMARY

        asyncio.run(scenario())
