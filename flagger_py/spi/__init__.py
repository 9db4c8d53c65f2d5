"""The plugin SPI: what a router, a metric provider or a notifier plugin implements and is given.

Promises: everything a plugin needs is importable from here (the three protocols, their small value
types, and the errors a plugin may raise); a plugin never imports anything else of flagger-py, and
the contract kits of ``flagger_py.testing`` check a plugin against exactly these names. The SPI sits
below ``flagger_py.ports`` (which re-exports the plugin protocols for the engine) and imports no HTTP
client at run time; the shared plumbing modules ``flagger_py.spi.querying`` (metric providers) and
``flagger_py.spi.posting`` (notifiers) do, and are imported by plugins only.
"""

from flagger_py.desired.metadata import FLUX_OPT_OUT
from flagger_py.domain.actions import Severity
from flagger_py.domain.weights import ALL_CANARY, ALL_PRIMARY, Routes
from flagger_py.errors import (
    KubeError,
    NoDataError,
    ProviderAuthError,
    ProviderConfigError,
    ProviderError,
    ProviderUnavailable,
    RouterError,
)
from flagger_py.model.canary import Canary
from flagger_py.model.metric_template import MetricProviderSpec
from flagger_py.model.strategy import Strategy, unsupported
from flagger_py.spi import knative
from flagger_py.spi.metrics import ApiServer, MetricContext, MetricProvider, MetricProviderFactory
from flagger_py.spi.notifiers import Alert, ChatSettings, Notifier, NotifierFactory
from flagger_py.spi.routers import ClusterObjects, Router, RouterContext

__all__ = [
    "ALL_CANARY",
    "ALL_PRIMARY",
    "FLUX_OPT_OUT",
    "Alert",
    "ApiServer",
    "Canary",
    "ChatSettings",
    "ClusterObjects",
    "KubeError",
    "MetricContext",
    "MetricProvider",
    "MetricProviderFactory",
    "MetricProviderSpec",
    "NoDataError",
    "Notifier",
    "NotifierFactory",
    "ProviderAuthError",
    "ProviderConfigError",
    "ProviderError",
    "ProviderUnavailable",
    "Router",
    "RouterContext",
    "RouterError",
    "Routes",
    "Severity",
    "Strategy",
    "knative",
    "unsupported",
]
