"""What a metric provider plugin implements and is given: the ``MetricProvider`` protocol, the
``MetricProviderFactory`` its entry point registers, and the ``MetricContext`` (with ``ApiServer``)
it is configured with.

A metric provider is built from a MetricTemplate's ``spec.provider`` and the content of its Secret
(``factory.configured(context, spec, secret)``) by ``flagger_py.analysis``, which runs the rendered
queries through it. ``flagger_py.spi.querying`` is the shared plumbing of providers that ask an HTTP
API (address and Secret checks, one request that retries transient failures, errors tree).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from flagger_py.model.metric_template import MetricProviderSpec
from flagger_py.spi.routers import ClusterObjects

if TYPE_CHECKING:
    import httpx


class MetricProvider(Protocol):
    """One metrics backend (Prometheus, Datadog, ...): runs a rendered query over a window.

    Raises from the errors tree: NoDataError for an empty answer, ProviderUnavailable,
    ProviderAuthError or ProviderConfigError otherwise; never a transport exception.
    """

    async def run_query(self, query: str, window_seconds: float) -> float: ...
    async def is_online(self) -> bool: ...


@dataclass(frozen=True)
class ApiServer:
    """The controller's own Kubernetes API server: a client whose ``base_url`` is the server, and the
    current Authorization header (refreshed when it rotates)."""

    http: httpx.AsyncClient
    authorization: Callable[[], Awaitable[str | None]]


@dataclass(frozen=True)
class MetricContext:
    """What a metric provider plugin is configured with: ``factory.configured(context, spec, secret)``.

    ``http`` verifies TLS; ``insecure_http`` is used only when a MetricTemplate sets
    ``insecureSkipVerify: true``. ``cluster`` reads and writes objects (keptn); ``api_server`` is the
    controller's API server (externalmetrics without an address). Either may be None (simulator, tests).
    """

    http: httpx.AsyncClient
    insecure_http: httpx.AsyncClient
    cluster: ClusterObjects | None = None
    api_server: ApiServer | None = None

    def client(self, insecure_skip_verify: bool | None) -> httpx.AsyncClient:
        return self.insecure_http if insecure_skip_verify else self.http


class MetricProviderFactory(Protocol):
    """What the entry point registers, usually the provider class itself (``configured`` a classmethod).

    ``configured`` checks the template's provider settings and the Secret's keys eagerly and raises
    ProviderConfigError or ProviderAuthError naming the field or key that is wrong (never a value);
    it does no I/O. ``secret`` is the Secret's content, empty without ``spec.provider.secretRef``.
    """

    def configured(
        self, context: MetricContext, spec: MetricProviderSpec, secret: Mapping[str, str]
    ) -> MetricProvider: ...
