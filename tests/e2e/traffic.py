"""Measuring a release from the outside: which weights the proxy really applies, what each backend
really served in each step (from the pods' own counters), and what clients got.

A ``Recorder`` thread polls, a few times a second and for a bounded time, the weights the proxy
reports and the pods' counters. Each time the applied weights change, a step window closes: the
requests the primary's and the canary's pods counted in it are compared with the weights declared.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import httpx

from flagger_py.testing.cluster import Cluster

from .app import PORT, running_pods

TOLERANCE = 5.0  # percentage points
MIN_REQUESTS = 200


@dataclass(frozen=True)
class Window:
    """One step: the canary weight the proxy applied, and what the two sides served meanwhile."""

    weight: int
    phase: str
    started: float
    ended: float
    primary: int
    canary: int
    errors: int  # 5xx counted by the pods

    @property
    def total(self) -> int:
        return self.primary + self.canary

    @property
    def canary_share(self) -> float:
        return 100.0 * self.canary / self.total if self.total else 0.0

    def within(self, tolerance: float = TOLERANCE) -> bool:
        return abs(self.canary_share - self.weight) <= tolerance

    def row(self) -> str:
        return (
            f"{self.phase:12s} weight {self.weight:3d}%: {self.total:5d} requests, "
            f"canary {self.canary_share:5.1f}% ({self.canary}), 5xx {self.errors}, "
            f"{self.ended - self.started:5.1f}s"
        )


def pod_counters(cluster: Cluster, namespace: str, route: str = "/") -> dict[str, Counter[str]]:
    """Requests to ``route`` each running pod counted: {pod name: Counter(code)}."""
    found: dict[str, Counter[str]] = {}
    for pod in running_pods(cluster, namespace):
        try:
            text = httpx.get(f"http://{pod['status']['podIP']}:{PORT}/metrics", timeout=2).text
        except httpx.HTTPError:
            continue
        counts: Counter[str] = Counter()
        for line in text.splitlines():
            if line.startswith("app_requests_total{") and f'route="{route}"' in line:
                code = line.split('code="', 1)[1].split('"', 1)[0]
                counts[code] += int(float(line.rsplit(" ", 1)[1]))
        found[pod["metadata"]["name"]] = counts
    return found


@dataclass
class Recorder:
    """Follows one release. ``weights`` reads the canary weight the proxy applies now (None when it
    cannot tell), ``phase`` the Canary's phase; pods named ``<target>-primary-...`` are the primary,
    other pods of the target the canary. A window closes when either changes. The pods' counters are
    read at every poll and a pod's last reading is kept after it is gone, so that what a replaced pod
    served still counts."""

    cluster: Cluster
    namespace: str
    target: str
    weights: Callable[[], int | None]
    phase: Callable[[], str]
    limit: float = 600.0
    windows: list[Window] = field(default_factory=list)
    stop_event: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    error: BaseException | None = None
    seen: dict[str, Counter[str]] = field(default_factory=dict)

    def start(self) -> Recorder:
        self.thread = threading.Thread(target=self._run, daemon=True, name="recorder")
        self.thread.start()
        return self

    def stop(self) -> list[Window]:
        self.stop_event.set()
        if self.thread is not None:
            self.thread.join(timeout=30)
        if self.error is not None:
            raise self.error
        return self.windows

    def _side(self, pod: str) -> str:
        return "primary" if pod.startswith(f"{self.target}-primary-") else "canary"

    def _run(self) -> None:
        try:
            self._follow()
        except BaseException as exc:  # reported by stop()
            self.error = exc

    def _read(self) -> dict[str, Counter[str]]:
        self.seen.update(pod_counters(self.cluster, self.namespace))
        return {pod: Counter(counts) for pod, counts in self.seen.items()}

    def _follow(self) -> None:
        deadline = time.monotonic() + self.limit
        state: tuple[int, str] | None = None
        since = time.monotonic()
        before: Mapping[str, Counter[str]] = {}
        while not self.stop_event.is_set() and time.monotonic() < deadline:
            weight, phase = self.weights(), self.phase()
            counters = self._read()
            now = time.monotonic()
            if weight is not None and (weight, phase) != state:
                if state is not None:
                    self._close(state, since, now, before, counters)
                state, since, before = (weight, phase), now, counters
            self.stop_event.wait(0.3)
        if state is not None:
            self._close(state, since, time.monotonic(), before, self._read())

    def _close(
        self,
        state: tuple[int, str],
        since: float,
        now: float,
        before: Mapping[str, Counter[str]],
        after: Mapping[str, Counter[str]],
    ) -> None:
        sides: Counter[str] = Counter()
        errors = 0
        for pod, counts in after.items():
            delta = counts - before.get(pod, Counter())
            sides[self._side(pod)] += sum(delta.values())
            errors += sum(n for code, n in delta.items() if code.startswith("5"))
        weight, phase = state
        self.windows.append(Window(weight, phase, since, now, sides["primary"], sides["canary"], errors))


@dataclass
class Clients:
    """The users: requests at a steady ``rate`` per second through the proxy, for at most ``limit``
    seconds and ``max_requests`` requests; what each got is kept as (time, status, version).

    With ``users``, the requests go round robin from that many users, each with a cookie jar of its
    own (``user_of`` says whose each answer was); a user leaves after ``session`` requests and a new
    one, without cookies, takes its place — sessions begin and end during a release, as they do."""

    url: str
    host: str
    rate: float = 40.0
    limit: float = 600.0
    max_requests: int = 30000
    path: str = "/"
    headers: Mapping[str, str] = field(default_factory=dict)
    users: int = 0
    session: int = 40
    answers: list[tuple[float, int, str]] = field(default_factory=list)  # (sent, status, version)
    user_of: list[int] = field(default_factory=list)  # with users: the user of each answer
    stop_event: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def start(self) -> Clients:
        self.thread = threading.Thread(target=self._run, daemon=True, name="clients")
        self.thread.start()
        return self

    def _run(self) -> None:
        deadline = time.monotonic() + self.limit
        period = 1.0 / self.rate
        headers = {"Host": self.host, **self.headers}
        sessions = [httpx.Client(timeout=5) for _ in range(max(1, self.users))]
        ids = list(range(len(sessions)))  # the user each session belongs to now
        served = [0] * len(sessions)
        next_id = len(sessions)
        try:
            next_at = time.monotonic()
            while (
                not self.stop_event.is_set()
                and time.monotonic() < deadline
                and len(self.answers) < self.max_requests
            ):
                slot = len(self.answers) % len(sessions)
                if self.users and served[slot] >= self.session:  # this user leaves, a new one comes
                    sessions[slot].close()
                    sessions[slot], ids[slot], served[slot] = httpx.Client(timeout=5), next_id, 0
                    next_id += 1
                sent = time.monotonic()
                try:
                    response = sessions[slot].get(f"{self.url}{self.path}", headers=headers)
                    answer = (sent, response.status_code, response.headers.get("X-App-Version", ""))
                except httpx.HTTPError as exc:  # no answer at all: as bad as a 5xx for a user
                    answer = (sent, 0, type(exc).__name__)
                self.answers.append(answer)
                self.user_of.append(ids[slot])
                served[slot] += 1
                next_at += period
                self.stop_event.wait(max(0.0, next_at - time.monotonic()))
        finally:
            for session in sessions:
                session.close()

    def stop(self) -> list[tuple[float, int, str]]:
        self.stop_event.set()
        if self.thread is not None:
            self.thread.join(timeout=30)
        return self.answers

    def describe_failures(self, windows: list[Window]) -> str:
        """Each failed answer with the release step it fell in."""
        lines = []
        for t, code, version in self.answers:
            if code >= 500 or code == 0:
                step = next((w for w in windows if w.started <= t <= w.ended), None)
                where = f"{step.phase} at {step.weight}%" if step else "outside the recorded steps"
                lines.append(f"status {code or 'no answer'} ({version or '?'}) sent during {where}")
        return "\n".join(lines)

    def failures(self, since: float = 0.0) -> int:
        """Answers a user would call an error: 5xx or no answer."""
        return sum(1 for t, code, _ in self.answers if t >= since and (code >= 500 or code == 0))


def flips(clients: Clients, start: float, end: float) -> list[int]:
    """The users who got answers from more than one version between ``start`` and ``end``."""
    seen: dict[int, set[str]] = {}
    for (t, code, version), user in zip(clients.answers, clients.user_of, strict=True):
        if start <= t <= end and 0 < code < 500:
            seen.setdefault(user, set()).add(version)
    return sorted(user for user, versions in seen.items() if len(versions) > 1)


def timeline(windows: list[Window], answers: list[tuple[float, int, str]]) -> dict[str, object]:
    """Second by second from the first window: the weight the proxy applied, the phase, the answers
    clients got per version and how many were errors."""
    if not windows:
        return {"seconds": []}
    start = windows[0].started
    seconds: list[dict[str, object]] = []
    for second in range(int(windows[-1].ended - start) + 1):
        at = start + second
        window = next((w for w in windows if w.started <= at < w.ended), windows[-1])
        got = [a for a in answers if at <= a[0] < at + 1]
        versions = Counter(v for _, code, v in got if 0 < code < 500)
        errors = sum(1 for _, code, _ in got if code >= 500 or code == 0)
        seconds.append({"t": second, "weight": window.weight, "phase": window.phase,
                        "versions": dict(versions), "errors": errors})  # fmt: skip
    return {"seconds": seconds}


def measured_steps(windows: list[Window]) -> dict[int, Window]:
    """The analysis step of each weight: the busiest window in phase Progressing (a weight may be seen
    twice, briefly, around a change)."""
    best: dict[int, Window] = {}
    for window in windows:
        if window.phase != "Progressing":
            continue
        if window.weight not in best or window.total > best[window.weight].total:
            best[window.weight] = window
    return best


def assert_steps(windows: list[Window], declared: list[int]) -> dict[int, Window]:
    """Every declared canary weight was applied, served at least MIN_REQUESTS requests, and the
    canary's share of them was within TOLERANCE points of it."""
    steps = measured_steps(windows)
    report = "\n".join(w.row() for w in windows)
    for weight in declared:
        assert weight in steps, f"weight {weight}% never applied by the proxy:\n{report}"
        window = steps[weight]
        assert window.total >= MIN_REQUESTS, f"too few requests at {weight}%:\n{report}"
        assert window.within(), f"canary share off at {weight}%:\n{report}"
    return steps


def counter_value(metrics_text: str, name: str, match: Callable[[str], bool] = lambda _: True) -> float:
    """Sum of a counter's samples in a Prometheus text page whose label part satisfies ``match``."""
    total = 0.0
    for line in metrics_text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            labels = line[len(name) :].rsplit(" ", 1)[0]
            if match(labels):
                total += float(line.rsplit(" ", 1)[1])
    return total
