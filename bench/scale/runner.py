"""One benchmark run: one controller, N canaries, from an empty namespace to N promotions."""

from __future__ import annotations

import itertools
import math
import statistics
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flagger_py.model.canary import Canary
from flagger_py.model.duration import Duration
from flagger_py.simulator.runner import simulate
from flagger_py.simulator.scenario import Scenario

from . import audit, workload
from .controllers import Controller
from .environment import Environment, user


@dataclass(frozen=True)
class Settings:
    interval: str = "10s"
    iterations: int = 3
    release_timeout: float | None = None  # seconds; default: generous, from N and the minimum

    @property
    def seconds(self) -> float:
        return Duration.parse(self.interval).seconds


def theoretical_minimum(settings: Settings) -> tuple[float, int]:
    """(seconds, ticks) from the new revision to promotion with everything instantly ready: the real
    state machine on a virtual clock."""
    body = workload.canary("bench", "app", settings.interval, settings.iterations)
    result = simulate(Canary.model_validate(body), Scenario())
    start = next(t.at for t in result.ticks if t.status.phase == "Progressing")
    ticks = [t for t in result.ticks if t.at >= start]
    return result.verdict.at - start, len(ticks)


def quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def lateness(
    writes: dict[str, list[float]], interval: float, waits: Mapping[str, float] | None = None
) -> list[float]:
    """How late ticks came, seen from outside: per canary, the first status write of each tick, and
    how much more than an interval lies between consecutive ones. ``waits`` (``audit.primary_waits``)
    are ticks followed by a tick that wrote nothing because the primary was still rolling out: the gap
    after them is not lateness."""
    late = []
    for name, times in writes.items():
        held = (waits or {}).get(name)
        ticks: list[float] = []
        for at in sorted(times):
            if not ticks or at - ticks[-1] > 0.5 * interval:
                ticks.append(at)
        for a, b in itertools.pairwise(ticks):
            if a == held:
                continue
            gap = b - a
            if 0.5 * interval < gap < 2.5 * interval:
                late.append(max(0.0, gap - interval))
    return late


def seen_lateness(found: list[audit.Request], namespace: str, interval: float) -> tuple[list[float], int]:
    """The lateness of a release's ticks seen in the audit log, and how many canaries' primaries took a
    tick more to roll out (not lateness: ``audit.primary_waits``)."""
    waits = audit.primary_waits(found, namespace, interval)
    return lateness(audit.status_writes(found, namespace), interval, waits), len(waits)


def histogram_quantile(text_before: str, text_after: str, name: str, q: float) -> float | None:
    """A quantile of the observations a Prometheus histogram gained between two scrapes (bucket bound)."""

    def buckets(text: str) -> dict[float, float]:
        out = {}
        for line in text.splitlines():
            if line.startswith(f"{name}_bucket{{"):
                bound = line.split('le="', 1)[1].split('"', 1)[0]
                out[math.inf if bound == "+Inf" else float(bound)] = float(line.rsplit(" ", 1)[1])
        return out

    before, after = buckets(text_before), buckets(text_after)
    delta = {b: after[b] - before.get(b, 0.0) for b in after}
    total = delta.get(math.inf, 0.0)
    if total <= 0:
        return None
    for bound in sorted(delta):
        if delta[bound] >= q * total:
            return bound
    return None


def namespace_of(name: str, n: int) -> str:
    """The namespace of one run: bench-py-N (flagger-py), bench-py-<variant>-N, bench-fl-N (Flagger)."""
    family, _, variant = name.partition(":")
    return f"bench-{'py' if family == 'flagger-py' else 'fl'}-{variant + '-' if variant else ''}{n}"


def run(env: Environment, controller: Controller, n: int, settings: Settings) -> dict[str, Any]:
    api = env.cluster.api
    namespace = namespace_of(controller.name, n)
    api.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    controller.start()
    time.sleep(5)
    baseline_at = time.monotonic()
    env.serve_metrics(namespace, workload.names(n))
    created = time.time()
    workload.create(api, namespace, n, env.prometheus.url, settings.interval, settings.iterations)
    env.wait_scraped(namespace, n)
    workload.wait_for(api, namespace, n, "Initialized", timeout=120 + 2.0 * n)
    initialized = time.time()
    time.sleep(2)
    queries_before, metrics_before = env.prometheus_queries(), controller.metrics_text()
    release_mono, release_wall = time.monotonic(), time.time()
    workload.release(api, namespace, n)
    minimum, _ = theoretical_minimum(settings)
    limit = settings.release_timeout or 4 * minimum + 3.0 * n + 120
    done_mono, final = workload.wait_until(api, namespace, n, "Succeeded", limit)
    done_wall = release_wall + (done_mono - release_mono)
    queries_after, metrics_after = env.prometheus_queries(), controller.metrics_text()
    idle_wall = time.time()  # steady state: every canary promoted, still ticking
    time.sleep(3 * settings.seconds)
    idle_end, settled_at = time.time(), time.monotonic()  # all promoted, three intervals later
    time.sleep(3)  # the audit log's batch flushes
    controller.stop()

    found = audit.requests(env.audit_log, user(controller.identity))
    analysis = audit.between(found, release_wall, done_wall)
    init = audit.between(found, created, initialized)
    wall = done_mono - release_mono
    ticks = n * wall / settings.seconds
    verbs = audit.by_verb(analysis)
    writes = sum(c for v, c in verbs.items() if v in audit.WRITES)
    reads = sum(c for v, c in verbs.items() if v in audit.READS)
    idle = audit.between(found, idle_wall, idle_end)
    idle_ticks = n * (idle_end - idle_wall) / settings.seconds
    idle_verbs = audit.by_verb(idle)
    late, waits = seen_lateness(analysis, namespace, settings.seconds)
    lag = [v for at, v in controller.lag_samples if release_mono <= at <= done_mono]
    promoted = workload.promotions(api, namespace)
    baseline = controller.rss_at(baseline_at)
    peak = controller.peak_rss()
    result = {
        "controller": controller.name,
        "n": n,
        "interval_seconds": settings.seconds,
        "iterations": settings.iterations,
        "wall_seconds": round(wall, 1),
        "theoretical_seconds": minimum,
        "wall_over_minimum": round(wall / minimum, 3),
        "ticks": round(ticks),
        "api_requests": len(analysis),
        "api_requests_per_canary_tick": round(len(analysis) / ticks, 3),
        "api_writes_per_canary_tick": round(writes / ticks, 3),
        "api_reads_per_canary_tick": round(reads / ticks, 3),
        "api_by_verb": dict(verbs),
        "idle_api_requests_per_canary_tick": round(len(idle) / idle_ticks, 3),
        "idle_api_writes_per_canary_tick": round(
            sum(c for v, c in idle_verbs.items() if v in audit.WRITES) / idle_ticks, 3
        ),
        "idle_api_reads_per_canary_tick": round(
            sum(c for v, c in idle_verbs.items() if v in audit.READS) / idle_ticks, 3
        ),
        "api_by_resource": dict(audit.by_resource(analysis).most_common()),
        "api_requests_per_canary_initialization": round(len(init) / n, 2),
        "api_by_resource_initialization": dict(audit.by_resource(init).most_common()),
        "cpu_seconds_per_canary_tick": round(controller.cpu_between(release_mono, done_mono) / ticks, 5),
        "rss_baseline_mib": round(baseline / 2**20, 1),
        "rss_peak_mib": round(peak / 2**20, 1),
        "rss_per_canary_kib": round((peak - baseline) / n / 1024, 1),
        "rss_settled_mib": round(controller.rss_at(settled_at) / 2**20, 1),
        "rss_settled_per_canary_kib": round((controller.rss_at(settled_at) - baseline) / n / 1024, 1),
        "lateness_p50_seconds": quantile(late, 0.5),
        "lateness_p99_seconds": quantile(late, 0.99),
        "lateness_samples": len(late),
        "primary_waits": waits,
        "event_loop_lag_p99_seconds": quantile(lag, 0.99),
        "prometheus_queries_per_canary_tick": round((queries_after - queries_before) / ticks, 3),
        "finished": final.get("Succeeded", 0) == n,
        "phases_at_end": dict(final),
        # promoted: from phases (client-go's event spam filter can drop a controller's Events);
        # duplicated: more than one promotion Event for one canary
        "promoted": final.get("Succeeded", 0),
        "duplicated": sum(1 for c in promoted.values() if c > 1),
        # at a timeout, canaries still releasing are pending, not lost
        "lost": final.get("Failed", 0),  # rolled back although healthy
        "pending": n - final.get("Succeeded", 0) - final.get("Failed", 0),
    }
    if controller.identity == "flagger-py":
        for q in (0.5, 0.99):
            key = f"internal_lateness_p{int(q * 100)}_seconds"
            result[key] = histogram_quantile(
                metrics_before, metrics_after, "flagger_py_tick_lateness_seconds", q
            )
    result["lateness_mean_seconds"] = round(statistics.fmean(late), 4) if late else None
    api.delete(f"/api/v1/namespaces/{namespace}")
    env.series.pop(namespace, None)
    wait_gone(env, namespace)
    return result


def wait_gone(env: Environment, namespace: str, timeout: float = 600) -> None:
    """Until the namespace is deleted, so the next run starts on a quiet API server."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if env.cluster.api.request("GET", f"/api/v1/namespaces/{namespace}").status_code == 404:
            return
        time.sleep(2)
