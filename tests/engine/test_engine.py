"""The whole tick on the in-memory adapters: admission (bad input -> Ready=False, one Event), the
finalizer and deletion, then the run — the engine's rooms, each entered once, without a cluster."""

from __future__ import annotations

import asyncio
from dataclasses import fields
from typing import Any

import pytest

from flagger_py.domain.effective import ControllerDefaults
from flagger_py.engine import finalizer
from flagger_py.engine.reconcile import Engine, Outcome
from flagger_py.model.canary import CanaryStatus
from flagger_py.ports.adapters import Adapters
from flagger_py.ports.protocols import Deps
from flagger_py.testing.memory import MemoryCluster


def body(spec: dict[str, Any] | None = None, **meta: Any) -> dict[str, Any]:
    return {
        "apiVersion": "flagger.app/v1beta1",
        "kind": "Canary",
        "metadata": {"name": "podinfo", "namespace": "test", "generation": 1, **meta},
        "spec": {
            "provider": "istio",
            "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
            "service": {"port": 9898},
            "analysis": {"interval": "30s", "threshold": 2, "stepWeight": 50},
            **(spec or {}),
        },
    }


def engine(cluster: MemoryCluster, **defaults: Any) -> Engine:
    return Engine(cluster.adapters, ControllerDefaults(**defaults))


def tick(e: Engine, obj: dict[str, Any], claimed_by: str | None = None) -> Outcome:
    return asyncio.run(e.tick(obj, claimed_by))


def stored(obj: dict[str, Any], cluster: MemoryCluster) -> dict[str, Any]:
    """``obj`` with the status the engine last wrote."""
    status = cluster.status.status
    assert status is not None
    return {**obj, "status": status.model_dump(by_alias=True, exclude_none=True)}


def condition(cluster: MemoryCluster, kind: str) -> tuple[str, str, str]:
    status = cluster.status.status
    assert status is not None
    found = next(c for c in status.conditions if c.type == kind)
    return found.status, found.reason or "", found.message or ""


def warnings(cluster: MemoryCluster) -> list[str]:
    return [m for _, kind, m in cluster.events.emitted if kind == "Warning"]


def test_an_invalid_spec_is_blocked_once_per_generation_and_never_runs() -> None:
    cluster = MemoryCluster()
    e = engine(cluster)
    bad = body({"analysis": {"interval": "2m", "threshold": 2, "stepWeight": 0}})
    first = tick(e, bad)
    second = tick(e, stored(bad, cluster))  # the object as the watch sees it after the status write
    assert first == Outcome(120.0) == second  # the interval of a spec that does not parse still counts
    ready, reason, message = condition(cluster, "Ready")
    assert (ready, reason) == ("False", "InvalidSpec")
    assert message.startswith("spec.analysis: stepWeight 0 never moves traffic")
    assert condition(cluster, "Stalled")[:2] == ("True", "InvalidSpec")
    assert len(warnings(cluster)) == 1  # not one per tick
    assert cluster.workloads.primary_revision is None  # nothing was created
    assert cluster.status.writes == 1
    tick(e, {**bad, "metadata": {**bad["metadata"], "generation": 2}})
    assert len(warnings(cluster)) == 2  # a new generation is reported again


@pytest.mark.parametrize(
    ("spec", "defaults", "where"),
    [
        ({"provider": "nosuch"}, {}, "spec.provider: no router named 'nosuch'"),
        (
            {"provider": None},
            {"mesh_provider": "nosuch"},
            "-mesh-provider (spec.provider is not set): no router",
        ),
    ],
)
def test_an_unknown_provider_names_where_it_came_from(
    spec: dict[str, Any], defaults: dict[str, Any], where: str
) -> None:
    cluster = MemoryCluster()
    obj = body(spec)
    obj["spec"] = {k: v for k, v in obj["spec"].items() if v is not None}
    outcome = tick(engine(cluster, **defaults), obj)
    assert outcome.result is None
    assert outcome.run is not None
    assert outcome.next_after == 30.0
    ready, reason, message = condition(cluster, "Ready")
    assert (ready, reason) == ("False", "UnknownProvider")
    assert message.startswith(where)
    assert "available: gatewayapi:v1, istio, kubernetes, nginx" in message


def test_what_the_router_cannot_do_blocks_the_canary() -> None:
    cluster = MemoryCluster()
    cluster.router.problem = "spec.ingressRef: the nginx router needs the Ingress to split; set it"
    tick(engine(cluster), body())
    assert condition(cluster, "Ready")[1:] == ("InvalidRouting", cluster.router.problem)
    assert cluster.router.log == []  # no traffic moved


def test_cross_namespace_references_are_refused_only_under_the_flag() -> None:
    metric = {"name": "latency", "templateRef": {"name": "latency", "namespace": "shared"}}
    analysis = {"interval": "30s", "threshold": 2, "stepWeight": 50, "metrics": [metric]}
    far = {"analysis": analysis}
    forbidden = MemoryCluster()
    tick(engine(forbidden, no_cross_namespace_refs=True), body(far))
    _, reason, message = condition(forbidden, "Ready")
    assert reason == "CrossNamespaceRef"
    assert message.startswith("spec.analysis.metrics[0].templateRef.namespace: 'shared' is another namespace")
    allowed = MemoryCluster()
    assert tick(engine(allowed), body(far)).result is not None


def test_a_target_claimed_by_another_canary_is_blocked() -> None:
    cluster = MemoryCluster()
    tick(engine(cluster), body(), claimed_by="other.test")
    _, reason, message = condition(cluster, "Ready")
    assert reason == "DuplicateTarget"
    assert "already the target of Canary other.test" in message


def test_a_blocked_canary_that_is_fixed_runs_and_is_reported_again_if_it_breaks() -> None:
    cluster = MemoryCluster()
    e = engine(cluster)
    broken = body({"provider": "nosuch"})
    tick(e, broken)
    ran = tick(e, body())
    assert ran.result is not None
    assert ran.result.decision.status.phase == "Initializing"
    assert ran.next_after == 10.0  # waiting for the new primary: decide()'s recheck, not the interval
    tick(e, broken)
    assert len(warnings(cluster)) == 2


def test_revert_on_deletion_keeps_the_finalizer_and_dropping_it_removes_it() -> None:
    cluster = MemoryCluster()
    e = engine(cluster)
    tick(e, body({"revertOnDeletion": True}))
    assert cluster.finalizers.sets == [(finalizer.FINALIZER,)]
    tick(e, body({"revertOnDeletion": True}, finalizers=[finalizer.FINALIZER]))
    assert len(cluster.finalizers.sets) == 1  # already there: no write
    tick(e, body(finalizers=["other", finalizer.FINALIZER]))
    assert cluster.finalizers.sets[-1] == ("other",)


def deleting(status: CanaryStatus | None = None) -> dict[str, Any]:
    obj = body(
        {"revertOnDeletion": True},
        finalizers=[finalizer.FINALIZER],
        deletionTimestamp="2026-01-01T00:05:00Z",
    )
    if status is not None:
        obj["status"] = status.model_dump(by_alias=True, exclude_none=True)
    return obj


def test_finalizing_marks_terminating_then_gives_traffic_back_and_drops_the_finalizer() -> None:
    cluster = MemoryCluster()
    e = engine(cluster)
    first = tick(e, deleting())
    assert first.next_after == finalizer.RETRY
    assert cluster.status.status is not None
    assert cluster.status.status.phase == "Terminating"
    assert cluster.events.emitted[-1][1:] == ("Normal", "Terminating canary podinfo.test")
    assert cluster.workloads.released == 0
    second = tick(e, deleting(cluster.status.status))
    assert second.next_after is None
    assert cluster.workloads.released == 1
    assert [r.what for r in cluster.router.log] == ["routes handed back"]
    assert cluster.finalizers.sets == [()]
    assert cluster.events.emitted[-1][1:] == ("Normal", "Terminated canary podinfo.test")


def test_finalizing_a_canary_whose_target_is_gone_drops_the_finalizer() -> None:
    cluster = MemoryCluster()
    cluster.workloads.missing = True
    e = engine(cluster)
    tick(e, deleting())
    assert tick(e, deleting(cluster.status.status)).next_after is None
    assert cluster.finalizers.sets == [()]
    assert cluster.router.log == []


def test_a_canary_being_deleted_without_our_finalizer_is_left_alone() -> None:
    cluster = MemoryCluster()
    obj = body(finalizers=["someone.else"], deletionTimestamp="2026-01-01T00:05:00Z")
    assert tick(engine(cluster), obj).next_after is None
    assert cluster.status.writes == 0
    assert cluster.finalizers.sets == []


def test_deleted_without_the_finalizer_gives_the_target_back() -> None:
    cluster = MemoryCluster()
    e = engine(cluster)
    asyncio.run(e.deleted(body(), 3))
    assert cluster.workloads.released == 1
    assert cluster.workloads.log[-1].detail == "3"
    asyncio.run(e.deleted(body({"revertOnDeletion": True}), 3))  # finalize() released it already
    assert cluster.workloads.released == 1
    cluster.workloads.missing = True
    asyncio.run(e.deleted(body(), None))  # a target that is gone too: nothing to retry


def test_every_port_of_a_tick_but_the_router_is_one_of_the_adapters() -> None:
    """``Adapters.deps`` passes the shared ports by name: a port Deps gains must be an adapter too."""
    assert {f.name for f in fields(Deps)} - {"router"} <= {f.name for f in fields(Adapters)}
