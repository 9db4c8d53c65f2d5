"""MetricAnalyzer: built-in metrics and inline queries on the ``-metrics-server`` Prometheus (or the
canary's ``spec.metricsServer``), ``templateRef`` metrics on their MetricTemplate's provider."""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from flagger_py import redact
from flagger_py.allowlist import AllowList
from flagger_py.analysis.health import ProviderHealth
from flagger_py.desired import knative
from flagger_py.domain import verdicts
from flagger_py.domain.observations import Availability
from flagger_py.domain.verdicts import Check
from flagger_py.errors import FlaggerError, NoDataError, PluginError, ProviderUnavailable
from flagger_py.model.canary import BUILTIN_METRICS, Canary, Metric
from flagger_py.model.metric_template import MetricProviderSpec, MetricTemplate
from flagger_py.plugins import Registry, registry
from flagger_py.ports import MetricProvider
from flagger_py.ports.metrics import MetricContext
from flagger_py.queries import builtin, template

CACHED_PROVIDERS = 256
log = logging.getLogger("flagger_py.analysis")


class TemplateLookup(Protocol):
    async def metric_template(self, namespace: str, name: str) -> MetricTemplate | None: ...
    async def secret(self, namespace: str, name: str) -> Mapping[str, str] | None: ...


Recorder = Callable[[Canary, Check], None]


@dataclass(frozen=True)
class Source:
    """Where one metric is measured: the provider, the query to render, and names for messages."""

    provider: MetricProvider
    query: str
    kind: str
    backend: str
    encode: Callable[[template.Variables], template.Variables] | None = None
    """The built-in queries' spelling of the names (``builtin.Observer.variables``), if any."""


@dataclass
class MetricAnalyzer:
    """Implements ``ports.Analyzer``.

    Order as Flagger: built-in and inline-query metrics in list order, then ``templateRef`` metrics in
    list order; the first failing check ends the tick. ``record`` sees every check (the
    ``flagger_canary_metric_analysis`` gauge). Providers are built once per template settings and
    Secret content, so credentials and connection pools are reused between intervals.
    """

    lookup: TemplateLookup
    context: MetricContext
    metrics_server: str
    mesh_provider: str = "istio"
    record: Recorder | None = None
    allow: AllowList = field(default_factory=AllowList)
    providers: Registry = field(default_factory=lambda: registry("metric provider"))
    health: ProviderHealth = field(default_factory=ProviderHealth)
    _built: OrderedDict[str, MetricProvider] = field(default_factory=OrderedDict)

    async def run(self, canary: Canary) -> tuple[Check, ...]:
        metrics = canary.spec.analysis.metrics or ()
        ordered = [m for m in metrics if m.template_ref is None] + [m for m in metrics if m.template_ref]
        checks = []
        for metric in ordered:
            check = verdicts.judge(metric, await self.measure(canary, metric), canary)
            if self.record is not None:
                self.record(canary, check)
            checks.append(check)
            if not check.passed:
                break
        return tuple(checks)

    async def availability(self, canary: Canary) -> Availability:
        """Flagger's checkMetricProviderAvailability: the Prometheus of the built-in metrics and the
        provider of every templateRef metric answer (inline queries are not checked, as in Flagger).
        Each provider is asked once; the first that does not answer, or cannot be built, is the problem."""
        asked: set[int] = set()
        for metric in canary.spec.analysis.metrics or ():
            if metric.template_ref is None and metric.name not in BUILTIN_METRICS:
                continue
            try:
                source = await self._source(canary, metric)
            except FlaggerError as exc:
                return self._unavailable(canary, str(exc))
            if id(source.provider) in asked:
                continue
            asked.add(id(source.provider))
            try:
                online = await source.provider.is_online()
            except FlaggerError as exc:
                return self._unavailable(canary, f"{source.backend} is not available: {exc}")
            if not online:
                return self._unavailable(canary, f"{source.backend} is not available")
        log.info("metric providers of %s.%s are available", canary.metadata.name, canary.metadata.namespace)
        return Availability()

    async def check_metrics_server(self) -> bool:
        """Flagger's start-up check of ``-metrics-server``: logged, never fatal (Canaries may not use it)."""
        address = redact.url(self.metrics_server)
        provider = self._provider(MetricProviderSpec(type="prometheus", address=self.metrics_server), {})
        try:
            online = await provider.is_online()
            why = "it does not answer vector(1)"
        except FlaggerError as exc:
            online, why = False, str(exc)
        if online:
            log.info("Connected to metrics server %s", address)
        else:
            log.error("Metrics server %s unreachable: %s", address, why)
        return online

    def _unavailable(self, canary: Canary, problem: str) -> Availability:
        log.warning(
            "checking the metric providers of %s.%s: %s",
            canary.metadata.name,
            canary.metadata.namespace,
            problem,
        )
        return Availability(problem)

    async def measure(self, canary: Canary, metric: Metric) -> verdicts.Result:
        window = (metric.interval or template.DEFAULT_INTERVAL).seconds
        try:
            values = template.Variables.of(canary, metric, await self._knative_revision(canary))
            source = await self._source(canary, metric)
            rendered = template.render(source.query, source.encode(values) if source.encode else values)
        except FlaggerError as exc:
            return verdicts.Failure(str(exc))
        try:
            value = await source.provider.run_query(rendered, window)
        except NoDataError:
            self.health.answered(source.backend)
            return verdicts.NoData(source.kind)
        except ProviderUnavailable as exc:
            self.health.failed(source.backend, str(exc))
            return verdicts.Failure(str(exc))
        except FlaggerError as exc:
            self.health.answered(source.backend)
            return verdicts.Failure(str(exc))
        self.health.answered(source.backend)
        return verdicts.Value(value)

    async def _knative_revision(self, canary: Canary) -> str | None:
        """With provider knative (the canary's, or the controller's), the Knative Service's latest
        created revision, read as Flagger reads it for every metric check."""
        if "knative" not in (canary.spec.provider, self.mesh_provider):
            return None
        ns, name = canary.metadata.namespace or "default", canary.spec.target_ref.name
        found = None
        if self.context.cluster is not None:
            found = await self.context.cluster.get(knative.API, knative.SERVICE, ns, name)
        revision = knative.latest_created(found) if found is not None else None
        if revision is None:
            raise FlaggerError(
                f"Error fetching Knative service {ns}/{name}: it has no latest created revision"
            )
        return revision

    async def _source(self, canary: Canary, metric: Metric) -> Source:
        home = canary.metadata.namespace or "default"
        if metric.template_ref is None:
            address = canary.spec.metrics_server or self.metrics_server
            if canary.spec.metrics_server:  # the Canary author's choice, not the operator's flag
                self._allowed(home, address, "spec.metricsServer")
            spec = MetricProviderSpec(type="prometheus", address=address)
            target = canary.spec.target_ref
            service_target = target.kind == "Service" and not target.api_version.startswith("serving.knative")
            client = self._provider(spec, {})
            backend = f"prometheus {redact.url(address)}"
            if metric.query:
                return Source(client, metric.query, "prometheus", backend)
            name = builtin.metrics_provider(canary.spec.provider, self.mesh_provider, service_target)
            observer = builtin.observer_for(canary.spec.provider, self.mesh_provider, service_target)
            return Source(client, observer.query(metric.name), name, backend, observer.variables)
        ref = metric.template_ref
        namespace = ref.namespace or home
        where = f"spec.analysis.metrics[{metric.name}].templateRef"
        found = await self.lookup.metric_template(namespace, ref.name)
        if found is None:
            raise FlaggerError(f"MetricTemplate {namespace}/{ref.name} not found ({where})")
        provider = found.spec.provider
        if provider.address:
            self._allowed(
                home, provider.address, f"spec.provider.address of MetricTemplate {namespace}/{ref.name}"
            )
        secret: Mapping[str, str] = {}
        if provider.secret_ref is not None:
            name = provider.secret_ref.name
            # The template's own namespace, never the canary's: the template's author owns the credentials.
            secret = await self.lookup.secret(namespace, name) or {}
            if not secret:
                raise FlaggerError(
                    f"Secret {namespace}/{name} of MetricTemplate {ref.name} not found or empty "
                    f"(spec.provider.secretRef)"
                )
        backend = (
            f"{provider.type} {redact.url(provider.address) if provider.address else provider.region or ''}"
        )
        backend = backend.strip()
        return Source(self._provider(provider, secret), found.spec.query, provider.type, backend)

    def _allowed(self, namespace: str, address: str, what: str) -> None:
        problem = self.allow.problem(namespace, address, what)
        if problem:
            raise FlaggerError(problem)

    def _provider(self, spec: MetricProviderSpec, secret: Mapping[str, str]) -> MetricProvider:
        key = _key(spec, secret)
        if key in self._built:
            self._built.move_to_end(key)
            return self._built[key]
        factory: Any = self.providers.get(spec.type)
        if not hasattr(factory, "configured"):
            raise PluginError(f"metric provider {spec.type!r} cannot be configured from a MetricTemplate")
        provider: MetricProvider = factory.configured(self.context, spec, secret)
        self._built[key] = provider
        if len(self._built) > CACHED_PROVIDERS:
            self._built.popitem(last=False)
        return provider


def _key(spec: MetricProviderSpec, secret: Mapping[str, str]) -> str:
    """The provider settings and a digest of the Secret (the Secret's values never become a key)."""
    digest = hashlib.sha256(repr(sorted(secret.items())).encode()).hexdigest()
    return f"{spec.model_dump_json()}#{digest}"
