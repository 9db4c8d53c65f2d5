"""Admission refuses what the model refuses, with the field and the fix in the condition message."""

from __future__ import annotations

from typing import Any

import pytest

from flagger_py.domain.conditions import Blocked
from flagger_py.engine import admission
from flagger_py.model import Canary
from tests.cluster import workloads


def body(spec: dict[str, Any] | None = None, **analysis: Any) -> dict[str, Any]:
    target = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"}
    analysis = {"interval": "1m", "threshold": 5, **analysis}
    fields = {"provider": "istio", "targetRef": target, "analysis": analysis, **(spec or {})}
    return workloads.manifest("flagger.app/v1beta1", "Canary", "test", "podinfo", fields)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (body(stepWeight=0), "spec.analysis: stepWeight 0 never moves traffic to the canary"),
        (body(stepWeights=[]), "spec.analysis: stepWeights is empty"),
        (body(iterations=0), "spec.analysis: iterations 0 runs no analysis step"),
        (
            body({"progressDeadlineSeconds": 0}, stepWeight=10),
            "spec.progressDeadlineSeconds: 0 gives a rollout",
        ),
        (body(interval="1m100000000h", stepWeight=10), "spec.analysis.interval: must be at most 2562047h"),
        (body(interval=5, stepWeight=10), "spec.analysis.interval: must be a duration such as 30s"),
    ],
)
def test_settings_that_would_never_finish_block_the_canary(content: dict[str, Any], message: str) -> None:
    """A body the API server stored anyway (an older CRD, Flagger's CRD) gets InvalidSpec, not a
    release that never ends or a crash (``interval: 5`` raised a TypeError here)."""
    parsed = admission.parse(content)
    assert isinstance(parsed, Blocked)
    assert parsed.reason == "InvalidSpec"
    assert parsed.message.startswith(message)


def test_max_weight_zero_and_the_kubernetes_router_are_admitted() -> None:
    assert isinstance(admission.parse(body(stepWeight=10, maxWeight=0)), Canary)
    assert isinstance(admission.parse(body({"provider": "kubernetes"}, stepWeight=0)), Canary)
