"""MetricAnalyzer: built-in metrics and inline queries on the ``-metrics-server`` Prometheus,
``templateRef`` metrics on their MetricTemplate's provider."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from flagger_py.domain import verdicts
from flagger_py.domain.verdicts import Check
from flagger_py.errors import FlaggerError, NoDataError, PluginError
from flagger_py.metrics import builtin, template
from flagger_py.model.canary import Canary, Metric
from flagger_py.model.metric_template import MetricProviderSpec, MetricTemplate
from flagger_py.plugins import Registry, registry
from flagger_py.ports import MetricProvider


class TemplateLookup(Protocol):
    async def metric_template(self, namespace: str, name: str) -> MetricTemplate | None: ...
    async def secret(self, namespace: str, name: str) -> Mapping[str, str] | None: ...


@dataclass
class MetricAnalyzer:
    """Implements ``ports.Analyzer``."""

    lookup: TemplateLookup
    http: httpx.AsyncClient
    metrics_server: str
    mesh_provider: str = "istio"
    providers: Registry = field(default_factory=lambda: registry("metric provider"))

    async def run(self, canary: Canary) -> tuple[Check, ...]:
        checks = []
        for metric in canary.spec.analysis.metrics or ():
            check = verdicts.judge(metric, await self.measure(canary, metric), canary.spec.target_ref.name)
            checks.append(check)
            if not check.passed:
                break
        return tuple(checks)

    async def measure(self, canary: Canary, metric: Metric) -> verdicts.Result:
        values = template.Variables.of(canary, metric)
        window = (metric.interval or template.DEFAULT_INTERVAL).seconds
        try:
            provider, query, kind = await self._source(canary, metric)
            rendered = template.render(query, values)
        except FlaggerError as exc:
            return verdicts.Failure(str(exc))
        try:
            return verdicts.Value(await provider.run_query(rendered, window))
        except NoDataError:
            return verdicts.NoData(kind)
        except FlaggerError as exc:
            return verdicts.Failure(str(exc))

    async def _source(self, canary: Canary, metric: Metric) -> tuple[MetricProvider, str, str]:
        home = canary.metadata.namespace or "default"
        if metric.template_ref is None:
            spec = MetricProviderSpec(type="prometheus", address=self.metrics_server)
            query = metric.query or builtin.observer_for(canary.spec.provider, self.mesh_provider).query(
                metric.name
            )
            return self._provider(spec, {}), query, "prometheus"
        ref = metric.template_ref
        namespace = ref.namespace or home
        found = await self.lookup.metric_template(namespace, ref.name)
        if found is None:
            raise FlaggerError(
                f"MetricTemplate {namespace}/{ref.name} not found (spec.analysis.metrics {metric.name})"
            )
        secret: Mapping[str, str] = {}
        if found.spec.provider.secret_ref is not None:
            name = found.spec.provider.secret_ref.name
            secret = await self.lookup.secret(namespace, name) or {}
            if not secret:
                raise FlaggerError(f"Secret {namespace}/{name} of MetricTemplate {ref.name} not found")
        return self._provider(found.spec.provider, secret), found.spec.query, found.spec.provider.type

    def _provider(self, spec: MetricProviderSpec, secret: Mapping[str, str]) -> MetricProvider:
        factory: Any = self.providers.get(spec.type)
        if not hasattr(factory, "configured"):
            raise PluginError(f"metric provider {spec.type!r} cannot be configured from a MetricTemplate")
        provider: MetricProvider = factory.configured(self.http, spec, secret)
        return provider
