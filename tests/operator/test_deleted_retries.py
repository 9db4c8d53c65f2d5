"""The host retries what the engine could not finish for a Canary deleted without revertOnDeletion:
scaling its target back up, until it works (the engine's side: tests/engine/test_deletion.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import cast

import pytest

from flagger_py.engine.reconcile import Engine
from flagger_py.errors import KubeUnavailable, Problem, TargetNotFound
from flagger_py.model.canary import Canary
from flagger_py.operator import reconciler as reconciler_module
from flagger_py.operator.reconciler import Reconciler
from flagger_py.ports import Workloads
from flagger_py.testing.memory import MemoryCluster
from tests.cluster.workloads import manifest

BODY = manifest(
    "flagger.app/v1beta1",
    "Canary",
    "test",
    "podinfo",
    {
        "provider": "kubernetes",
        "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
        "analysis": {"interval": "1m", "threshold": 2, "iterations": 2},
    },
)


class FlakyWorkloads:
    """release() fails ``failures`` times, then works (or raises ``final`` instead)."""

    def __init__(self, failures: int, final: Exception | None = None) -> None:
        self.failures, self.final = failures, final
        self.calls: list[int | None] = []

    async def release(self, _canary: Canary, primary_replicas: int | None = None) -> None:
        self.calls.append(primary_replicas)
        if len(self.calls) <= self.failures:
            raise KubeUnavailable("API server is unreachable: TimeoutError")
        if self.final is not None:
            raise self.final


def reconciler(workloads: FlakyWorkloads) -> Reconciler:
    """A Reconciler on the in-memory adapters but ``workloads`` (all a deletion needs)."""
    adapters = replace(MemoryCluster().adapters, workloads=cast(Workloads, workloads))
    return Reconciler(Engine(adapters))


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reconciler_module, "RELEASE_BACKOFF", 0.001)


async def test_a_failed_release_is_retried_until_it_goes_through(caplog: pytest.LogCaptureFixture) -> None:
    workloads = FlakyWorkloads(failures=3)
    await reconciler(workloads).deleted(BODY, 2)
    assert workloads.calls == [2, 2, 2, 2]
    assert "scaling its target back up failed (retrying)" in caplog.text


async def test_retries_are_bounded_and_the_last_failure_is_an_error(caplog: pytest.LogCaptureFixture) -> None:
    workloads = FlakyWorkloads(failures=100)
    await reconciler(workloads).deleted(BODY, None)
    assert len(workloads.calls) == reconciler_module.RELEASE_ATTEMPTS
    assert any(
        r.levelname == "ERROR" and "could not scale its target back up" in r.message for r in caplog.records
    )


async def test_a_target_that_is_gone_is_not_retried() -> None:
    workloads = FlakyWorkloads(0, TargetNotFound([Problem("spec.targetRef.name", "gone")]))
    await reconciler(workloads).deleted(BODY, None)
    assert workloads.calls == [None]


async def test_revert_on_deletion_was_released_by_the_finalizer() -> None:
    workloads = FlakyWorkloads(0)
    body = {**BODY, "spec": {**BODY["spec"], "revertOnDeletion": True}}
    await reconciler(workloads).deleted(body, None)
    assert workloads.calls == []
