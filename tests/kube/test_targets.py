"""Targets hands every Workloads call to the implementation of the Canary's spec.targetRef."""

from __future__ import annotations

from typing import Any, Literal

import pytest

from flagger_py.domain.observations import Readiness
from flagger_py.kube.targets import Targets
from flagger_py.kube.workloads import TargetInvalid
from flagger_py.model.canary import Canary
from flagger_py.ports import Revision


def canary(api_version: str, kind: str) -> Canary:
    return Canary.model_validate(
        {
            "apiVersion": "flagger.app/v1beta1",
            "kind": "Canary",
            "metadata": {"name": "podinfo", "namespace": "test"},
            "spec": {
                "provider": "kubernetes",
                "targetRef": {"apiVersion": api_version, "kind": kind, "name": "podinfo"},
                "analysis": {"interval": "1m", "threshold": 2, "iterations": 2},
            },
        }
    )


class Recording:
    """A TargetWorkloads that records the calls it gets, under its own name."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.calls: list[tuple[str, Any]] = []

    def saw(self, canary: Canary, call: str, argument: Any = None) -> None:
        assert canary.spec.target_ref.name == "podinfo"
        self.calls.append((call, argument))

    async def revision(self, canary: Canary) -> Revision:
        self.saw(canary, "revision", None)
        return Revision(self.name, {})

    async def readiness(self, canary: Canary, which: Literal["primary", "canary"]) -> Readiness:
        self.saw(canary, "readiness", which)
        return Readiness(True, self.name)

    async def ensure_services(self, canary: Canary, apex: bool = True) -> None:
        self.saw(canary, "ensure_services", apex)

    async def ensure_primary(self, canary: Canary) -> None:
        self.saw(canary, "ensure_primary", None)

    async def scale_to_zero(self, canary: Canary) -> None:
        self.saw(canary, "scale_to_zero", None)

    async def scale_from_zero(self, canary: Canary) -> None:
        self.saw(canary, "scale_from_zero", None)

    async def promote(self, canary: Canary) -> None:
        self.saw(canary, "promote", None)

    async def pause_scaler(self, canary: Canary) -> None:
        self.saw(canary, "pause_scaler", None)

    async def resume_scaler(self, canary: Canary) -> None:
        self.saw(canary, "resume_scaler", None)

    async def reconcile_primary_scaler(self, canary: Canary) -> None:
        self.saw(canary, "reconcile_primary_scaler", None)

    async def release(self, canary: Canary, primary_replicas: int | None = None) -> None:
        self.saw(canary, "release", primary_replicas)


def targets() -> tuple[Targets, Recording, Recording, Recording]:
    pods, service, knative = Recording("pods"), Recording("service"), Recording("knative")
    kinds = {
        (None, "Deployment"): pods,
        (None, "DaemonSet"): pods,
        (None, "Service"): service,
        ("serving.knative.dev/v1", "Service"): knative,
    }
    return Targets(kinds), pods, service, knative


@pytest.mark.parametrize(
    ("api_version", "kind", "chosen"),
    [
        ("apps/v1", "Deployment", "pods"),
        ("extensions/v1beta1", "Deployment", "pods"),
        ("apps/v1", "DaemonSet", "pods"),
        ("v1", "Service", "service"),
        ("serving.knative.dev/v1", "Service", "knative"),
        ("serving.knative.dev/v1beta1", "Service", "service"),  # Flagger: only v1 is Knative's
    ],
)
async def test_the_target_ref_chooses_the_implementation(api_version: str, kind: str, chosen: str) -> None:
    dispatch, *_ = targets()
    assert (await dispatch.revision(canary(api_version, kind))).hash == chosen


async def test_every_call_reaches_the_chosen_implementation_with_its_arguments() -> None:
    dispatch, pods, service, knative = targets()
    target = canary("v1", "Service")
    await dispatch.readiness(target, "canary")
    await dispatch.ensure_services(target, apex=False)
    await dispatch.ensure_primary(target)
    await dispatch.scale_to_zero(target)
    await dispatch.scale_from_zero(target)
    await dispatch.promote(target)
    await dispatch.pause_scaler(target)
    await dispatch.resume_scaler(target)
    await dispatch.reconcile_primary_scaler(target)
    await dispatch.release(target, 3)
    assert service.calls == [
        ("readiness", "canary"),
        ("ensure_services", False),
        ("ensure_primary", None),
        ("scale_to_zero", None),
        ("scale_from_zero", None),
        ("promote", None),
        ("pause_scaler", None),
        ("resume_scaler", None),
        ("reconcile_primary_scaler", None),
        ("release", 3),
    ]
    assert pods.calls == []
    assert knative.calls == []


async def test_a_kind_without_an_implementation_names_spec_target_ref_and_what_is_served() -> None:
    dispatch = Targets({(None, "Deployment"): Recording("pods")})
    with pytest.raises(TargetInvalid) as caught:
        await dispatch.promote(canary("v1", "Service"))
    (problem,) = caught.value.problems
    assert problem.path == "spec.targetRef"
    assert "v1 Service is not a target this controller can release" in problem.message
    assert "* Deployment" in problem.message
