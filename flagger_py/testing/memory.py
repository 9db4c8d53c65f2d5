"""In-memory adapters of every port, on a virtual clock: what ``flagger-py simulate`` and the engine
tests run on. Public: use them to test your own Canaries and plugins without a cluster.

Each adapter records what happened to it, so a test (or the simulator's timeline) can show it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from flagger_py.domain import verdicts
from flagger_py.domain.actions import EventType, Severity
from flagger_py.domain.alert_details import Details
from flagger_py.domain.effective import DEFAULT_PROGRESS_DEADLINE_SECONDS
from flagger_py.domain.observations import Availability, HookKind, HookOutcome, Instant, Readiness
from flagger_py.domain.verdicts import Check
from flagger_py.domain.weights import ALL_PRIMARY, Routes
from flagger_py.errors import PluginNotFound, Problem, TargetNotFound
from flagger_py.model.canary import Canary, CanaryStatus
from flagger_py.ports import Deps, Revision
from flagger_py.ports.adapters import Adapters

EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@dataclass
class VirtualClock:
    """Seconds since the start of a simulation; advanced by hand."""

    seconds: float = 0.0
    counter: int = 0

    def seq(self) -> int:
        """A number that orders records made at the same virtual time."""
        self.counter += 1
        return self.counter

    def now(self) -> Instant:
        moment = EPOCH + dt.timedelta(seconds=self.seconds)
        return Instant(EPOCH.timestamp() + self.seconds, moment.strftime("%Y-%m-%dT%H:%M:%SZ"))

    def advance(self, seconds: float) -> None:
        self.seconds += seconds


@dataclass
class Record:
    """One thing an adapter did, at a virtual time; ``seq`` orders records of the same time."""

    at: float
    what: str
    detail: str = ""
    seq: int = 0


@dataclass
class MemoryWorkloads:
    """The target and its primary: revisions, scale, readiness delays and progress deadlines."""

    clock: VirtualClock
    target_revision: str = "rev-0"
    configs: dict[str, str] = field(default_factory=dict)
    primary_ready_after: float = 0.0
    canary_ready_after: float = 0.0
    progress_deadline: float = DEFAULT_PROGRESS_DEADLINE_SECONDS
    broken: set[Literal["primary", "canary"]] = field(default_factory=set)
    primary_revision: str | None = None
    canary_scaled: bool = True
    changed_at: dict[str, float] = field(default_factory=dict)
    log: list[Record] = field(default_factory=list)
    missing: bool = False
    released: int = 0

    def new_revision(self, revision: str, configs: dict[str, str] | None = None) -> None:
        """A user pushed a new version of the target."""
        self.target_revision = revision
        if configs is not None:
            self.configs = configs
        self.changed_at["canary"] = self.clock.seconds
        self.log.append(Record(self.clock.seconds, "new revision", revision, self.clock.seq()))

    async def revision(self, canary: Canary) -> Revision:
        return Revision(self.target_revision, dict(self.configs))

    async def readiness(self, canary: Canary, which: Literal["primary", "canary"]) -> Readiness:
        if which == "primary" and self.primary_revision is None:
            return Readiness(False, f"{canary.spec.target_ref.name}-primary does not exist yet")
        waited = self.clock.seconds - self.changed_at.get(which, 0.0)
        if which in self.broken:
            if waited >= self.progress_deadline:
                return Readiness(False, f"{which} exceeded its progress deadline", failed=True)
            return Readiness(False, f"{which}: 0 of 1 updated replicas are available")
        delay = self.primary_ready_after if which == "primary" else self.canary_ready_after
        if waited < delay:
            return Readiness(False, f"waiting for {which} rollout to finish ({waited:.0f}s of {delay:.0f}s)")
        return Readiness(True)

    async def ensure_services(self, canary: Canary, apex: bool = True) -> None:
        return

    async def ensure_primary(self, canary: Canary) -> None:
        if self.primary_revision is None:
            self.primary_revision = self.target_revision
            self.changed_at["primary"] = self.clock.seconds
            self.log.append(
                Record(self.clock.seconds, "primary created", self.target_revision, self.clock.seq())
            )

    async def scale_to_zero(self, canary: Canary) -> None:
        if self.canary_scaled:
            self.canary_scaled = False
            self.log.append(Record(self.clock.seconds, "canary scaled to zero", "", self.clock.seq()))

    async def scale_from_zero(self, canary: Canary) -> None:
        if not self.canary_scaled:
            self.canary_scaled = True
            self.changed_at["canary"] = self.clock.seconds
            self.log.append(Record(self.clock.seconds, "canary scaled up", "", self.clock.seq()))

    async def promote(self, canary: Canary) -> None:
        self.primary_revision = self.target_revision
        self.changed_at["primary"] = self.clock.seconds
        self.log.append(
            Record(self.clock.seconds, "primary promoted", self.target_revision, self.clock.seq())
        )

    async def pause_scaler(self, canary: Canary) -> None:
        return

    async def resume_scaler(self, canary: Canary) -> None:
        return

    async def reconcile_primary_scaler(self, canary: Canary) -> None:
        return

    async def release(self, canary: Canary, primary_replicas: int | None = None) -> None:
        """Give the target back (the Canary is deleted): scaled up again; ``missing`` makes it gone."""
        if self.missing:
            raise TargetNotFound([Problem("spec.targetRef", f"{canary.spec.target_ref.name} not found")])
        self.canary_scaled = True
        self.released += 1
        self.log.append(
            Record(self.clock.seconds, "target released", str(primary_replicas or ""), self.clock.seq())
        )


@dataclass
class MemoryRouter:
    """A router that stores the weights it is given."""

    clock: VirtualClock
    routes: Routes = ALL_PRIMARY
    log: list[Record] = field(default_factory=list)

    problem: str | None = None
    """What ``check`` answers: set it to make the router refuse a Canary."""

    def check(self, canary: Canary) -> str | None:
        return self.problem

    async def reconcile(self, canary: Canary) -> None:
        return

    async def set_routes(self, canary: Canary, routes: Routes) -> None:
        if routes != self.routes:
            self.routes = routes
            mirrored = " (mirrored)" if routes.mirrored else ""
            detail = f"{routes.primary}/{routes.canary}{mirrored}"
            self.log.append(Record(self.clock.seconds, "routes", detail, self.clock.seq()))

    async def get_routes(self, canary: Canary) -> Routes:
        return self.routes

    async def finalize(self, canary: Canary) -> None:
        self.routes = ALL_PRIMARY
        self.log.append(Record(self.clock.seconds, "routes handed back", "", self.clock.seq()))


@dataclass
class MemoryRouters:
    """The installed routers: every name in ``names`` is the one ``MemoryRouter``; any other name is
    not installed (PluginNotFound, as the plugin registry answers)."""

    router: MemoryRouter
    names: frozenset[str] = frozenset({"istio", "kubernetes", "nginx", "gatewayapi:v1"})

    def get(self, name: str) -> MemoryRouter:
        if name not in self.names:
            raise PluginNotFound("router", name, sorted(self.names))
        return self.router


@dataclass
class MemoryFinalizers:
    """Keeps the finalizers last set on the Canary."""

    sets: list[tuple[str, ...]] = field(default_factory=list)

    async def set(self, canary: Canary, finalizers: Sequence[str]) -> None:
        self.sets.append(tuple(finalizers))


MetricSeries = Callable[[str, float], verdicts.Result]
"""(metric name, seconds since start) -> what the provider answers."""


@dataclass
class ScriptedAnalyzer:
    """Metric checks answered by scripted series, judged exactly as in production."""

    clock: VirtualClock
    series: MetricSeries
    log: list[tuple[int, Check]] = field(default_factory=list)

    async def availability(self, canary: Canary) -> Availability:
        return Availability()

    async def run(self, canary: Canary) -> tuple[Check, ...]:
        checks = []
        for metric in canary.spec.analysis.metrics or ():
            check = verdicts.judge(metric, self.series(metric.name, self.clock.seconds), canary)
            checks.append(check)
            self.log.append((self.clock.seq(), check))
            if not check.passed:
                break
        return tuple(checks)


WebhookScript = Callable[[str, float], tuple[bool, str]]
"""(webhook name, seconds since start) -> (success, message)."""


@dataclass
class ScriptedWebhooks:
    """Webhooks answered by a script; called in order per kind, stopping at the first failure."""

    clock: VirtualClock
    script: WebhookScript = field(default=lambda _name, _t: (True, ""))
    log: list[tuple[int, str, str, bool, str]] = field(default_factory=list)

    async def call(self, canary: Canary, kind: HookKind | Literal["post-rollout"], phase: str) -> HookOutcome:
        passed: list[str] = []
        for hook in canary.spec.analysis.webhooks or ():
            if (hook.type or "rollout") != kind:
                continue
            ok, message = self.script(hook.name, self.clock.seconds)
            self.log.append((self.clock.seq(), kind, hook.name, ok, message))
            if not ok and kind != "rollback":
                error = message or "failed"
                muted = bool(hook.mute_alert)
                done = tuple(passed)
                return HookOutcome(False, f"{hook.name}: {error}", muted, hook.name, error, done)
            if ok and kind == "rollback":
                return HookOutcome(True, hook.name, hook=hook.name, passed_hooks=tuple(passed))
            passed.append(hook.name)
        return HookOutcome(kind != "rollback", passed_hooks=tuple(passed))


@dataclass
class RecordingNotifier:
    """Keeps every alert."""

    clock: VirtualClock
    sent: list[tuple[int, Severity, str]] = field(default_factory=list)

    async def notify(self, canary: Canary, severity: Severity, message: str, details: Details) -> None:
        self.sent.append((self.clock.seq(), severity, message))


@dataclass
class RecordingEvents:
    """Keeps every event."""

    clock: VirtualClock
    emitted: list[tuple[int, EventType, str]] = field(default_factory=list)

    async def emit(self, canary: Canary, type: EventType, message: str) -> None:
        self.emitted.append((self.clock.seq(), type, message))


@dataclass
class MemoryStatus:
    """Holds the last status written."""

    status: CanaryStatus | None = None
    writes: int = 0

    async def write(self, canary: Canary, status: CanaryStatus) -> None:
        self.status = status
        self.writes += 1


@dataclass
class MemoryCluster:
    """All in-memory adapters around one virtual clock, and the Deps the engine takes."""

    clock: VirtualClock = field(default_factory=VirtualClock)
    workloads: MemoryWorkloads = field(init=False)
    router: MemoryRouter = field(init=False)
    analyzer: ScriptedAnalyzer = field(init=False)
    webhooks: ScriptedWebhooks = field(init=False)
    notifier: RecordingNotifier = field(init=False)
    events: RecordingEvents = field(init=False)
    status: MemoryStatus = field(default_factory=MemoryStatus)
    finalizers: MemoryFinalizers = field(default_factory=MemoryFinalizers)
    routers: MemoryRouters = field(init=False)

    def __post_init__(self) -> None:
        self.workloads = MemoryWorkloads(self.clock)
        self.router = MemoryRouter(self.clock)
        self.routers = MemoryRouters(self.router)
        self.analyzer = ScriptedAnalyzer(self.clock, lambda _name, _t: verdicts.Value(100.0))
        self.webhooks = ScriptedWebhooks(self.clock)
        self.notifier = RecordingNotifier(self.clock)
        self.events = RecordingEvents(self.clock)

    @property
    def deps(self) -> Deps:
        """The ports of one tick (what ``run_once`` takes)."""
        return self.adapters.deps(self.router)

    @property
    def adapters(self) -> Adapters:
        """Every adapter (what ``engine.reconcile.Engine`` takes)."""
        return Adapters(
            workloads=self.workloads,
            routers=self.routers,
            analyzer=self.analyzer,
            webhooks=self.webhooks,
            alerter=self.notifier,
            events=self.events,
            status=self.status,
            clock=self.clock,
            finalizers=self.finalizers,
        )
