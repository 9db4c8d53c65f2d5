"""The plugin SPI: what a router, a metric provider or a notifier plugin implements and is given.

Promises: everything a plugin needs is importable from here (the three protocols, their small value
types, and the errors a plugin may raise); a plugin never imports anything else of flagger-py, and
the contract kits of ``flagger_py.testing`` check a plugin against exactly these names.
"""

from flagger_py.domain.actions import Severity
from flagger_py.domain.weights import ALL_CANARY, ALL_PRIMARY, Routes
from flagger_py.errors import (
    NoDataError,
    ProviderAuthError,
    ProviderConfigError,
    ProviderError,
    ProviderUnavailable,
    RouterError,
)
from flagger_py.model.canary import Canary
from flagger_py.model.strategy import Strategy, unsupported
from flagger_py.ports import FLUX_OPT_OUT, knative
from flagger_py.ports.metrics import ApiServer, MetricContext
from flagger_py.ports.protocols import ClusterObjects, MetricProvider, Router, RouterContext
from flagger_py.spi.notifiers import Alert, ChatSettings, Notifier, NotifierFactory

__all__ = [
    "ALL_CANARY",
    "ALL_PRIMARY",
    "FLUX_OPT_OUT",
    "Alert",
    "ApiServer",
    "Canary",
    "ChatSettings",
    "ClusterObjects",
    "MetricContext",
    "MetricProvider",
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
