"""The interfaces the engine talks through (typing.Protocols); adapters implement them.

Promises: no implementation here; every method is async so that no adapter can block the loop.
The Kubernetes adapter, the routers, metric providers and notifiers, and the in-memory adapters of
``flagger_py.testing.memory`` implement the same Protocols.
"""

from flagger_py.domain.weights import ALL_PRIMARY, Routes
from flagger_py.ports.protocols import (
    Analyzer,
    Clock,
    ClusterObjects,
    Deps,
    Events,
    MetricProvider,
    Notifier,
    Revision,
    Router,
    RouterContext,
    StatusStore,
    WebhookCaller,
    Workloads,
)

__all__ = [
    "ALL_PRIMARY",
    "Analyzer",
    "Clock",
    "ClusterObjects",
    "Deps",
    "Events",
    "MetricProvider",
    "Notifier",
    "Revision",
    "Router",
    "RouterContext",
    "Routes",
    "StatusStore",
    "WebhookCaller",
    "Workloads",
]
