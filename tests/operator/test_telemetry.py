"""The controller's /metrics: Flagger's series set on Flagger's ticks with Flagger's labels (the
target's name), ours, and bounded cardinality."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from flagger_py.domain import actions as act
from flagger_py.domain.machine import Decision
from flagger_py.domain.observations import READY, Observations
from flagger_py.domain.verdicts import Check
from flagger_py.domain.weights import ALL_CANARY, ALL_PRIMARY, Routes
from flagger_py.engine.tick import TickResult
from flagger_py.model.canary import Canary, CanaryStatus
from flagger_py.operator.telemetry import Telemetry, deployment_strategy, status_value


def samples(telemetry: Telemetry) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(telemetry.render().decode()):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def value(telemetry: Telemetry, series: str, /, **labels: str) -> float | None:
    return samples(telemetry).get((series, tuple(sorted(labels.items()))))


def canary(
    name: str = "podinfo",
    iterations: int | None = None,
    started_ago: float | None = None,
    *,
    target: str | None = None,
    phase: str = "Progressing",
    status: dict[str, Any] | None = None,
    **spec: Any,
) -> Canary:
    conditions = []
    if started_ago is not None:
        since = datetime.now(UTC) - timedelta(seconds=started_ago)
        conditions.append(
            {
                "type": "Reconciling",
                "status": "True",
                "reason": "Progressing",
                "lastTransitionTime": since.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        )
    analysis: dict[str, Any] = {"interval": "1m", "threshold": 5, "stepWeight": 10}
    if iterations:
        analysis = {"interval": "1m", "threshold": 5, "iterations": iterations}
    analysis |= spec.pop("analysis", {})
    return Canary.model_validate(
        {
            "metadata": {"name": name, "namespace": "test"},
            "spec": {
                "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target or name},
                "analysis": analysis,
                **spec,
            },
            "status": {"phase": phase, "conditions": conditions, **(status or {})},
        }
    )


def tick(
    *actions: act.Action,
    phase: str = "Progressing",
    routes: Routes | None = None,
    ready: bool = False,
    error: str | None = None,
) -> TickResult:
    """A tick's result; ``ready``: the engine got as far as the canary's readiness, and it was ready."""
    decision = Decision(CanaryStatus(phase=phase), tuple(actions), 60.0)
    obs = Observations(revision="abc", routes=routes, canary=READY if ready else None)
    return TickResult(decision, obs, error)


def analysis_tick(*actions: act.Action, phase: str = "Progressing") -> TickResult:
    return tick(*actions, phase=phase, routes=ALL_PRIMARY, ready=True)


def written(name: str, phase: str, weight: int = 0, failed: int = 0, target: str = "") -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": "test"},
        "spec": {"targetRef": {"name": target or name}},
        "status": {"phase": phase, "canaryWeight": weight, "failedChecks": failed},
    }


@pytest.mark.parametrize(
    ("phase", "expected"),
    [
        ("Progressing", 0),
        ("Failed", 2),
        ("Succeeded", 1),
        ("Initialized", 1),
        ("Waiting", 1),
        ("WaitingPromotion", 1),
        ("Promoting", 1),
        ("", 1),
    ],
)
def test_status_values_are_flaggers(phase: str, expected: int) -> None:
    assert status_value(phase) == expected


MATCH = {"match": [{"headers": {"x-user": {"exact": "a"}}}]}


@pytest.mark.parametrize(
    ("iterations", "extra", "expected"),
    [
        (None, {}, "canary"),
        (3, {}, "blue-green"),
        (3, {"analysis": MATCH}, "ab-testing"),
        (None, {"provider": "kubernetes"}, "canary"),  # Flagger's label reads the spec alone
        (3, {"provider": "kubernetes"}, "blue-green"),
    ],
)
def test_deployment_strategy_is_flaggers(
    iterations: int | None, extra: dict[str, Any], expected: str
) -> None:
    assert deployment_strategy(canary(iterations=iterations, **extra).spec.analysis) == expected


def test_a_written_status_sets_our_phase_and_failed_checks_only() -> None:
    t = Telemetry()
    t.status_written(written("web", "Progressing", weight=30, failed=1, target="podinfo"))
    assert value(t, "flagger_py_canary_failed_checks", name="web", namespace="test") == 1
    phase = {"name": "web", "namespace": "test", "target": "podinfo"}
    assert value(t, "flagger_py_canary_phase", **phase, phase="Progressing") == 1
    assert not [k for k in samples(t) if k[0] in ("flagger_canary_status", "flagger_canary_weight")]

    t.status_written(written("web", "Failed", target="podinfo"))
    phases = [k for k in samples(t) if k[0] == "flagger_py_canary_phase"]
    assert phases == [("flagger_py_canary_phase", tuple(sorted({**phase, "phase": "Failed"}.items())))]


def test_status_is_set_on_every_tick_from_initialization_on_labelled_with_the_target() -> None:
    t = Telemetry()
    web = canary("web", target="podinfo", phase="")
    t.ticked(web, tick(phase="Initializing"), 0.1)
    assert value(t, "flagger_canary_status", name="podinfo", namespace="test") is None
    t.ticked(web, tick(phase="Initialized"), 0.1)
    assert value(t, "flagger_canary_status", name="podinfo", namespace="test") == 1
    t.ticked(canary("web", target="podinfo", phase="Initialized"), tick(phase="Progressing"), 0.1)
    assert value(t, "flagger_canary_status", name="podinfo", namespace="test") == 0
    t.ticked(
        canary("web", target="podinfo"), analysis_tick(act.RecordRelease("rolled back"), phase="Failed"), 0.1
    )
    assert value(t, "flagger_canary_status", name="podinfo", namespace="test") == 2
    assert value(t, "flagger_canary_status", name="web", namespace="test") is None

    suspended = canary("idle", suspend=True)
    t.ticked(suspended, tick(phase="Progressing"), 0.1)  # Flagger records nothing for a suspended canary
    assert value(t, "flagger_canary_status", name="idle", namespace="test") is None


def weights(t: Telemetry, target: str = "podinfo") -> tuple[float | None, float | None]:
    primary = value(t, "flagger_canary_weight", workload=f"{target}-primary", namespace="test")
    return primary, value(t, "flagger_canary_weight", workload=target, namespace="test")


def test_weights_are_the_routes_a_tick_set_or_else_read() -> None:
    t = Telemetry()
    web = canary("web", target="podinfo")
    t.ticked(web, tick(phase="Progressing"), 0.1)  # neither read nor set (e.g. primary not ready)
    assert weights(t) == (None, None)
    t.ticked(web, tick(routes=Routes(70, 30)), 0.1)
    assert weights(t) == (70, 30)
    t.ticked(web, tick(act.SetRoutes(Routes(60, 40)), routes=Routes(70, 30), ready=True), 0.1)
    assert weights(t) == (60, 40)
    failed = tick(act.SetRoutes(Routes(50, 50)), routes=Routes(60, 40), ready=True, error="router down")
    t.ticked(web, failed, 0.1)
    assert weights(t) == (60, 40)
    ab = canary("shop", iterations=2, analysis=MATCH)
    t.ticked(ab, tick(act.SetRoutes(ALL_CANARY), routes=ALL_PRIMARY, ready=True), 0.1)
    assert weights(t, "shop") == (0, 100)


def test_kubernetes_weights_are_those_of_flaggers_no_op_router() -> None:
    t = Telemetry()
    iterating = canary("bg", iterations=3, provider="kubernetes", status={"iterations": 1})
    t.ticked(iterating, analysis_tick(), 0.1)
    assert weights(t, "bg") == (0, 100)
    finalising = canary("bg", iterations=3, provider="kubernetes", phase="Finalising")
    t.ticked(finalising, analysis_tick(act.RecordRelease("promoted"), phase="Succeeded"), 0.1)
    assert weights(t, "bg") == (100, 0)
    rolled_back = canary("bg", iterations=3, provider="kubernetes", status={"iterations": 2})
    t.ticked(rolled_back, analysis_tick(act.SetRoutes(ALL_PRIMARY), act.RecordRelease("rolled back")), 0.1)
    assert weights(t, "bg") == (100, 0)


def test_duration_is_observed_on_the_ticks_that_reach_the_analysis() -> None:
    t = Telemetry()
    count = "flagger_canary_duration_seconds_count"
    web = canary("web", target="podinfo")
    t.ticked(canary("web", target="podinfo", phase="Initialized"), tick(phase="Progressing"), 0.1)
    t.ticked(web, tick(routes=ALL_PRIMARY), 0.1)  # the canary is not ready: not analysed
    t.ticked(canary("web", target="podinfo", phase="Promoting"), analysis_tick(phase="Promoting"), 0.1)
    t.ticked(web, analysis_tick(act.SetRoutes(ALL_PRIMARY), act.RecordRelease("rolled back")), 0.1)
    skipping = canary("web", target="podinfo", skipAnalysis=True)
    t.ticked(skipping, analysis_tick(act.RecordRelease("skipped"), phase="Succeeded"), 0.1)
    assert value(t, count, name="podinfo", namespace="test") is None
    t.ticked(web, analysis_tick(act.SetRoutes(Routes(90, 10))), 0.05)
    t.ticked(canary("web", target="podinfo", phase="WaitingPromotion"), analysis_tick(), 0.05)
    assert value(t, count, name="podinfo", namespace="test") == 2
    assert value(t, "flagger_canary_duration_seconds_sum", name="podinfo", namespace="test") == 0.1
    assert value(t, count, name="web", namespace="test") is None


def test_ticks_and_releases() -> None:
    t = Telemetry()
    promoted = canary(target="web", phase="Finalising", started_ago=600)
    t.ticked(promoted, analysis_tick(act.RecordRelease("promoted"), phase="Succeeded"), 0.1)
    other = canary("other", iterations=5, started_ago=120, target="api")
    t.ticked(other, analysis_tick(act.RecordRelease("rolled back"), phase="Failed"), 0.1)
    skipped = canary(started_ago=30, target="web", skipAnalysis=True)
    t.ticked(skipped, analysis_tick(act.RecordRelease("skipped"), phase="Succeeded"), 0.1)
    success = {"name": "web", "namespace": "test", "deployment_strategy": "canary"}
    assert value(t, "flagger_canary_successes_total", **success, analysis_status="completed") == 1
    assert value(t, "flagger_canary_successes_total", **success, analysis_status="skipped") == 1
    failure = {"name": "api", "namespace": "test", "deployment_strategy": "blue-green"}
    assert value(t, "flagger_canary_failures_total", **failure, analysis_status="completed") == 1
    count = "flagger_py_release_duration_seconds_count"
    assert value(t, count, outcome="promoted") == 1
    assert value(t, count, outcome="rolled_back") == 1
    assert value(t, count, outcome="skipped") == 1
    promoted_seconds = value(t, "flagger_py_release_duration_seconds_sum", outcome="promoted")
    assert promoted_seconds is not None
    assert 599 <= promoted_seconds <= 660
    assert value(t, "flagger_py_release_duration_seconds_bucket", outcome="promoted", le="300.0") == 0
    assert value(t, "flagger_py_release_duration_seconds_bucket", outcome="promoted", le="900.0") == 1


def test_a_failed_release_action_is_not_counted() -> None:
    t = Telemetry()
    t.ticked(canary(), tick(act.RecordRelease("rolled back"), phase="Failed", error="scale failed"), 0.1)
    assert not [k for k in samples(t) if k[0] == "flagger_canary_failures_total"]


def test_tick_durations_use_flaggers_buckets_and_nothing_has_created_series() -> None:
    t = Telemetry()
    t.ticked(canary(started_ago=600), analysis_tick(), 0.1)
    text = t.render().decode()
    bounds = [
        line.split('le="', 1)[1].split('"', 1)[0]
        for line in text.splitlines()
        if line.startswith("flagger_canary_duration_seconds_bucket{")
    ]
    go = ("0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "10.0", "+Inf")
    assert bounds == list(go)
    assert "_created" not in text


def test_a_release_without_a_start_time_is_counted_but_not_timed() -> None:
    t = Telemetry()
    t.ticked(canary(phase="Finalising"), analysis_tick(act.RecordRelease("promoted"), phase="Succeeded"), 0.1)
    assert value(t, "flagger_py_release_duration_seconds_count", outcome="promoted") is None
    success = {"name": "podinfo", "namespace": "test", "deployment_strategy": "canary"}
    assert value(t, "flagger_canary_successes_total", **success, analysis_status="completed") == 1


def test_a_deleted_canary_leaves_no_series_behind() -> None:
    t = Telemetry()
    t.count_canaries(lambda: [("test", "web"), ("test", "other"), ("prod", "api")])
    for name in ("web", "other"):
        c = canary(name, target=f"{name}-app")
        t.status_written(written(name, "Progressing", weight=10, target=f"{name}-app"))
        t.ticked(c, analysis_tick(act.SetRoutes(Routes(90, 10))), 0.01)
        t.record_check(c, Check("request-success-rate", True, "", 99.5))
        t.record_check(c, Check("request-duration", True, "", 250.0))
    assert value(t, "flagger_canary_total", namespace="test") == 2
    duration = {"name": "web-app", "namespace": "test", "metric": "request-duration"}
    assert value(t, "flagger_canary_metric_analysis", **duration) == 0.25

    web = canary("web", target="web-app", phase="Finalising")
    t.ticked(web, analysis_tick(act.RecordRelease("promoted"), phase="Succeeded"), 0.1)
    t.ticked(canary("web", target="web-app"), analysis_tick(act.RecordRelease("rolled back")), 0.1)
    t.forget("test", "web")
    left = {labels for _, labels in samples(t)}
    named = {"web", "web-app", "web-app-primary"}
    assert not [labels for labels in left for k, v in labels if k in ("name", "workload") and v in named]
    assert value(t, "flagger_canary_status", name="other-app", namespace="test") == 0
    success = {"name": "other-app", "namespace": "test", "metric": "request-success-rate"}
    assert value(t, "flagger_canary_metric_analysis", **success) == 99.5


def test_a_target_shared_by_two_canaries_keeps_its_series_until_both_are_gone() -> None:
    t = Telemetry()
    for name in ("one", "two"):
        t.ticked(canary(name, target="podinfo"), analysis_tick(), 0.01)
    t.forget("test", "one")
    assert value(t, "flagger_canary_status", name="podinfo", namespace="test") == 0
    t.forget("test", "two")
    assert value(t, "flagger_canary_status", name="podinfo", namespace="test") is None


def test_a_canary_moved_to_another_target_leaves_the_old_targets_series() -> None:
    t = Telemetry()
    t.ticked(canary("web", target="old"), analysis_tick(), 0.01)
    t.ticked(canary("web", target="new"), analysis_tick(), 0.01)
    assert value(t, "flagger_canary_status", name="old", namespace="test") is None
    assert weights(t, "old") == (None, None)
    assert value(t, "flagger_canary_status", name="new", namespace="test") == 0


def test_api_requests_are_a_counter_fed_from_the_client() -> None:
    t = Telemetry()
    counts = {"get": 3, "patch": 1}
    t.count_requests(lambda: counts)
    assert value(t, "flagger_py_api_requests_total", verb="get") == 3
    counts["get"] = 5
    assert value(t, "flagger_py_api_requests_total", verb="get") == 5
    assert value(t, "flagger_py_api_requests_total", verb="patch") == 1


def test_info_and_dropped_alerts() -> None:
    t = Telemetry()
    t.info.labels("0.1.0", "istio").set(1)
    dropped = [0]
    t.count_dropped(lambda: dropped[0])
    dropped[0] = 4
    assert value(t, "flagger_info", version="0.1.0", mesh_provider="istio") == 1
    assert value(t, "flagger_py_alerts_dropped") == 4


async def test_a_scrape_renders_off_the_event_loop_with_sources_read_on_it() -> None:
    t = Telemetry()
    threads: dict[str, int] = {}

    def requests() -> dict[str, int]:
        threads["sources"] = threading.get_ident()
        return {"get": 2}

    class Recorder:  # a collector: called by the exposition
        def collect(self) -> list[Any]:
            threads["exposition"] = threading.get_ident()
            return []

    t.count_requests(requests)
    t.registry.register(Recorder())
    text = (await t.render_off_loop()).decode()
    assert 'flagger_py_api_requests_total{verb="get"} 2.0' in text
    assert threads["sources"] == threading.get_ident()
    assert threads["exposition"] != threading.get_ident()
    assert text == t.render().decode()


async def test_event_loop_lag_shows_a_blocked_loop() -> None:
    t = Telemetry()
    task = asyncio.create_task(t.measure_loop_lag())
    await asyncio.sleep(0.3)
    time.sleep(0.4)  # a blocking call on the loop, as a bug would make
    await asyncio.sleep(0.3)
    task.cancel()
    lag = value(t, "flagger_py_event_loop_lag_seconds")
    assert lag is not None
    assert lag >= 0.1  # the sleep due during the 0.4 s block woke at least 0.15 s late
