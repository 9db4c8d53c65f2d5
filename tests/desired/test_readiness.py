"""Readiness of Deployments and DaemonSets (flagger-behavior.md §3.6)."""

from __future__ import annotations

from typing import Any

import pytest

from flagger_py.desired import readiness


def dep(replicas: int = 3, generation: int = 2, status_replicas: int = 3, **status: Any) -> dict[str, Any]:
    base = {
        "observedGeneration": 2,
        "replicas": status_replicas,
        "updatedReplicas": 3,
        "availableReplicas": 3,
    }
    return {
        "metadata": {"name": "podinfo", "generation": generation},
        "spec": {"replicas": replicas},
        "status": {**base, **status},
    }


@pytest.mark.parametrize(
    ("obj", "threshold", "ready", "failed", "message"),
    [
        (dep(), 100, True, False, ""),
        (dep(generation=3), 100, False, False, "generation not observed yet"),
        (
            dep(updatedReplicas=1, status_replicas=1, availableReplicas=1),
            100,
            False,
            False,
            "1 of 3 updated replicas",
        ),
        (
            dep(status_replicas=4),
            100,
            False,
            False,
            "1 old replicas",
        ),
        (dep(availableReplicas=2), 100, False, False, "2 of 3 updated replicas are available"),
        (dep(availableReplicas=2), 50, True, False, ""),  # primaryReadyThreshold 50: 2 of 3 is enough
        (
            dep(
                conditions=[{"type": "Progressing", "reason": "ProgressDeadlineExceeded", "status": "False"}]
            ),
            100,
            False,
            True,
            "progress deadline",
        ),
    ],
)
def test_deployment(obj: dict[str, Any], threshold: int, ready: bool, failed: bool, message: str) -> None:
    result = readiness.deployment(obj, threshold)
    assert (result.ready, result.failed) == (ready, failed)
    assert message in result.message


def test_deployment_unavailable_for_longer_than_the_deadline_fails() -> None:
    unavailable = [
        {
            "type": "Available",
            "status": "False",
            "reason": "MinimumReplicasUnavailable",
            "lastTransitionTime": "2026-01-01T00:00:00Z",
        }
    ]
    obj = dep(availableReplicas=0, conditions=unavailable)
    start = 1767225600.0  # 2026-01-01T00:00:00Z
    assert not readiness.deployment(obj, now=start + 60, deadline=600).failed
    assert readiness.deployment(obj, now=start + 601, deadline=600).failed


def ds(**status: Any) -> dict[str, Any]:
    base = {
        "observedGeneration": 1,
        "desiredNumberScheduled": 4,
        "updatedNumberScheduled": 4,
        "numberAvailable": 4,
    }
    return {"metadata": {"name": "podinfo", "generation": 1}, "status": {**base, **status}}


def test_daemonset() -> None:
    assert readiness.daemonset(ds()).ready
    assert not readiness.daemonset(ds(updatedNumberScheduled=2)).ready
    assert readiness.daemonset(ds(numberAvailable=2), threshold=50).ready
    late = readiness.daemonset(ds(numberAvailable=1), waited=700, deadline=600)
    assert (late.ready, late.failed) == (False, True)
