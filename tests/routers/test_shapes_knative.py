"""What the knative router writes to the Knative Service, field by field, and what it refuses."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from flagger_py.errors import RouterError
from flagger_py.model.canary import Canary
from flagger_py.plugins import registry
from flagger_py.ports import ALL_PRIMARY, Router, RouterContext, Routes
from flagger_py.testing.routers import BASE, merged
from tests.routers.knative_fakes import API, KnativeObjects, play_knative, service

NS = "shapes"
KEY = (API, "Service", NS, "podinfo")
TARGET = {"apiVersion": API, "kind": "Service", "name": "podinfo"}
HPA_REF = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "name": "p"}


def canary(**spec: Any) -> Canary:
    body = merged(BASE, {"provider": "knative", "targetRef": TARGET, **spec})
    body.pop("service")
    return Canary.model_validate({"metadata": {"name": "podinfo", "namespace": NS}, "spec": body})


def setup(**svc: Any) -> tuple[KnativeObjects, Router]:
    objects = KnativeObjects()
    objects.seed([service(NS, **svc)])
    router: Router = registry("router").get("knative")(RouterContext(objects, {}))
    return objects, router


def test_reconcile_records_the_primary_and_sends_it_all_traffic() -> None:
    objects, router = setup()
    asyncio.run(router.reconcile(canary()))
    svc = objects.objects[KEY]
    assert svc["metadata"]["annotations"] == {
        "flagger.app/primary-revision": "podinfo-00001",
        "flagger-py.app/original-traffic": "null",
    }
    assert svc["spec"]["traffic"] == [
        {"latestRevision": True, "percent": 0},
        {"revisionName": "podinfo-00001", "latestRevision": False, "percent": 100},
    ]
    assert svc["spec"]["template"] == service(NS)["spec"]["template"], "the user's template is not ours"
    assert "ownerReferences" not in svc["metadata"], "the Service is the user's: no owner reference"


def test_set_routes_gives_the_latest_revision_the_canary_weight() -> None:
    objects, router = setup()
    c = canary()

    async def scenario() -> None:
        await router.reconcile(c)
        await router.set_routes(c, Routes(70, 30))

    asyncio.run(scenario())
    assert objects.objects[KEY]["spec"]["traffic"] == [
        {"latestRevision": True, "percent": 30},
        {"revisionName": "podinfo-00001", "latestRevision": False, "percent": 70},
    ]


def test_routes_are_read_from_status_even_when_both_entries_name_the_same_revision() -> None:
    """After a promotion the primary is the latest revision: Knative names it in both entries."""
    objects, router = setup()
    c = canary()
    objects.objects[KEY]["metadata"]["annotations"] = {"flagger.app/primary-revision": "podinfo-00001"}
    objects.objects[KEY]["status"]["traffic"] = [
        {"revisionName": "podinfo-00001", "latestRevision": True, "percent": 0},
        {"revisionName": "podinfo-00001", "latestRevision": False, "percent": 100},
    ]
    assert asyncio.run(router.get_routes(c)) == ALL_PRIMARY


@pytest.mark.parametrize(
    ("traffic", "why"),
    [
        (None, "routes neither the latest revision nor podinfo-00001"),
        ([{"revisionName": "podinfo-00001", "latestRevision": False, "percent": 100}], "routes neither"),
        (
            [
                {"revisionName": "podinfo-00002", "latestRevision": True, "percent": 50},
                {"revisionName": "podinfo-00001", "latestRevision": False, "percent": 20},
            ],
            "do not add up to 100",
        ),
    ],
)
def test_routes_knative_does_not_report_are_an_error_not_a_guess(traffic: Any, why: str) -> None:
    objects, router = setup()
    objects.objects[KEY]["metadata"]["annotations"] = {"flagger.app/primary-revision": "podinfo-00001"}
    if traffic is not None:
        objects.objects[KEY]["status"]["traffic"] = traffic
    with pytest.raises(RouterError, match=why):
        asyncio.run(router.get_routes(canary()))


def test_a_missing_service_or_revision_is_a_router_error_naming_it() -> None:
    _, router = setup(latest=None)
    with pytest.raises(RouterError, match=f"Knative Service {NS}/podinfo has no revision yet"):
        asyncio.run(router.reconcile(canary()))
    empty: Router = registry("router").get("knative")(RouterContext(KnativeObjects(), {}))
    with pytest.raises(RouterError, match=f"Knative Service {NS}/podinfo not found"):
        asyncio.run(empty.get_routes(canary()))


def test_steady_routes_cost_no_writes_and_finalize_without_writes_writes_nothing() -> None:
    objects, router = setup()
    c = canary()

    async def scenario() -> None:
        await router.finalize(c)
        assert objects.writes == 0
        await router.reconcile(c)
        await router.set_routes(c, Routes(90, 10))
        play_knative(objects)
        written = objects.writes
        await router.set_routes(c, Routes(90, 10))
        await router.reconcile(c)
        assert objects.writes == written
        assert await router.get_routes(c) == Routes(90, 10)

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"}}, "spec.targetRef"),
        ({"targetRef": {"apiVersion": "v1", "kind": "Service", "name": "podinfo"}}, "spec.targetRef"),
        ({"autoscalerRef": HPA_REF}, "spec.autoscalerRef"),
        (
            {
                "analysis": {
                    "iterations": 5,
                    "match": [{"headers": {"x": {"exact": "y"}}}],
                    "stepWeight": None,
                }
            },
            "spec.analysis.match",
        ),
        ({"analysis": {"iterations": 5, "mirror": True, "stepWeight": None}}, "spec.analysis.mirror"),
        ({"analysis": {"sessionAffinity": {"cookieName": "c"}}}, "spec.analysis.sessionAffinity"),
    ],
)
def test_check_refuses_what_knative_cannot_do_naming_the_field(spec: dict[str, Any], field: str) -> None:
    _, router = setup()
    analysis = spec.pop("analysis", None)
    c = canary(**spec)
    if analysis is not None:
        body = c.model_dump(by_alias=True, exclude_none=True)
        body["spec"]["analysis"] = {
            k: v for k, v in {**body["spec"]["analysis"], **analysis}.items() if v is not None
        }
        c = Canary.model_validate(body)
    problem = router.check(c)
    assert problem is not None
    assert problem.startswith(field), problem


def test_check_accepts_canary_and_blue_green_on_a_knative_service() -> None:
    _, router = setup()
    assert router.check(canary()) is None
    body = canary().model_dump(by_alias=True, exclude_none=True)
    body["spec"]["analysis"] = {"interval": "1m", "threshold": 5, "iterations": 5}
    assert router.check(Canary.model_validate(body)) is None
