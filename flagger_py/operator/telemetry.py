"""The controller's own Prometheus metrics (Flagger's names where they exist), served on /metrics."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest

from flagger_py.domain.verdicts import DURATION, Check
from flagger_py.model.canary import Canary

PHASE_VALUE = {"Succeeded": 1, "Failed": 2}


class Telemetry:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.info = Gauge("flagger_info", "Version of the controller", ["version"], registry=self.registry)
        self.status = Gauge(
            "flagger_canary_status",
            "Last status of a canary: 0 running, 1 successful, 2 failed",
            ["name", "namespace"],
            registry=self.registry,
        )
        self.weight = Gauge(
            "flagger_canary_weight",
            "Traffic weight of a workload",
            ["workload", "namespace"],
            registry=self.registry,
        )
        self.successes = Counter(
            "flagger_canary_successes",
            "Promoted releases",
            ["name", "namespace", "deployment_strategy", "analysis_status"],
            registry=self.registry,
        )
        self.failures = Counter(
            "flagger_canary_failures",
            "Rolled back releases",
            ["name", "namespace", "deployment_strategy"],
            registry=self.registry,
        )
        self.metric_analysis = Gauge(
            "flagger_canary_metric_analysis",
            "Last result of each metric check (request-duration in seconds)",
            ["name", "namespace", "metric"],
            registry=self.registry,
        )
        self.api_requests = Gauge(
            "flagger_py_api_requests",
            "Kubernetes API requests made, by verb",
            ["verb"],
            registry=self.registry,
        )
        self._requests: Callable[[], Mapping[str, int]] | None = None

    def record_check(self, canary: Canary, check: Check) -> None:
        """Flagger's gauge: the measured value (request-duration exported in seconds); a check
        without a value (no data, provider failure) leaves the last value in place."""
        if check.value is None:
            return
        value = check.value / 1000 if check.metric == DURATION else check.value
        namespace = canary.metadata.namespace or "default"
        self.metric_analysis.labels(canary.metadata.name, namespace, check.metric).set(value)

    def count_requests(self, source: Callable[[], Mapping[str, int]]) -> None:
        self._requests = source

    def render(self) -> bytes:
        if self._requests is not None:
            for verb, count in self._requests().items():
                self.api_requests.labels(verb).set(count)
        return generate_latest(self.registry)
