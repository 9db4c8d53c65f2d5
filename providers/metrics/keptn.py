"""Keptn: the value of a ``KeptnMetric``, or the verdict of a Keptn ``Analysis`` (1 passed, 0 failed).

The query is ``keptnmetric/<namespace>/<name>`` or
``analysis/<namespace>/<analysis-definition>/<timeframe, default 1m>/<key=value;key=value>``
(lower-cased, as Flagger reads it). For an analysis, flagger-py creates an ``Analysis`` object, polls
its status every second for up to 10 s and deletes it. Objects are read and written through the
controller's cluster access (``metrics.keptn.sh/v1beta1``).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from flagger_py.spi import (
    ClusterObjects,
    KubeError,
    MetricContext,
    MetricProviderSpec,
    NoDataError,
    ProviderConfigError,
    ProviderUnavailable,
)

API_VERSION = "metrics.keptn.sh/v1beta1"
FORMAT = "<keptnmetric|analysis>/<namespace>/<name>[/<timeframe>/<key=value;...>]"
POLL_SECONDS = 1.0
ANALYSIS_TIMEOUT_SECONDS = 10.0


@dataclass
class KeptnProvider:
    """Reads KeptnMetrics and runs Keptn Analyses through ``cluster``; ``sleep`` waits between polls."""

    cluster: ClusterObjects
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    timeout: float = ANALYSIS_TIMEOUT_SECONDS
    kind: ClassVar[str] = "keptn"

    @classmethod
    def configured(
        cls, context: MetricContext, spec: MetricProviderSpec, secret: Mapping[str, str]
    ) -> KeptnProvider:
        if context.cluster is None:
            raise ProviderConfigError("keptn reads KeptnMetric and Analysis objects: it needs cluster access")
        return cls(context.cluster)

    async def run_query(self, query: str, window_seconds: float = 0.0) -> float:
        parts = query.strip().lower().split("/")
        if len(parts) < 3 or not all(parts[:3]):
            raise ProviderConfigError(f"keptn query must be {FORMAT}, got {query.strip()!r}")
        kind, namespace, name = parts[:3]
        try:
            if kind in ("keptnmetric", "keptnmetrics"):
                return await self._metric(namespace, name)
            if kind in ("analysis", "analyses"):
                timeframe = parts[3] if len(parts) > 3 and parts[3] else "1m"
                args = dict(
                    pair.split("=", 1)
                    for pair in (parts[4] if len(parts) > 4 else "").split(";")
                    if "=" in pair
                )
                return await self._analysis(namespace, name, timeframe, args)
        except KubeError as exc:
            raise ProviderUnavailable(f"keptn: {exc}") from exc
        raise ProviderConfigError(
            f"keptn query kind must be keptnmetric or analysis, got {kind!r} ({FORMAT})"
        )

    async def is_online(self) -> bool:
        return True  # in-cluster objects: there is nothing to reach beyond the API server

    async def _metric(self, namespace: str, name: str) -> float:
        found = await self.cluster.get(API_VERSION, "KeptnMetric", namespace, name)
        if found is None:
            raise ProviderConfigError(f"KeptnMetric {namespace}/{name} not found")
        value = (found.get("status") or {}).get("value")
        if value in (None, ""):
            raise NoDataError(f"KeptnMetric {namespace}/{name} has no status.value yet")
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ProviderUnavailable(
                f"KeptnMetric {namespace}/{name} status.value is not a number: {value!r}"
            ) from None

    async def _analysis(
        self, namespace: str, definition: str, timeframe: str, args: Mapping[str, str]
    ) -> float:
        name = f"{definition}-{secrets.token_hex(3)}"
        body: dict[str, Any] = {
            "apiVersion": API_VERSION,
            "kind": "Analysis",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {
                "analysisDefinition": {"name": definition},
                "timeframe": {"recent": timeframe},
                "args": dict(args),
            },
        }
        await self.cluster.apply(body)
        try:
            waited = 0.0
            while waited < self.timeout:
                await self.sleep(POLL_SECONDS)
                waited += POLL_SECONDS
                found = await self.cluster.get(API_VERSION, "Analysis", namespace, name) or {}
                status = found.get("status") or {}
                if status.get("state") == "Completed" and isinstance(status.get("pass"), bool):
                    return 1.0 if status["pass"] else 0.0
            raise NoDataError(f"Keptn Analysis {namespace}/{name} did not complete within {self.timeout:g}s")
        finally:
            with contextlib.suppress(KubeError):
                await self.cluster.delete(API_VERSION, "Analysis", namespace, name)
