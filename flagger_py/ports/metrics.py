"""What metric provider plugins are configured with (kept apart from ``protocols`` so that the
engine, which imports the ports, never imports an HTTP client)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from flagger_py.ports.protocols import ClusterObjects


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
