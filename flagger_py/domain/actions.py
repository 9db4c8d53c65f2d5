"""What decide() asks the engine to do, in order. Plain frozen data; the engine maps each to a port."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, dataclass_transform

from flagger_py.domain.weights import Routes

Severity = Literal["info", "warn", "error"]
EventType = Literal["Normal", "Warning"]


@dataclass_transform(frozen_default=True)
class _Order:
    """An action that says nothing but what to do; each subclass is a frozen dataclass of its own."""

    def __init_subclass__(cls) -> None:
        dataclass(frozen=True)(cls)


@dataclass(frozen=True)
class EnsureServices:
    """Create or update the -primary and -canary Services, and the apex one when ``apex`` (only once
    the primary is ready, so that taking over an existing Service never drops its traffic)."""

    apex: bool = True


class EnsurePrimary(_Order):
    """Create the -primary workload from the target if it does not exist yet."""


class ReconcileRoutes(_Order):
    """Create or take over the router's objects, without touching the current weights."""


@dataclass(frozen=True)
class SetRoutes:
    """Send traffic as ``routes`` says."""

    routes: Routes


class ScaleToZero(_Order):
    """Scale the target (the canary) to zero."""


class ScaleFromZero(_Order):
    """Scale the target (the canary) up for a run."""


class PauseScaler(_Order):
    """Pause the target's autoscaler (KEDA); HPA needs nothing."""


class ResumeScaler(_Order):
    """Resume the target's autoscaler."""


class ReconcilePrimaryScaler(_Order):
    """Create or update the primary's autoscaler from the target's."""


class Promote(_Order):
    """Copy the target's spec (and its ConfigMaps and Secrets, renamed -primary) to the primary."""


@dataclass(frozen=True)
class CallWebhooks:
    """Call the webhooks of ``kind`` whose outcome does not gate anything (post-rollout)."""

    kind: Literal["post-rollout"]
    phase: str


@dataclass(frozen=True)
class EmitEvent:
    """A Kubernetes Event on the Canary (reason Synced), also sent to the event webhooks."""

    type: EventType
    message: str


@dataclass(frozen=True)
class Notify:
    """An alert to the canary's alert providers (or the global notifier)."""

    severity: Severity
    message: str
    details: tuple[tuple[str, str], ...] = ()
    """Flagger's fields of a new-revision alert (``domain.alert_details``)."""


@dataclass(frozen=True)
class RecordRelease:
    """A release ended: counted in the success / failure metrics and the release duration histogram."""

    outcome: Literal["promoted", "rolled back", "skipped"]


Action = (
    EnsureServices
    | EnsurePrimary
    | ReconcileRoutes
    | SetRoutes
    | ScaleToZero
    | ScaleFromZero
    | PauseScaler
    | ResumeScaler
    | ReconcilePrimaryScaler
    | Promote
    | CallWebhooks
    | EmitEvent
    | Notify
    | RecordRelease
)
