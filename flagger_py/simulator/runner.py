"""Running a Canary through a scenario on the in-memory cluster, tick by tick."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from typing import Any

from flagger_py.domain import effective, verdicts
from flagger_py.domain.effective import ControllerDefaults, Effective, Settings
from flagger_py.domain.weights import Routes
from flagger_py.engine.tick import run_once
from flagger_py.model.canary import Canary, CanaryStatus
from flagger_py.model.duration import format_seconds
from flagger_py.simulator.scenario import Scenario, healthy_value
from flagger_py.testing.memory import MemoryCluster

MAX_TICKS = 10_000
"""The most ticks one simulation runs (a few seconds): whatever the scenario's duration, a tiny
interval or a release that never ends cannot keep ``simulate`` busy for long. The verdict says so
when it stops there."""


@dataclass(frozen=True)
class Note:
    """Something that happened during a tick: an event, a check, a webhook call, an alert."""

    kind: str  # event | warning | metric | webhook | alert | routes | workload
    text: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Tick:
    """One line of the timeline."""

    at: float
    status: CanaryStatus
    routes: Routes
    notes: tuple[Note, ...]


@dataclass(frozen=True)
class Verdict:
    """How the simulated release ended."""

    outcome: str  # promoted | rolled back | skipped | undecided
    text: str
    at: float
    stopped_by: str | None = None  # undecided only: "duration" (the scenario's) or "ticks" (MAX_TICKS)


@dataclass(frozen=True)
class Simulation:
    """The timeline and the verdict."""

    canary: Canary
    scenario: Scenario
    ticks: tuple[Tick, ...]
    verdict: Verdict
    settings: Settings


def simulate(
    canary: Canary,
    scenario: Scenario,
    defaults: ControllerDefaults | None = None,
    *,
    max_ticks: int | None = None,
) -> Simulation:
    """Run the real engine on the in-memory cluster until the release ends, the scenario's duration
    has passed or ``max_ticks`` (default MAX_TICKS) ticks have run, as a controller started with
    ``defaults`` (its ``-mesh-provider`` and ``-min-interval``) would."""
    limit = MAX_TICKS if max_ticks is None else max_ticks
    if limit < 1:
        raise ValueError(f"max_ticks must be at least 1 (got {limit})")
    run = effective.effective(canary, defaults or ControllerDefaults())
    return asyncio.run(_simulate(run, scenario, limit))


async def _simulate(run: Effective, scenario: Scenario, max_ticks: int) -> Simulation:
    canary = run.canary
    cluster = _cluster(run, scenario)
    clock, workloads = cluster.clock, cluster.workloads
    pending = sorted(r.seconds for r in scenario.revisions)
    revision_count, started_at = 0, 0.0
    ticks: list[Tick] = []
    seen = _Cursor()
    verdict: Verdict | None = None
    while clock.seconds <= scenario.duration.seconds and len(ticks) < max_ticks:
        phase = (canary.status or CanaryStatus()).phase
        if pending and pending[0] <= clock.seconds and phase not in ("", "Initializing"):
            pending.pop(0)
            revision_count += 1
            started_at = clock.seconds
            workloads.new_revision(f"rev-{revision_count}")
        result = await run_once(replace(run, canary=canary), cluster.deps)
        canary = canary.model_copy(update={"status": result.decision.status})
        ticks.append(Tick(clock.seconds, result.decision.status, cluster.router.routes, seen.notes(cluster)))
        if result.released and not pending:
            verdict = _verdict(result.released, clock.seconds, started_at, ticks)
            break
        clock.advance(result.requeue_after)
    if verdict is None:
        verdict = _undecided(run.settings, scenario, ticks, clock.seconds)
    return Simulation(canary, scenario, tuple(ticks), verdict, run.settings)


def _undecided(settings: Settings, scenario: Scenario, ticks: list[Tick], next_at: float) -> Verdict:
    """No verdict: which limit stopped the run, and what to change to see more."""
    still = f"still {ticks[-1].status.phase or 'new'}"
    duration = scenario.duration.seconds
    if next_at <= duration:
        text = (
            f"no verdict: stopped after {len(ticks)} ticks at {format_seconds(ticks[-1].at)}, the most "
            f"one simulation runs: {still}; shorten the scenario's duration or lengthen analysis.interval"
        )
        return Verdict("undecided", text, ticks[-1].at, "ticks")
    text = f"no verdict after {format_seconds(duration)}: {still}"
    interval = settings.interval
    if interval > duration:
        text += (
            f"; analysis.interval ({format_seconds(interval)}) is longer than the scenario: "
            "lengthen its duration to see the analysis"
        )
    return Verdict("undecided", text, next_at, "duration")


def _cluster(run: Effective, scenario: Scenario) -> MemoryCluster:
    canary = run.canary
    cluster = MemoryCluster()
    workloads = cluster.workloads
    workloads.primary_ready_after = scenario.readiness.primary.seconds
    workloads.canary_ready_after = scenario.readiness.canary.seconds
    workloads.broken = set(scenario.readiness.broken)
    deadline = scenario.progress_deadline
    workloads.progress_deadline = (
        deadline.seconds if deadline is not None else float(run.settings.progress_deadline)
    )
    metrics = {m.name: m for m in canary.spec.analysis.metrics or ()}
    series = {name: script.series() for name, script in scenario.metrics.items()}

    def answer(name: str, t: float) -> verdicts.Result:
        if name in series:
            return series[name](t)
        return verdicts.Value(healthy_value(metrics[name]))

    def hook(name: str, t: float) -> tuple[bool, str]:
        script = scenario.webhooks.get(name)
        if script is None or not script.fails_at(t):
            return True, ""
        return False, script.message

    cluster.analyzer.series = answer
    cluster.webhooks.script = hook
    return cluster


@dataclass
class _Cursor:
    """What of the adapters' records has already been turned into notes."""

    positions: dict[str, int] = field(default_factory=dict)

    def take(self, name: str, items: list[Any]) -> list[Any]:
        start = self.positions.get(name, 0)
        self.positions[name] = len(items)
        return items[start:]

    def notes(self, cluster: MemoryCluster) -> tuple[Note, ...]:
        out: list[tuple[int, Note]] = []
        for record in self.take("workloads", cluster.workloads.log):
            out.append((record.seq, Note("workload", f"{record.what} {record.detail}".strip())))
        for seq, kind, name, ok, message in self.take("webhooks", cluster.webhooks.log):
            result = "ok" if ok else f"FAILED: {message}"
            if kind == "rollback":
                result = "asks for a rollback" if ok else "no rollback asked"
            data = {"name": name, "type": kind, "ok": ok}
            out.append((seq, Note("webhook", f"webhook {name} ({kind}): {result}", data)))
        for seq, check in self.take("metrics", cluster.analyzer.log):
            mark = "ok  " if check.passed else "FAIL"
            data = {"name": check.metric, "value": check.value, "passed": check.passed}
            out.append((seq, Note("metric", f"{mark} {check.message}", data)))
        for seq, kind, message in self.take("events", cluster.events.emitted):
            out.append((seq, Note("warning" if kind == "Warning" else "event", message)))
        for seq, severity, message in self.take("alerts", cluster.notifier.sent):
            out.append((seq, Note("alert", f"alert ({severity}): {message}", {"severity": severity})))
        return tuple(note for _, note in sorted(out, key=lambda item: item[0]))


def _verdict(outcome: str, at: float, started: float, ticks: list[Tick]) -> Verdict:
    took = format_seconds(at - started)
    if outcome == "promoted":
        return Verdict(outcome, f"promoted after {took}", at)
    if outcome == "skipped":
        return Verdict(outcome, f"promoted without analysis after {took}", at)
    before = ticks[-2].status if len(ticks) > 1 else ticks[-1].status
    routes = ticks[-2].routes if len(ticks) > 1 else ticks[-1].routes
    checks = before.failed_checks
    plural = "s" if checks != 1 else ""
    text = f"rolled back at {format_seconds(at)} at {routes.canary}% after {checks} failed check{plural}"
    return Verdict(outcome, text, at)
