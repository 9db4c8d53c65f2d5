"""effective.resolve: the controller's flags combined with a Canary's spec, once, purely."""

from __future__ import annotations

from typing import Any

import pytest

from flagger_py.domain import effective, settings
from flagger_py.domain.effective import ControllerDefaults
from flagger_py.model.canary import Canary

KUBERNETES = ControllerDefaults(mesh_provider="kubernetes")


def canary(spec: dict[str, Any] | None = None, **analysis: Any) -> Canary:
    return Canary.model_validate(
        {
            "metadata": {"name": "podinfo", "namespace": "test"},
            "spec": {
                "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
                "analysis": {"interval": "1m", "threshold": 2, **analysis},
                **(spec or {}),
            },
        }
    )


def test_the_flag_names_the_router_of_a_canary_without_one() -> None:
    resolved = effective.resolve(canary(stepWeight=10), KUBERNETES)
    assert resolved.spec.provider == "kubernetes"
    assert settings.strategy(resolved.spec.analysis, resolved.spec.provider) == "blue-green"


def test_spec_provider_wins_over_the_flag() -> None:
    resolved = effective.resolve(canary({"provider": "nginx"}, stepWeight=10), KUBERNETES)
    assert resolved.spec.provider == "nginx"


def test_default_flag_is_flaggers_istio() -> None:
    assert effective.resolve(canary(stepWeight=10), ControllerDefaults()).spec.provider == "istio"


@pytest.mark.parametrize(
    ("interval", "minimum", "seconds", "text"),
    [
        ("5s", 10.0, 10.0, "10s"),
        ("1m30s", 10.0, 90.0, "1m30s"),
        ("2s", 1.0, 2.0, "2s"),
        ("500ms", 1.0, 1.0, "1s"),
    ],
)
def test_interval_is_bounded_by_min_interval(
    interval: str, minimum: float, seconds: float, text: str
) -> None:
    resolved = effective.resolve(
        canary(interval=interval, stepWeight=10), ControllerDefaults(min_interval=minimum)
    )
    assert settings.interval_seconds(resolved.spec.analysis) == seconds
    assert resolved.spec.analysis.interval.text == text


def test_resolving_twice_changes_nothing_and_keeps_everything_else() -> None:
    raw = canary({"progressDeadlineSeconds": 120}, interval="5s", stepWeight=10)
    once = effective.resolve(raw, KUBERNETES)
    assert effective.resolve(once, KUBERNETES) == once
    assert once.spec.progress_deadline_seconds == 120
    assert once.spec.analysis.step_weight == 10
    assert raw.spec.provider is None  # the input is not changed


def test_a_resolved_canary_is_the_same_object() -> None:
    raw = canary({"provider": "istio"}, stepWeight=10)
    assert effective.resolve(raw, ControllerDefaults()) is raw


@pytest.mark.parametrize(("spec", "seconds"), [({}, 600), ({"progressDeadlineSeconds": 30}, 30)])
def test_progress_deadline_is_the_spec_or_600(spec: dict[str, Any], seconds: int) -> None:
    assert settings.progress_deadline_seconds(canary(spec, stepWeight=10).spec) == seconds
