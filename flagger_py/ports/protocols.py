"""Protocols of the engine's collaborators, one per concern.

The plugin protocols (``Router``, ``MetricProvider``, ``Notifier``) and their value types are
``flagger_py.spi``'s; ``Deps`` holds the router of a tick by that protocol.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

from flagger_py.domain.actions import EventType, Severity
from flagger_py.domain.alert_details import Details
from flagger_py.domain.observations import Availability, HookKind, HookOutcome, Instant, Readiness
from flagger_py.domain.verdicts import Check
from flagger_py.model.canary import Canary, CanaryStatus
from flagger_py.spi.routers import Router

__all__ = [
    "Alerter",
    "Analyzer",
    "Clock",
    "Deps",
    "Events",
    "Revision",
    "Router",
    "StatusStore",
    "WebhookCaller",
    "Workloads",
]


@dataclass(frozen=True)
class Revision:
    """What identifies the target's current version: the pod-template hash and config checksums."""

    hash: str
    configs: Mapping[str, str]


class Workloads(Protocol):
    """The target, its -primary copy, their Services and autoscalers."""

    async def revision(self, canary: Canary) -> Revision: ...
    async def readiness(self, canary: Canary, which: Literal["primary", "canary"]) -> Readiness: ...
    async def ensure_services(self, canary: Canary, apex: bool = True) -> None: ...
    async def ensure_primary(self, canary: Canary) -> None: ...
    async def scale_to_zero(self, canary: Canary) -> None: ...
    async def scale_from_zero(self, canary: Canary) -> None: ...
    async def promote(self, canary: Canary) -> None: ...
    async def pause_scaler(self, canary: Canary) -> None: ...
    async def resume_scaler(self, canary: Canary) -> None: ...
    async def reconcile_primary_scaler(self, canary: Canary) -> None: ...
    async def release(self, canary: Canary, primary_replicas: int | None = None) -> None: ...


class Analyzer(Protocol):
    """Runs the canary's metric checks, in order, up to and including the first failing one.

    ``availability`` asks each provider the checks use whether it answers (Flagger's IsOnline), at
    initialization: why the first one does not, or an empty problem.
    """

    async def run(self, canary: Canary) -> tuple[Check, ...]: ...
    async def availability(self, canary: Canary) -> Availability: ...


class WebhookCaller(Protocol):
    """Calls the canary's webhooks of one kind, in order, until the first failure."""

    async def call(
        self, canary: Canary, kind: HookKind | Literal["post-rollout"], phase: str
    ) -> HookOutcome: ...


class Alerter(Protocol):
    """Sends the engine's alerts to the canary's alert providers (``flagger_py.alerting`` routes them
    to notifier plugins, ``flagger_py.spi.Notifier``)."""

    async def notify(self, canary: Canary, severity: Severity, message: str, details: Details) -> None: ...


class Events(Protocol):
    """Records Kubernetes Events on the canary (and forwards them to event webhooks)."""

    async def emit(self, canary: Canary, type: EventType, message: str) -> None: ...


class StatusStore(Protocol):
    """Writes the canary's status (through the status subresource, in a cluster)."""

    async def write(self, canary: Canary, status: CanaryStatus) -> None: ...


class Clock(Protocol):
    """The time; virtual in the simulator."""

    def now(self) -> Instant: ...


@dataclass(frozen=True)
class Deps:
    """Everything a tick needs."""

    workloads: Workloads
    router: Router
    analyzer: Analyzer
    webhooks: WebhookCaller
    alerter: Alerter
    events: Events
    status: StatusStore
    clock: Clock
