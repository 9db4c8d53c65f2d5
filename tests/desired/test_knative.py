"""Knative Service targets: KnativeWorkloads on in-memory objects (revisions, readiness, the primary
annotation, release) and the pure rules of flagger_py.desired.knative."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from flagger_py.desired import knative as kn
from flagger_py.desired.flagger_hash import string_hash
from flagger_py.errors import KubeError
from flagger_py.kube.knative import KnativeWorkloads
from flagger_py.kube.workloads import TargetInvalid, TargetNotFound
from flagger_py.model.canary import Canary
from flagger_py.ports import Routes
from flagger_py.testing.memory import VirtualClock
from tests.routers.knative_fakes import API, KnativeObjects, new_revision, revision, service

NS = "kn"
KEY = (API, "Service", NS, "podinfo")


def canary(**spec: Any) -> Canary:
    body = {
        "provider": "knative",
        "targetRef": {"apiVersion": API, "kind": "Service", "name": "podinfo"},
        "progressDeadlineSeconds": 60,
        "analysis": {"interval": "15s", "threshold": 5, "stepWeight": 10},
        **spec,
    }
    return Canary.model_validate({"metadata": {"name": "podinfo", "namespace": NS}, "spec": body})


def setup(*objs: dict[str, Any]) -> tuple[KnativeObjects, KnativeWorkloads, VirtualClock]:
    objects = KnativeObjects()
    objects.seed(objs or [service(NS), revision(NS, "podinfo-00001")])
    clock = VirtualClock()
    return objects, KnativeWorkloads(objects, clock), clock


def test_the_revision_is_the_latest_one_knative_created() -> None:
    """As Flagger's: lastAppliedSpec is ComputeHash of the revision name (printed by Go's Flagger 1.44:
    podinfo-00001 -> 5498f4fcd6), so a Knative Canary taken over from Flagger is not analysed again."""
    objects, workloads, _ = setup()
    c = canary()
    assert asyncio.run(workloads.revision(c)).hash == "5498f4fcd6"
    new_revision(objects, NS, "podinfo-00002")
    found = asyncio.run(workloads.revision(c))
    assert (found.hash, dict(found.configs)) == (string_hash("podinfo-00002"), {})
    assert found.hash != "5498f4fcd6"


def test_initialization_makes_the_latest_revision_the_primary() -> None:
    objects, workloads, _ = setup()
    c = canary()

    async def scenario() -> None:
        primary = await workloads.readiness(c, "primary")
        assert not primary.ready
        assert "no primary revision recorded" in primary.message
        await workloads.ensure_services(c)
        assert objects.writes == 0, "no Services are generated for a Knative target"
        await workloads.ensure_primary(c)
        assert kn.primary_revision(objects.objects[KEY]) == "podinfo-00001"
        assert kn.spec_routes(objects.objects[KEY]) == Routes(100, 0)
        assert (await workloads.readiness(c, "primary")).ready
        written = objects.writes
        await workloads.ensure_primary(c)
        assert objects.writes == written, "nothing changed: no write"

    asyncio.run(scenario())


def test_promotion_makes_the_canary_revision_the_primary_and_keeps_the_weights() -> None:
    objects, workloads, _ = setup()
    c = canary()

    async def scenario() -> None:
        await workloads.ensure_primary(c)
        new_revision(objects, NS, "podinfo-00002")
        svc = objects.objects[KEY]
        await objects.apply(kn.owned(svc, "podinfo-00001", Routes(50, 50)))
        await workloads.promote(c)
        svc = objects.objects[KEY]
        assert kn.primary_revision(svc) == "podinfo-00002"
        assert svc["spec"]["traffic"] == [
            {"latestRevision": True, "percent": 50},
            {"revisionName": "podinfo-00002", "latestRevision": False, "percent": 50},
        ]

    asyncio.run(scenario())


def test_readiness_follows_the_revision_s_ready_condition_and_the_progress_deadline() -> None:
    objects, workloads, clock = setup()
    c = canary()
    asyncio.run(workloads.ensure_primary(c))
    new_revision(objects, NS, "podinfo-00002", ready="Unknown")
    waiting = asyncio.run(workloads.readiness(c, "canary"))
    assert (waiting.ready, waiting.failed) == (False, False)
    assert "Knative Revision kn/podinfo-00002 is not ready" in waiting.message
    objects.seed([revision(NS, "podinfo-00002", ready="False", since=clock.now().text)])
    clock.advance(30)
    early = asyncio.run(workloads.readiness(c, "canary"))
    assert (early.ready, early.failed) == (False, False)
    assert "ContainerMissing: image not found" in early.message
    clock.advance(31)
    late = asyncio.run(workloads.readiness(c, "canary"))
    assert (late.ready, late.failed) == (False, True)
    assert "for over 60s" in late.message
    assert asyncio.run(workloads.readiness(c, "primary")).ready


def test_a_revision_not_created_yet_is_waited_for() -> None:
    objects, workloads, _ = setup(service(NS, latest=None))
    c = canary()
    with pytest.raises(KubeError, match="has no revision yet"):
        asyncio.run(workloads.revision(c))
    objects.objects[KEY]["status"] = {"latestCreatedRevisionName": "podinfo-00001"}
    missing = asyncio.run(workloads.readiness(c, "canary"))
    assert not missing.ready
    assert "Knative Revision kn/podinfo-00001 does not exist yet" in missing.message


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"provider": "istio"}, "spec.provider"),
        ({"targetRef": {"apiVersion": "v1", "kind": "Service", "name": "podinfo"}}, "spec.targetRef"),
        (
            {
                "autoscalerRef": {
                    "apiVersion": "autoscaling/v2",
                    "kind": "HorizontalPodAutoscaler",
                    "name": "p",
                }
            },
            "spec.autoscalerRef",
        ),
    ],
)
def test_a_canary_that_cannot_release_a_knative_service_is_invalid(spec: dict[str, Any], field: str) -> None:
    _, workloads, _ = setup()
    with pytest.raises(TargetInvalid) as raised:
        asyncio.run(workloads.revision(canary(**spec)))
    assert raised.value.problems[0].path == field


def test_a_missing_service_is_target_not_found() -> None:
    _, workloads, _ = setup(revision(NS, "x"))
    with pytest.raises(TargetNotFound, match="Knative Service podinfo not found in namespace kn"):
        asyncio.run(workloads.revision(canary()))


def test_scaling_steps_write_nothing() -> None:
    objects, workloads, _ = setup()
    c = canary()

    async def scenario() -> None:
        for step in (
            workloads.scale_to_zero,
            workloads.scale_from_zero,
            workloads.pause_scaler,
            workloads.resume_scaler,
            workloads.reconcile_primary_scaler,
        ):
            await step(c)

    asyncio.run(scenario())
    assert objects.writes == 0


def test_release_gives_the_service_its_own_traffic_back() -> None:
    own = [{"latestRevision": True, "percent": 100, "tag": "live"}]
    objects, workloads, _ = setup(service(NS, traffic=own), revision(NS, "podinfo-00001"))
    c = canary()

    async def scenario() -> None:
        await workloads.release(c)
        assert objects.writes == 0, "never written by flagger-py: nothing to give back"
        await workloads.ensure_primary(c)
        assert objects.objects[KEY]["spec"]["traffic"] != own
        await workloads.release(c)

    asyncio.run(scenario())
    svc = objects.objects[KEY]
    assert svc["spec"]["traffic"] == own
    assert not svc["metadata"].get("annotations")


@pytest.mark.parametrize(
    ("traffic", "routes"),
    [
        (None, None),
        ([{"latestRevision": True, "percent": 100}], None),
        ([{"latestRevision": True, "percent": 10}, {"revisionName": "r1", "percent": 90}], Routes(90, 10)),
        ([{"latestRevision": True, "percent": 10}, {"revisionName": "other", "percent": 90}], None),
        ([{"latestRevision": True, "percent": 10}, {"revisionName": "r1", "percent": 80}], None),
        ([{"latestRevision": True, "percent": True}, {"revisionName": "r1", "percent": 99}], None),
    ],
)
def test_spec_routes_are_read_only_from_the_shape_flagger_py_writes(
    traffic: Any, routes: Routes | None
) -> None:
    svc: dict[str, Any] = {"metadata": {"annotations": {kn.PRIMARY_REVISION: "r1"}}, "spec": {}}
    if traffic is not None:
        svc["spec"]["traffic"] = traffic
    assert kn.spec_routes(svc) == routes


def test_is_knative_is_flagger_s_is_knative_service() -> None:
    assert kn.is_knative("serving.knative.dev/v1", "Service")
    assert not kn.is_knative("v1", "Service")
    assert not kn.is_knative("serving.knative.dev/v1", "Deployment")
