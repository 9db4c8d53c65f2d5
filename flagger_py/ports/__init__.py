"""The interfaces the engine talks through (typing.Protocols); adapters implement them.

Promises: no implementation here; every method that may do I/O is async so that no adapter can
block the loop (``Router.check`` is pure and synchronous).
The Kubernetes adapter, the routers, metric providers and notifiers, and the in-memory adapters of
``flagger_py.testing.memory`` implement the same Protocols.
"""

from flagger_py.desired.metadata import FLUX_OPT_OUT
from flagger_py.domain.weights import ALL_PRIMARY, Routes
from flagger_py.ports.protocols import (
    Alerter,
    Analyzer,
    Clock,
    ClusterObjects,
    Deps,
    Events,
    MetricProvider,
    Revision,
    Router,
    RouterContext,
    StatusStore,
    WebhookCaller,
    Workloads,
)

__all__ = [
    "ALL_PRIMARY",
    "FLUX_OPT_OUT",
    "Alerter",
    "Analyzer",
    "Clock",
    "ClusterObjects",
    "Deps",
    "Events",
    "MetricProvider",
    "Revision",
    "Router",
    "RouterContext",
    "Routes",
    "StatusStore",
    "WebhookCaller",
    "Workloads",
]
