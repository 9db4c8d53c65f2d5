"""The interfaces the engine talks through (typing.Protocols); adapters implement them.

Promises: no implementation here; every method that may do I/O is async so that no adapter can
block the loop (``Router.check`` is pure and synchronous). The engine-side protocols (Workloads,
Analyzer, WebhookCaller, Alerter, Events, StatusStore, Clock, with Deps and Revision) are defined
here; the plugin protocols (Router, RouterContext, ClusterObjects, MetricProvider) are
``flagger_py.spi``'s and re-exported for the engine. The Kubernetes adapter, the in-tree plugins and
the in-memory adapters of ``flagger_py.testing.memory`` implement the same Protocols.
"""

from flagger_py.desired.metadata import FLUX_OPT_OUT
from flagger_py.domain.weights import ALL_PRIMARY, Routes
from flagger_py.ports.protocols import (
    Alerter,
    Analyzer,
    Clock,
    Deps,
    Events,
    Revision,
    StatusStore,
    WebhookCaller,
    Workloads,
)
from flagger_py.spi.metrics import MetricProvider
from flagger_py.spi.routers import ClusterObjects, Router, RouterContext

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
