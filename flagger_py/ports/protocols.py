"""Protocols of the engine's collaborators, one per concern."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from flagger_py.domain.actions import EventType, Severity
from flagger_py.domain.alert_details import Details
from flagger_py.domain.observations import Availability, HookKind, HookOutcome, Instant, Readiness
from flagger_py.domain.verdicts import Check
from flagger_py.domain.weights import Routes
from flagger_py.model.canary import Canary, CanaryStatus


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


class Router(Protocol):
    """A mesh or ingress that splits traffic between primary and canary.

    ``check`` is pure (no I/O): why this router cannot route the canary (a missing field such as
    ``spec.ingressRef``, a strategy it cannot do), naming the field and the fix; None when it can.
    The controller calls it before every tick and moves no traffic while it returns a reason.
    ``reconcile`` creates or corrects the router's objects without changing their weights;
    ``set_routes`` / ``get_routes`` write and read the weights and the mirror flag (``get_routes``
    raises ``RouterError`` while the mesh has not accepted them); ``finalize`` hands the traffic back:
    objects the router took over get their original spec back, objects it created are deleted.
    """

    def check(self, canary: Canary) -> str | None: ...
    async def reconcile(self, canary: Canary) -> None: ...
    async def set_routes(self, canary: Canary, routes: Routes) -> None: ...
    async def get_routes(self, canary: Canary) -> Routes: ...
    async def finalize(self, canary: Canary) -> None: ...


class MetricProvider(Protocol):
    """One metrics backend (Prometheus, Datadog, ...): runs a rendered query over a window.

    Raises from the errors tree: NoDataError for an empty answer, ProviderUnavailable,
    ProviderAuthError or ProviderConfigError otherwise; never a transport exception.
    """

    async def run_query(self, query: str, window_seconds: float) -> float: ...
    async def is_online(self) -> bool: ...


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


class ClusterObjects(Protocol):
    """Generic access to Kubernetes objects for plugins (routers create VirtualServices, HTTPRoutes...).

    ``apply`` is a server-side apply by flagger-py; with ``owner`` the object gets an owner reference
    to that Canary, so it is garbage-collected with it.
    """

    async def get(
        self, api_version: str, kind: str, namespace: str, name: str
    ) -> Mapping[str, Any] | None: ...
    async def apply(self, obj: Mapping[str, Any], owner: Canary | None = None) -> Mapping[str, Any]: ...
    async def delete(self, api_version: str, kind: str, namespace: str, name: str) -> None: ...


@dataclass(frozen=True)
class RouterContext:
    """What a router plugin is constructed with: ``factory(context) -> Router``."""

    cluster: ClusterObjects
    options: Mapping[str, str]
    """Controller settings routers read, by flag name: ``ingress-class``, ``ingress-annotations-prefix``."""
