"""The analyzer: which provider measures which metric, in Flagger's order; templates and secrets read
from the template's namespace only; providers built once; a backend outage
logged once; every check recorded. Keptn against in-memory cluster objects."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from flagger_py.analysis.analyzer import MetricAnalyzer
from flagger_py.domain.verdicts import Check
from flagger_py.errors import NoDataError, ProviderConfigError, ProviderUnavailable
from flagger_py.model.canary import Canary, Metric
from flagger_py.model.metric_template import MetricProviderSpec, MetricTemplate
from flagger_py.operator.telemetry import Telemetry
from flagger_py.plugins import Registry, registry
from flagger_py.ports.metrics import MetricContext
from flagger_py.queries import builtin, template
from flagger_py.testing.objects import MemoryObjects


@dataclass
class Lookup:
    templates: dict[tuple[str, str], MetricTemplate] = field(default_factory=dict)
    secrets: dict[tuple[str, str], Mapping[str, str]] = field(default_factory=dict)
    secret_reads: list[tuple[str, str]] = field(default_factory=list)

    async def metric_template(self, namespace: str, name: str) -> MetricTemplate | None:
        return self.templates.get((namespace, name))

    async def secret(self, namespace: str, name: str) -> Mapping[str, str] | None:
        self.secret_reads.append((namespace, name))
        return self.secrets.get((namespace, name))

    def add(self, namespace: str, name: str, type: str, query: str, secret: str | None = None) -> None:
        provider: dict[str, Any] = {"type": type, "address": f"http://{type}.example"}
        if secret:
            provider["secretRef"] = {"name": secret}
        self.templates[(namespace, name)] = MetricTemplate.model_validate(
            {
                "metadata": {"name": name, "namespace": namespace},
                "spec": {"provider": provider, "query": query},
            }
        )


@dataclass
class Fake:
    """A provider answering from a table of query -> value or error; counts constructions."""

    answers: dict[str, float | Exception]
    queries: list[tuple[str, float]] = field(default_factory=list)

    async def run_query(self, query: str, window_seconds: float) -> float:
        self.queries.append((query, window_seconds))
        answer = self.answers[query]
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def is_online(self) -> bool:
        return True


@dataclass
class Factory:
    fake: Fake
    built: list[tuple[MetricProviderSpec, Mapping[str, str]]] = field(default_factory=list)

    def configured(
        self, _context: MetricContext, spec: MetricProviderSpec, secret: Mapping[str, str]
    ) -> Fake:
        self.built.append((spec, dict(secret)))
        return self.fake


def analyzer(lookup: Lookup, fake: Fake, **options: Any) -> tuple[MetricAnalyzer, Factory]:
    factory = Factory(fake)
    plugins = Registry("metric provider", "test", entries=list)
    for name in ("prometheus", "datadog"):
        plugins._loaded[name] = factory
    client = httpx.AsyncClient()
    return MetricAnalyzer(
        lookup, MetricContext(client, client), "http://prom:9090", providers=plugins, **options
    ), factory


def canary(*metrics: dict[str, Any], namespace: str = "test") -> Canary:
    return Canary.model_validate(
        {
            "metadata": {"name": "podinfo", "namespace": namespace},
            "spec": {
                "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
                "provider": "istio",
                "analysis": {"interval": "1m", "threshold": 5, "stepWeight": 10, "metrics": list(metrics)},
            },
        }
    )


LATENCY = {"name": "latency", "templateRef": {"name": "latency"}, "thresholdRange": {"max": 500}}
SUCCESS = {"name": "request-success-rate", "interval": "1m", "thresholdRange": {"min": 99}}


async def test_builtin_first_then_templates_and_first_failure_stops() -> None:
    lookup = Lookup()
    lookup.add("test", "latency", "datadog", "avg:latency{app:{{ target }}}")
    fake = Fake({"avg:latency{app:podinfo}": 750.0})
    run, _ = analyzer(lookup, fake)
    istio = run  # the success-rate query is Istio's built-in one, rendered
    fake.answers[_builtin_query(istio, SUCCESS)] = 98.0
    checks = await run.run(canary(LATENCY, SUCCESS))
    assert [c.metric for c in checks] == ["request-success-rate"]  # built-in first; it fails; latency not run
    assert not checks[0].passed
    fake.answers[_builtin_query(istio, SUCCESS)] = 99.5
    checks = await run.run(canary(LATENCY, SUCCESS))
    assert [(c.metric, c.passed) for c in checks] == [("request-success-rate", True), ("latency", False)]
    assert fake.queries[-1] == ("avg:latency{app:podinfo}", 60.0)  # template metrics default to 1m


def _builtin_query(run: MetricAnalyzer, metric: dict[str, Any]) -> str:
    m = Metric.model_validate(metric)
    return template.render(builtin.OBSERVERS["istio"].success_rate, template.Variables.of(canary(), m))


async def test_secret_is_read_from_the_template_namespace_only() -> None:
    lookup = Lookup()
    lookup.add("shared", "latency", "datadog", "q", secret="dd")
    lookup.secrets[("shared", "dd")] = {"datadog_api_key": "a", "datadog_application_key": "b"}
    lookup.secrets[("test", "dd")] = {"datadog_api_key": "WRONG", "datadog_application_key": "WRONG"}
    run, factory = analyzer(lookup, Fake({"q": 100.0}))
    ref = {**LATENCY, "templateRef": {"name": "latency", "namespace": "shared"}}
    (check,) = await run.run(canary(ref))
    assert check.passed
    assert lookup.secret_reads == [("shared", "dd")]
    assert factory.built[0][1]["datadog_api_key"] == "a"


@pytest.mark.parametrize(
    ("lookup_setup", "message"),
    [
        (lambda _lookup: None, "MetricTemplate test/latency not found"),
        (
            lambda lk: lk.add("test", "latency", "datadog", "q", secret="dd"),
            "Secret test/dd of MetricTemplate latency",
        ),
        (
            lambda lk: lk.add("test", "latency", "datadog", "{{ variables.env }}"),
            "templateVariables has no 'env'",
        ),
    ],
)
async def test_unmeasurable_metric_is_a_failed_check_that_says_why(lookup_setup: Any, message: str) -> None:
    lookup = Lookup()
    lookup_setup(lookup)
    run, _ = analyzer(lookup, Fake({"q": 1.0}))
    (check,) = await run.run(canary(LATENCY))
    assert not check.passed
    assert message in check.message


async def test_no_data_names_provider_metric_and_target() -> None:
    lookup = Lookup()
    lookup.add("test", "latency", "datadog", "q")
    run, _ = analyzer(lookup, Fake({"q": NoDataError("empty")}))
    (check,) = await run.run(canary(LATENCY))
    assert check.message == "no values found for datadog metric latency: is podinfo receiving traffic?"


async def test_provider_built_once_per_settings_and_secret() -> None:
    lookup = Lookup()
    lookup.add("test", "latency", "datadog", "q", secret="dd")
    lookup.secrets[("test", "dd")] = {"datadog_api_key": "a", "datadog_application_key": "b"}
    run, factory = analyzer(lookup, Fake({"q": 1.0}))
    for _ in range(3):
        await run.run(canary(LATENCY))
    assert len(factory.built) == 1
    lookup.secrets[("test", "dd")] = {"datadog_api_key": "rotated", "datadog_application_key": "b"}
    await run.run(canary(LATENCY))
    assert len(factory.built) == 2  # a rotated Secret builds a new provider


async def test_outage_logged_once_and_recovery_once(caplog: pytest.LogCaptureFixture) -> None:
    lookup = Lookup()
    lookup.add("test", "latency", "datadog", "q")
    fake = Fake({"q": ProviderUnavailable("datadog at http://datadog.example answered 503")})
    run, _ = analyzer(lookup, fake)
    caplog.set_level(logging.INFO, "flagger_py.queries")
    for _ in range(5):
        assert not (await run.run(canary(LATENCY)))[0].passed
    fake.answers["q"] = 1.0
    for _ in range(3):
        await run.run(canary(LATENCY))
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2
    assert "unavailable" in lines[0]
    assert "answers again" in lines[1]


async def test_every_check_is_recorded() -> None:
    seen: list[Check] = []
    lookup = Lookup()
    lookup.add("test", "latency", "datadog", "q")
    run, _ = analyzer(lookup, Fake({"q": 120.0}), record=lambda _c, check: seen.append(check))
    await run.run(canary(LATENCY))
    assert [(c.metric, c.value) for c in seen] == [("latency", 120.0)]


async def test_gauge_exports_duration_in_seconds() -> None:
    telemetry = Telemetry()
    telemetry.record_check(canary(), Check("request-duration", True, "", 250.0))
    telemetry.record_check(canary(), Check("request-success-rate", True, "", 99.5))
    text = telemetry.render().decode()
    assert (
        'flagger_canary_metric_analysis{metric="request-duration",name="podinfo",namespace="test"} 0.25'
        in text
    )
    assert (
        'flagger_canary_metric_analysis{metric="request-success-rate",name="podinfo",namespace="test"} 99.5'
        in text
    )


KeptnProvider: Any = registry("metric provider").get("keptn")


class Keptn:
    """Plays the Keptn operator: completes Analyses it finds, with the given verdict."""

    def __init__(self, objects: MemoryObjects, verdict: bool | None) -> None:
        self.objects = objects
        self.verdict = verdict
        self.polls = 0

    async def sleep(self, _seconds: float) -> None:
        self.polls += 1
        for key, obj in self.objects.objects.items():
            if key[1] == "Analysis" and self.verdict is not None and self.polls >= 2:
                obj["status"] = {"state": "Completed", "pass": self.verdict}


async def test_keptn_metric_value() -> None:
    objects = MemoryObjects()
    objects.seed([{
        "apiVersion": "metrics.keptn.sh/v1beta1", "kind": "KeptnMetric",
        "metadata": {"name": "podinfo-errors", "namespace": "test"}, "status": {"value": "0.75"},
    }])  # fmt: skip
    provider = KeptnProvider(objects)
    assert await provider.run_query("KeptnMetric/test/podinfo-errors\n", 60) == 0.75
    with pytest.raises(ProviderConfigError, match="not found"):
        await provider.run_query("keptnmetric/test/missing", 60)
    with pytest.raises(ProviderConfigError, match="keptnmetric or analysis"):
        await provider.run_query("metric/test/x", 60)


@pytest.mark.parametrize(("verdict", "value"), [(True, 1.0), (False, 0.0)])
async def test_keptn_analysis_created_polled_and_deleted(verdict: bool, value: float) -> None:
    objects = MemoryObjects()
    keptn = Keptn(objects, verdict)
    provider = KeptnProvider(objects, sleep=keptn.sleep)
    assert await provider.run_query("analysis/test/podinfo-slo/5m/service=podinfo;env=prod", 60) == value
    assert objects.objects == {}  # deleted after reading
    assert keptn.polls == 2


async def test_keptn_analysis_that_never_completes_is_no_data() -> None:
    objects = MemoryObjects()
    keptn = Keptn(objects, None)
    provider = KeptnProvider(objects, sleep=keptn.sleep, timeout=3)
    with pytest.raises(NoDataError, match="did not complete within 3s"):
        await provider.run_query("analysis/test/podinfo-slo", 60)
    assert objects.objects == {}


async def test_keptn_analysis_body() -> None:
    objects = MemoryObjects()
    bodies: list[Any] = []
    original = objects.apply

    async def spy(obj: Any, owner: Any = None) -> Any:
        bodies.append(obj)
        return await original(obj, owner)

    objects.apply = spy  # type: ignore[method-assign]
    keptn = Keptn(objects, True)
    await KeptnProvider(objects, sleep=keptn.sleep).run_query(
        "analysis/test/podinfo-slo/5m/service=podinfo", 60
    )
    (body,) = bodies
    assert body["metadata"]["name"].startswith("podinfo-slo-")
    assert body["spec"] == {
        "analysisDefinition": {"name": "podinfo-slo"},
        "timeframe": {"recent": "5m"},
        "args": {"service": "podinfo"},
    }


@dataclass
class Offline(Fake):
    """A provider that does not answer its liveness query (or fails it with ``error``)."""

    error: Exception | None = None
    asked: int = 0

    async def is_online(self) -> bool:
        self.asked += 1
        if self.error is not None:
            raise self.error
        return False


async def test_availability_asks_each_provider_once_and_skips_inline_queries() -> None:
    lookup = Lookup()
    lookup.add("test", "latency", "datadog", "q")
    fake = Offline({})
    run, _ = analyzer(lookup, fake)
    inline = {"name": "errors", "query": "sum(x)", "thresholdRange": {"max": 1}}
    assert (await run.availability(canary(inline))).problem == ""  # Flagger does not check inline queries
    assert fake.asked == 0
    found = await run.availability(canary(SUCCESS, LATENCY))
    assert found.problem == "prometheus http://prom:9090 is not available"
    assert fake.asked == 1  # the first provider that does not answer is the problem


async def test_availability_names_the_template_that_cannot_be_built_or_reached() -> None:
    lookup = Lookup()
    run, _ = analyzer(lookup, Offline({}, error=ProviderUnavailable("connection refused")))
    missing = await run.availability(canary(LATENCY))
    assert (
        missing.problem
        == "MetricTemplate test/latency not found (spec.analysis.metrics[latency].templateRef)"
    )
    lookup.add("test", "latency", "datadog", "q")
    down = await run.availability(canary(LATENCY))
    assert down.problem == "datadog http://datadog.example is not available: connection refused"


async def test_availability_of_answering_providers_is_no_problem() -> None:
    lookup = Lookup()
    lookup.add("test", "latency", "datadog", "q")
    run, _ = analyzer(lookup, Fake({}))
    assert (await run.availability(canary(SUCCESS, LATENCY))).problem == ""


async def test_the_metrics_server_is_checked_at_start_up_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "flagger_py.analysis")
    run, _ = analyzer(Lookup(), Fake({}))
    assert await run.check_metrics_server()
    assert "Connected to metrics server http://prom:9090" in caplog.text
    down, _ = analyzer(Lookup(), Offline({}, error=ProviderUnavailable("connection refused")))
    assert not await down.check_metrics_server()
    assert "Metrics server http://prom:9090 unreachable: connection refused" in caplog.text


async def test_knative_route_is_the_service_s_latest_created_revision_read_each_check() -> None:
    """Flagger reads the Knative Service for every metric check and fills ``{{ route }}`` with its
    status.latestCreatedRevisionName; without it the check fails, naming the Service."""
    objects = MemoryObjects()
    fake = Fake({})
    plugins = Registry("metric provider", "test", entries=list)
    plugins._loaded["prometheus"] = Factory(fake)
    client = httpx.AsyncClient()
    run = MetricAnalyzer(
        Lookup(), MetricContext(client, client, objects), "http://prom:9090", "istio", providers=plugins
    )
    body = canary(SUCCESS).model_dump(by_alias=True, exclude_none=True)
    body["spec"] |= {
        "provider": "knative",
        "targetRef": {"apiVersion": "serving.knative.dev/v1", "kind": "Service", "name": "podinfo"},
    }
    knative = Canary.model_validate(body)
    (check,) = await run.run(knative)
    assert not check.passed
    assert check.message == (
        "metric request-success-rate could not be queried: "
        "Error fetching Knative service test/podinfo: it has no latest created revision"
    )
    service = {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {"name": "podinfo", "namespace": "test"},
        "status": {"latestCreatedRevisionName": "podinfo-00002"},
    }
    objects.seed([service])
    query = template.render(
        builtin.OBSERVERS["knative"].success_rate,
        template.Variables.of(knative, Metric.model_validate(SUCCESS), "podinfo-00002"),
    )
    fake.answers[query] = 99.9
    (check,) = await run.run(knative)
    assert check.passed, check.message
    assert 'envoy_cluster_name=~"test/podinfo-00002"' in fake.queries[-1][0]


async def test_a_template_naming_a_plugin_that_is_not_installed_fails_its_check() -> None:
    lookup = Lookup()
    lookup.add("test", "latency", "example.com/jsonpoint", "q")
    run, _ = analyzer(lookup, Fake({"q": 1.0}))
    (check,) = await run.run(canary(LATENCY))
    assert not check.passed
    assert check.message.startswith("metric latency could not be queried: unknown metric provider")
    assert "'example.com/jsonpoint'; available: " in check.message
