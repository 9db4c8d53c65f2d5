"""The controller's own Prometheus metrics, served on /metrics.

Flagger's series keep their names, labels and values, so existing dashboards and alert rules keep
working: ``flagger_info``, ``flagger_canary_total``, ``flagger_canary_status``, ``flagger_canary_weight``,
``flagger_canary_duration_seconds``, ``flagger_canary_metric_analysis``, ``flagger_canary_successes_total``,
``flagger_canary_failures_total``. Ours start with ``flagger_py_``: the phase of each canary, its failed
checks, whole-release durations by outcome, event-loop lag, API requests and undelivered alerts.

Cardinality is bounded: per-canary series carry only name and namespace (plus the metric name of a
check or the current phase) and are removed when the Canary is deleted; release durations carry only
the outcome. Like Flagger's (Go) exposition, counters and histograms have no ``_created`` series: a
thousand canaries would add two thousand lines that no Flagger dashboard reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter as Tally
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

from flagger_py.domain import settings
from flagger_py.domain.verdicts import DURATION, Check
from flagger_py.engine.tick import TickResult
from flagger_py.model.canary import Canary
from flagger_py.workload.readiness import epoch

# Flagger's flagger_canary_status: 0 Progressing, 2 Failed, 1 anything else.
STATUS_PROGRESSING, STATUS_OTHER, STATUS_FAILED = 0, 1, 2
OUTCOMES = {"promoted": "promoted", "rolled back": "rolled_back", "skipped": "skipped"}
# Flagger's tick-duration buckets (client_golang's DefBuckets), so its dashboards' `le` selectors match.
GO_DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
RELEASE_BUCKETS = (60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400)
LAG_PERIOD_SECONDS = 0.25
LAG_WINDOW_SECONDS = 10.0


def status_value(phase: str) -> int:
    if phase == "Progressing":
        return STATUS_PROGRESSING
    return STATUS_FAILED if phase == "Failed" else STATUS_OTHER


class Telemetry:
    """Holds the registry; implements the reconciler's ``Observer``."""

    def __init__(self) -> None:
        disable_created_metrics()  # type: ignore[no-untyped-call]  # process-wide; our only registry
        self.registry = r = CollectorRegistry()
        self.info = Gauge(
            "flagger_info", "Version of the controller", ["version", "mesh_provider"], registry=r
        )
        self.total = Gauge("flagger_canary_total", "Canaries per namespace", ["namespace"], registry=r)
        self.status = Gauge(
            "flagger_canary_status",
            "Last status of a canary: 0 progressing, 1 other (initialized, succeeded, waiting...), 2 failed",
            ["name", "namespace"],
            registry=r,
        )
        self.weight = Gauge(
            "flagger_canary_weight", "Traffic weight of a workload", ["workload", "namespace"], registry=r
        )
        self.duration = Histogram(
            "flagger_canary_duration_seconds",
            "Wall time of an analysis tick",
            ["name", "namespace"],
            buckets=GO_DEFAULT_BUCKETS,
            registry=r,
        )
        self.successes = Counter(
            "flagger_canary_successes",
            "Releases that ended in promotion",
            ["name", "namespace", "deployment_strategy", "analysis_status"],
            registry=r,
        )
        self.failures = Counter(
            "flagger_canary_failures",
            "Releases that were rolled back",
            ["name", "namespace", "deployment_strategy"],
            registry=r,
        )
        self.metric_analysis = Gauge(
            "flagger_canary_metric_analysis",
            "Last result of each metric check (request-duration in seconds)",
            ["name", "namespace", "metric"],
            registry=r,
        )
        self.phase = Gauge(
            "flagger_py_canary_phase",
            "1 for the current phase of each canary",
            ["name", "namespace", "phase"],
            registry=r,
        )
        self.failed_checks = Gauge(
            "flagger_py_canary_failed_checks",
            "Failed checks of the current run",
            ["name", "namespace"],
            registry=r,
        )
        self.releases = Histogram(
            "flagger_py_release_duration_seconds",
            "Whole-release duration, from the new revision to promotion or rollback, by outcome",
            ["outcome"],
            buckets=RELEASE_BUCKETS,
            registry=r,
        )
        self.loop_lag = Gauge(
            "flagger_py_event_loop_lag_seconds",
            f"Largest event-loop delay over the last {LAG_WINDOW_SECONDS:g}s",
            registry=r,
        )
        self.lateness = Histogram(
            "flagger_py_tick_lateness_seconds",
            "How late analysis ticks start after their scheduled time",
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
            registry=r,
        )
        self.api_requests = Counter(
            "flagger_py_api_requests", "Kubernetes API requests made, by verb", ["verb"], registry=r
        )
        self.undelivered = Gauge(
            "flagger_py_alerts_dropped",
            "Alerts and event webhooks dropped because a sink was too slow",
            registry=r,
        )
        self._requests: Callable[[], Mapping[str, int]] | None = None
        self._counted: Tally[str] = Tally()
        self._canaries: Callable[[], Iterable[tuple[str, str]]] | None = None
        self._dropped: Callable[[], int] | None = None
        self._phases: dict[tuple[str, str], str] = {}
        self._weights: dict[tuple[str, str], str] = {}
        self._checks: dict[tuple[str, str], set[str]] = {}
        self._releases: dict[tuple[str, str], set[tuple[Counter, tuple[str, ...]]]] = {}

    # --- sources read when /metrics is rendered ---------------------------------------------------

    def count_requests(self, source: Callable[[], Mapping[str, int]]) -> None:
        self._requests = source

    def count_canaries(self, source: Callable[[], Iterable[tuple[str, str]]]) -> None:
        """``source`` yields (namespace, name) of every Canary the controller knows."""
        self._canaries = source

    def count_dropped(self, source: Callable[[], int]) -> None:
        self._dropped = source

    def render(self) -> bytes:
        self.refresh()
        return generate_latest(self.registry)

    async def render_off_loop(self) -> bytes:
        """``render()`` with the exposition, which grows with the number of canaries (tens of ms at a
        thousand), in a worker thread: a scrape must not stall the ticks. The client's metrics are
        thread-safe; the sources are read here, on the loop."""
        self.refresh()
        return await asyncio.to_thread(generate_latest, self.registry)

    def refresh(self) -> None:
        """Bring the series computed at scrape time up to date from their sources."""
        if self._requests is not None:
            for verb, count in self._requests().items():
                self.api_requests.labels(verb).inc(count - self._counted[verb])
                self._counted[verb] = count
        if self._canaries is not None:
            per_namespace = Tally(ns for ns, _ in self._canaries())
            self.total.clear()
            for namespace, count in per_namespace.items():
                self.total.labels(namespace).set(count)
        if self._dropped is not None:
            self.undelivered.set(self._dropped())

    # --- what the controller reports ----------------------------------------------------------------

    def record_check(self, canary: Canary, check: Check) -> None:
        """Flagger's gauge: the measured value (request-duration exported in seconds); a check
        without a value (no data, provider failure) leaves the last value in place."""
        if check.value is None:
            return
        value = check.value / 1000 if check.metric == DURATION else check.value
        key = (canary.metadata.name, canary.metadata.namespace or "default")
        self.metric_analysis.labels(*key, check.metric).set(value)
        self._checks.setdefault(key, set()).add(check.metric)

    def status_written(self, body: Mapping[str, Any]) -> None:
        """A Canary status we wrote: its phase, weights and failed checks."""
        meta, status = body.get("metadata") or {}, body.get("status") or {}
        key = (str(meta.get("name")), str(meta.get("namespace") or "default"))
        phase = str(status.get("phase") or "")
        self.status.labels(*key).set(status_value(phase))
        if phase:
            old = self._phases.get(key)
            if old is not None and old != phase:
                self.phase.remove(*key, old)
            self.phase.labels(*key, phase).set(1)
            self._phases[key] = phase
        self.failed_checks.labels(*key).set(int(status.get("failedChecks") or 0))
        target = ((body.get("spec") or {}).get("targetRef") or {}).get("name")
        if target:
            weight = int(status.get("canaryWeight") or 0)
            self.weight.labels(target, key[1]).set(weight)
            self.weight.labels(f"{target}-primary", key[1]).set(100 - weight)
            self._weights[key] = target

    def ticked(self, canary: Canary, result: TickResult, seconds: float) -> None:
        """One analysis tick: its duration, and the release it ended, if any."""
        name, namespace = canary.metadata.name, canary.metadata.namespace or "default"
        self.duration.labels(name, namespace).observe(seconds)
        outcome = result.released
        if outcome is None:
            return
        strategy = settings.strategy(canary.spec.analysis, canary.spec.provider)
        if outcome == "rolled back":
            self.failures.labels(name, namespace, strategy).inc()
            self._releases.setdefault((name, namespace), set()).add((self.failures, (strategy,)))
        else:
            status = "skipped" if outcome == "skipped" else "completed"
            self.successes.labels(name, namespace, strategy, status).inc()
            self._releases.setdefault((name, namespace), set()).add((self.successes, (strategy, status)))
        started = _run_started(canary)
        if started is not None:
            self.releases.labels(OUTCOMES[outcome]).observe(max(0.0, time.time() - started))

    def forget(self, namespace: str, name: str) -> None:
        """The Canary is gone: drop its series, release counters included (Prometheus keeps their
        history; a controller that kept them would grow with every Canary ever created)."""
        key = (name, namespace)
        for gauge in (self.status, self.failed_checks, self.duration):
            _remove(gauge, key)
        phase = self._phases.pop(key, None)
        if phase is not None:
            _remove(self.phase, (*key, phase))
        for counter, rest in self._releases.pop(key, set()):
            _remove(counter, (*key, *rest))
        for metric in self._checks.pop(key, set()):
            _remove(self.metric_analysis, (*key, metric))
        target = self._weights.pop(key, None)
        if target is not None:
            _remove(self.weight, (target, namespace))
            _remove(self.weight, (f"{target}-primary", namespace))

    async def measure_loop_lag(self) -> None:
        """Forever: how late a short sleep wakes up; the gauge shows the worst over the window."""
        worst: list[tuple[float, float]] = []
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(LAG_PERIOD_SECONDS)
            now = loop.time()
            worst.append((now, max(0.0, now - before - LAG_PERIOD_SECONDS)))
            worst = [(t, lag) for t, lag in worst if now - t <= LAG_WINDOW_SECONDS]
            self.loop_lag.set(max(lag for _, lag in worst))


def _run_started(canary: Canary) -> float | None:
    """When the run that is ending began: the Reconciling condition turned True with the new revision."""
    for condition in (canary.status.conditions if canary.status else ()) or ():
        if condition.type == "Reconciling" and condition.status == "True" and condition.last_transition_time:
            return epoch(condition.last_transition_time)
    return None


def _remove(metric: Any, labels: tuple[str, ...]) -> None:
    with contextlib.suppress(KeyError):
        metric.remove(*labels)
