"""The controller's own Prometheus metrics, served on /metrics.

Flagger 1.44's series (``pkg/metrics/recorder.go``) keep their names, types, help texts, labels and
values, and are set on the ticks where Flagger's controller sets them, so existing dashboards and alert
rules keep working: ``flagger_info``, ``flagger_canary_total``, ``flagger_canary_status``,
``flagger_canary_weight``, ``flagger_canary_duration_seconds``, ``flagger_canary_metric_analysis``,
``flagger_canary_successes_total``, ``flagger_canary_failures_total``. As in Flagger, their ``name``
label (and the ``workload`` of the weights, ``<target>`` and ``<target>-primary``) is the target's
name, ``spec.targetRef.name``, not the Canary's. Ours start with ``flagger_py_``: the phase of each
canary (which also maps a Canary to its target), its failed checks, whole-release durations by
outcome, event-loop lag, API requests and undelivered alerts.

Cardinality is bounded: per-canary series carry only name and namespace (plus the metric name of a
check, the release labels or the current phase) and are removed when the Canary is deleted; release
durations carry only the outcome. Like Flagger's (Go) exposition, counters and histograms have no
``_created`` series: a thousand canaries would add two thousand lines that no Flagger dashboard reads.
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

from flagger_py.desired.readiness import epoch
from flagger_py.domain import actions as act
from flagger_py.domain import phases
from flagger_py.domain.verdicts import DURATION, Check
from flagger_py.domain.weights import ALL_CANARY, ALL_PRIMARY, Routes
from flagger_py.engine.tick import TickResult
from flagger_py.model.canary import Analysis, Canary
from flagger_py.model.strategy import run_kind

# Flagger's flagger_canary_status: 0 Progressing, 2 Failed, 1 anything else.
STATUS_PROGRESSING, STATUS_OTHER, STATUS_FAILED = 0, 1, 2
OUTCOMES = {"promoted": "promoted", "rolled back": "rolled_back", "skipped": "skipped"}
# Flagger's analysis_status label: a release ended after an analysis, or with the analysis skipped.
ANALYSIS_COMPLETED, ANALYSIS_SKIPPED = "completed", "skipped"
# Flagger's tick-duration buckets (client_golang's DefBuckets), so its dashboards' `le` selectors match.
GO_DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
RELEASE_BUCKETS = (60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400)
LAG_PERIOD_SECONDS = 0.25
LAG_WINDOW_SECONDS = 10.0

Key = tuple[str, str]
"""(name, namespace) of a Canary."""


def status_value(phase: str) -> int:
    if phase == "Progressing":
        return STATUS_PROGRESSING
    return STATUS_FAILED if phase == "Failed" else STATUS_OTHER


def deployment_strategy(analysis: Analysis | None) -> str:
    """Flagger's ``Canary.DeploymentStrategy()`` label: ``model.strategy.run_kind`` of the spec alone
    (the kubernetes provider, which runs every analysis as blue/green, does not change the label)."""
    return "canary" if analysis is None else run_kind(analysis)


def reported_routes(canary: Canary, result: TickResult) -> Routes | None:
    """The weights Flagger's ``SetWeight`` leaves after this tick: the routes last set, else the routes
    read (None when the tick read none: the canary was not advancing or the primary not ready).

    For the kubernetes provider Flagger reads its no-op router, which answers all to the canary while
    the run has iterations and all to the primary otherwise.
    """
    if result.error is None:
        set_routes = [a.routes for a in result.decision.actions if isinstance(a, act.SetRoutes)]
        if set_routes:
            return set_routes[-1]
    if result.observations.routes is None:
        return None
    if canary.spec.provider == "kubernetes":
        return ALL_CANARY if canary.status is not None and canary.status.iterations > 0 else ALL_PRIMARY
    return result.observations.routes


def analysed(canary: Canary, result: TickResult) -> bool:
    """Whether Flagger observes ``flagger_canary_duration_seconds`` for this tick: it reached the
    analysis (pre-rollout or rollout hooks, metric checks, the next step) of a Progressing or
    WaitingPromotion canary, without ending the release first."""
    before = canary.status.phase if canary.status is not None else ""
    ready = result.observations.canary
    return (
        before in phases.ANALYSING
        and not canary.spec.skip_analysis
        and ready is not None
        and ready.ready
        and not any(isinstance(a, act.RecordRelease) for a in result.decision.actions)
    )


class Telemetry:
    """Holds the registry; implements the reconciler's ``Observer``."""

    def __init__(self) -> None:
        disable_created_metrics()  # type: ignore[no-untyped-call]  # process-wide; our only registry
        self.registry = r = CollectorRegistry()
        self.info = Gauge(
            "flagger_info",
            "Flagger version and mesh provider information",
            ["version", "mesh_provider"],
            registry=r,
        )
        self.total = Gauge("flagger_canary_total", "Total number of canary object", ["namespace"], registry=r)
        self.status = Gauge(
            "flagger_canary_status", "Last canary analysis result", ["name", "namespace"], registry=r
        )
        self.weight = Gauge(
            "flagger_canary_weight",
            "The virtual service destination weight current value",
            ["workload", "namespace"],
            registry=r,
        )
        self.duration = Histogram(
            "flagger_canary_duration_seconds",
            "Seconds spent performing canary analysis.",
            ["name", "namespace"],
            buckets=GO_DEFAULT_BUCKETS,
            registry=r,
        )
        self.successes = Counter(
            "flagger_canary_successes",
            "Total number of canary successes",
            ["name", "namespace", "deployment_strategy", "analysis_status"],
            registry=r,
        )
        self.failures = Counter(
            "flagger_canary_failures",
            "Total number of canary failures",
            ["name", "namespace", "deployment_strategy", "analysis_status"],
            registry=r,
        )
        self.metric_analysis = Gauge(
            "flagger_canary_metric_analysis",
            "Last canary analysis result per metric",
            ["name", "namespace", "metric"],
            registry=r,
        )
        self.phase = Gauge(
            "flagger_py_canary_phase",
            "1 for the current phase of each canary; target is its spec.targetRef.name",
            ["name", "namespace", "target", "phase"],
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
        self._targets: dict[Key, str] = {}
        self._phases: dict[Key, tuple[str, str]] = {}
        self._checks: dict[Key, set[str]] = {}
        self._releases: dict[Key, set[tuple[Counter, tuple[str, ...]]]] = {}

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
        key, target = self._bind(canary)
        self.metric_analysis.labels(target, key[1], check.metric).set(value)
        self._checks.setdefault(key, set()).add(check.metric)

    def status_written(self, body: Mapping[str, Any]) -> None:
        """A Canary status we wrote: its phase and failed checks (flagger-py's own series)."""
        meta, status = body.get("metadata") or {}, body.get("status") or {}
        key = (str(meta.get("name")), str(meta.get("namespace") or "default"))
        phase = str(status.get("phase") or "")
        target = str(((body.get("spec") or {}).get("targetRef") or {}).get("name") or "")
        if phase:
            old = self._phases.get(key)
            if old is not None and old != (target, phase):
                _remove(self.phase, (*key, *old))
            self.phase.labels(*key, target, phase).set(1)
            self._phases[key] = (target, phase)
        self.failed_checks.labels(*key).set(int(status.get("failedChecks") or 0))

    def ticked(self, canary: Canary, result: TickResult, seconds: float) -> None:
        """One tick, recorded as Flagger's controller records it: the status from the phase, the
        weights the routes were left at, the analysis duration, and the release it ended, if any."""
        if canary.spec.suspend:  # Flagger returns before recording anything
            return
        key, target = self._bind(canary)
        namespace = key[1]
        phase = result.decision.status.phase
        if phase not in ("", "Initializing"):  # Flagger records a canary from its initialization on
            self.status.labels(target, namespace).set(status_value(phase))
        routes = reported_routes(canary, result)
        if routes is not None:
            self.weight.labels(f"{target}-primary", namespace).set(routes.primary)
            self.weight.labels(target, namespace).set(routes.canary)
        if analysed(canary, result):
            self.duration.labels(target, namespace).observe(seconds)
        outcome = result.released
        if outcome is None:
            return
        strategy = deployment_strategy(canary.spec.analysis)
        counter = self.failures if outcome == "rolled back" else self.successes
        labels = (strategy, ANALYSIS_SKIPPED if outcome == "skipped" else ANALYSIS_COMPLETED)
        counter.labels(target, namespace, *labels).inc()
        self._releases.setdefault(key, set()).add((counter, labels))
        started = _run_started(canary)
        if started is not None:
            self.releases.labels(OUTCOMES[outcome]).observe(max(0.0, time.time() - started))

    def forget(self, namespace: str, name: str) -> None:
        """The Canary is gone: drop its series, release counters included (Prometheus keeps their
        history; a controller that kept them would grow with every Canary ever created)."""
        key = (name, namespace)
        _remove(self.failed_checks, key)
        phase = self._phases.pop(key, None)
        if phase is not None:
            _remove(self.phase, (*key, *phase))
        self._drop_target_series(key)
        self._targets.pop(key, None)

    def _bind(self, canary: Canary) -> tuple[Key, str]:
        """The Canary's key and target; a Canary moved to another target leaves the old one's series."""
        key = (canary.metadata.name, canary.metadata.namespace or "default")
        target = canary.spec.target_ref.name
        if self._targets.get(key, target) != target:
            self._drop_target_series(key)
        self._targets[key] = target
        return key, target

    def _drop_target_series(self, key: Key) -> None:
        """Remove the Flagger series (labelled with the target) of one Canary, unless another Canary
        of the namespace has the same target (Flagger warns about such pairs; they share series)."""
        target = self._targets.get(key)
        releases, checks = self._releases.pop(key, set()), self._checks.pop(key, set())
        if target is None or any(
            t == target and k[1] == key[1] and k != key for k, t in self._targets.items()
        ):
            return
        labels = (target, key[1])
        _remove(self.status, labels)
        _remove(self.duration, labels)
        for counter, rest in releases:
            _remove(counter, (*labels, *rest))
        for check in checks:
            _remove(self.metric_analysis, (*labels, check))
        _remove(self.weight, labels)
        _remove(self.weight, (f"{target}-primary", key[1]))

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
