"""The controller's /metrics: Flagger's series with Flagger's values, ours, and bounded cardinality."""

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
from flagger_py.domain.observations import Observations
from flagger_py.domain.verdicts import Check
from flagger_py.engine.tick import TickResult
from flagger_py.model.canary import Canary, CanaryStatus
from flagger_py.operator.telemetry import Telemetry, status_value


def samples(telemetry: Telemetry) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(telemetry.render().decode()):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def value(telemetry: Telemetry, series: str, /, **labels: str) -> float | None:
    return samples(telemetry).get((series, tuple(sorted(labels.items()))))


def canary(name: str = "podinfo", iterations: int | None = None, started_ago: float | None = None) -> Canary:
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
    return Canary.model_validate(
        {
            "metadata": {"name": name, "namespace": "test"},
            "spec": {
                "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                "analysis": analysis,
            },
            "status": {"phase": "Progressing", "conditions": conditions},
        }
    )


def tick(*actions: act.Action, phase: str = "Progressing") -> TickResult:
    decision = Decision(CanaryStatus(phase=phase), tuple(actions), 60.0)
    return TickResult(decision, Observations(revision="abc"))


def written(name: str, phase: str, weight: int = 0, failed: int = 0) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": "test"},
        "spec": {"targetRef": {"name": name}},
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


def test_a_written_status_sets_status_weights_phase_and_failed_checks() -> None:
    t = Telemetry()
    t.status_written(written("podinfo", "Progressing", weight=30, failed=1))
    assert value(t, "flagger_canary_status", name="podinfo", namespace="test") == 0
    assert value(t, "flagger_canary_weight", workload="podinfo", namespace="test") == 30
    assert value(t, "flagger_canary_weight", workload="podinfo-primary", namespace="test") == 70
    assert value(t, "flagger_py_canary_failed_checks", name="podinfo", namespace="test") == 1
    assert value(t, "flagger_py_canary_phase", name="podinfo", namespace="test", phase="Progressing") == 1

    t.status_written(written("podinfo", "Failed"))
    assert value(t, "flagger_canary_status", name="podinfo", namespace="test") == 2
    phases = [k for k in samples(t) if k[0] == "flagger_py_canary_phase"]
    assert phases == [
        ("flagger_py_canary_phase", (("name", "podinfo"), ("namespace", "test"), ("phase", "Failed")))
    ]


def test_ticks_and_releases() -> None:
    t = Telemetry()
    t.ticked(canary(), tick(), 0.05)
    t.ticked(canary(started_ago=600), tick(act.RecordRelease("promoted"), phase="Succeeded"), 0.1)
    t.ticked(canary("other", iterations=5, started_ago=120), tick(act.RecordRelease("rolled back")), 0.1)
    t.ticked(canary(started_ago=30), tick(act.RecordRelease("skipped"), phase="Succeeded"), 0.1)
    assert value(t, "flagger_canary_duration_seconds_count", name="podinfo", namespace="test") == 3
    success = {"name": "podinfo", "namespace": "test", "deployment_strategy": "canary"}
    assert value(t, "flagger_canary_successes_total", **success, analysis_status="completed") == 1
    assert value(t, "flagger_canary_successes_total", **success, analysis_status="skipped") == 1
    failure = {"name": "other", "namespace": "test", "deployment_strategy": "blue-green"}
    assert value(t, "flagger_canary_failures_total", **failure) == 1
    count = "flagger_py_release_duration_seconds_count"
    assert value(t, count, outcome="promoted") == 1
    assert value(t, count, outcome="rolled_back") == 1
    assert value(t, count, outcome="skipped") == 1
    promoted = value(t, "flagger_py_release_duration_seconds_sum", outcome="promoted")
    assert promoted is not None
    assert 599 <= promoted <= 660
    assert value(t, "flagger_py_release_duration_seconds_bucket", outcome="promoted", le="300.0") == 0
    assert value(t, "flagger_py_release_duration_seconds_bucket", outcome="promoted", le="900.0") == 1


def test_tick_durations_use_flaggers_buckets_and_nothing_has_created_series() -> None:
    t = Telemetry()
    t.ticked(canary(started_ago=600), tick(act.RecordRelease("promoted"), phase="Succeeded"), 0.1)
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
    t.ticked(canary(), tick(act.RecordRelease("promoted")), 0.1)
    assert value(t, "flagger_py_release_duration_seconds_count", outcome="promoted") is None
    success = {"name": "podinfo", "namespace": "test", "deployment_strategy": "canary"}
    assert value(t, "flagger_canary_successes_total", **success, analysis_status="completed") == 1


def test_a_deleted_canary_leaves_no_series_behind() -> None:
    t = Telemetry()
    t.count_canaries(lambda: [("test", "podinfo"), ("test", "other"), ("prod", "api")])
    for name in ("podinfo", "other"):
        t.status_written(written(name, "Progressing", weight=10))
        t.ticked(canary(name), tick(), 0.01)
        t.record_check(canary(name), Check("request-success-rate", True, "", 99.5))
        t.record_check(canary(name), Check("request-duration", True, "", 250.0))
    assert value(t, "flagger_canary_total", namespace="test") == 2
    assert (
        value(
            t, "flagger_canary_metric_analysis", name="podinfo", namespace="test", metric="request-duration"
        )
        == 0.25
    )

    t.ticked(canary(), tick(act.RecordRelease("promoted")), 0.1)
    t.ticked(canary(), tick(act.RecordRelease("rolled back")), 0.1)
    t.forget("test", "podinfo")
    left = {labels for _, labels in samples(t)}
    assert not [
        labels for labels in left if ("name", "podinfo") in labels or ("workload", "podinfo") in labels
    ]
    assert not [labels for labels in left if ("workload", "podinfo-primary") in labels]
    assert value(t, "flagger_canary_status", name="other", namespace="test") == 0
    assert (
        value(
            t, "flagger_canary_metric_analysis", name="other", namespace="test", metric="request-success-rate"
        )
        == 99.5
    )


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
