"""effective: the controller's flags combined with a Canary's spec, once, purely: the resolved Canary
and its Settings."""

from __future__ import annotations

from typing import Any

import pytest

from flagger_py.domain import effective
from flagger_py.domain.effective import ControllerDefaults
from flagger_py.model.canary import Canary
from flagger_py.model.strategy import used_by
from tests.domain.world import World

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
    run = effective.effective(canary(stepWeight=10), KUBERNETES).settings
    assert (run.provider, run.provider_source, run.strategy, run.iterations) == (
        "kubernetes",
        "-mesh-provider",
        "blue-green",
        10,
    )


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
    assert resolved.spec.analysis.interval.seconds == seconds
    run = effective.effective(
        canary(interval=interval, stepWeight=10), ControllerDefaults(min_interval=minimum)
    )
    assert run.settings.interval == seconds
    assert run.settings.recheck == min(seconds, max(minimum, effective.INITIALIZING_RECHECK))
    assert resolved.spec.analysis.interval.text == text


def test_resolving_twice_changes_nothing_and_keeps_everything_else() -> None:
    raw = canary({"progressDeadlineSeconds": 120}, interval="5s", stepWeight=10)
    once = effective.resolve(raw, KUBERNETES)
    assert effective.resolve(once, KUBERNETES) == once
    assert once.spec.progress_deadline_seconds == 120
    assert once.spec.analysis.step_weight == 10
    assert raw.spec.provider is None  # the input is not changed


def test_a_resolved_canary_is_the_same_object() -> None:
    raw = canary({"provider": "istio", "progressDeadlineSeconds": 600}, stepWeight=10)
    assert effective.resolve(raw, ControllerDefaults()) is raw


@pytest.mark.parametrize(("spec", "seconds"), [({}, 600), ({"progressDeadlineSeconds": 30}, 30)])
def test_progress_deadline_is_the_spec_or_600(spec: dict[str, Any], seconds: int) -> None:
    run = effective.effective(canary(spec, stepWeight=10), ControllerDefaults())
    assert run.settings.progress_deadline == seconds
    assert run.canary.spec.progress_deadline_seconds == seconds  # what the ports read


def test_threshold_under_one_counts_as_one() -> None:
    for threshold, counted in ((0, 1), (-3, 1), (2, 2)):
        run = effective.effective(canary(threshold=threshold, stepWeight=10), ControllerDefaults())
        assert run.settings.threshold == counted


@pytest.mark.parametrize(
    ("analysis", "provider", "strategy", "iterations"),
    [
        ({"stepWeight": 10}, "istio", "canary", 0),
        ({"iterations": 10}, "istio", "blue-green", 10),
        ({"iterations": 10, "match": [{"headers": {"x": {"exact": "y"}}}]}, "istio", "ab-testing", 10),
        # iterations: 0 is no iterations (Flagger's DeploymentStrategy); only kubernetes accepts it
        ({"iterations": 0, "match": [{"headers": {"x": {"exact": "y"}}}]}, "kubernetes", "blue-green", 10),
        ({"stepWeight": 10}, "kubernetes", "blue-green", 10),
        ({"iterations": 3}, "kubernetes", "blue-green", 3),
    ],
)
def test_strategy_and_iterations(
    analysis: dict[str, Any], provider: str, strategy: str, iterations: int
) -> None:
    run = effective.effective(canary({"provider": provider}, **analysis), ControllerDefaults()).settings
    assert (run.strategy, run.iterations) == (strategy, iterations)


def test_the_router_capabilities_name_the_same_kind_of_run() -> None:
    """model.strategy.used_by (what routers are asked for) and the state machine agree on the kind."""
    kubernetes = {"provider": "kubernetes"}
    matched = canary(kubernetes, iterations=0, match=[{"headers": {"x": {"exact": "y"}}}])
    assert used_by(matched) == ("canary", "a/b testing")  # no iterations; its router must match requests
    assert used_by(canary(kubernetes, iterations=0)) == ("canary",)
    assert used_by(canary(iterations=5)) == ("blue/green",)


def test_blue_green_under_the_kubernetes_flag_promotes_without_spec_provider() -> None:
    """The controller started with -mesh-provider kubernetes; the Canary sets no provider and asks for
    weight steps, which the kubernetes router cannot do: it runs blue/green and is promoted."""
    raw = canary(stepWeight=10, maxWeight=50)
    world = World(raw.spec, defaults=KUBERNETES)
    world.step()  # initialized
    world.revision = "rev-2"
    phases = [world.step() and world.status.phase for _ in range(16)]
    assert "Succeeded" in phases
    assert world.status.canary_weight == 0
