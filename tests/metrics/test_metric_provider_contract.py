"""Every in-tree metric provider passes MetricProviderContract, and the contract fails a provider that
breaks it. The backends' answers are the real APIs' shapes of ``test_http_providers``."""

from __future__ import annotations

import asyncio
import json
import pkgutil
import time
from collections.abc import Mapping
from importlib import metadata
from typing import Any, ClassVar

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.oauth2.credentials import Credentials

from flagger_py.errors import (
    KubeError,
    NoDataError,
    ProviderAuthError,
    ProviderConfigError,
    ProviderUnavailable,
)
from flagger_py.plugins import registry
from flagger_py.spi import MetricContext, MetricProvider, MetricProviderFactory, MetricProviderSpec
from flagger_py.testing.metric_providers import MetricProviderContract, run
from flagger_py.testing.objects import MemoryObjects
from providers import metrics
from tests.metrics.test_http_providers import CASES

SHAPES = {case.type: case for case in CASES}
ADDRESS = ("address",)
"""``required_fields`` of a provider without a default address."""


def installed(name: str) -> MetricProviderFactory:
    """The class the entry point registers (installed as ``flagger_py.providers.metrics``)."""
    factory: MetricProviderFactory = registry("metric provider").get(name)
    return factory


def shaped(
    entry_point: str,
    query: str,
    base: type[MetricProviderContract] = MetricProviderContract,
    **settings: Any,
) -> type[MetricProviderContract]:
    """The contract test class of ``entry_point``: its answers are the ``test_http_providers`` case
    of that provider, ``settings`` the rest of what the contract asks (``secret``, ``required_fields``...)."""
    shape = SHAPES[entry_point]
    fields: dict[str, Any] = {
        "factory": installed(entry_point),
        "entry_point": entry_point,
        "query": query,
        "answer": shape.ok,
        "value": shape.value,
        "empty": shape.empty,
        "content_type": shape.content_type,
        **settings,
    }
    return type(f"Test{entry_point.title()}", (base,), fields)


class TestPrometheus(MetricProviderContract):
    factory = installed("prometheus")
    entry_point = "prometheus"
    secret: ClassVar[Mapping[str, str]] = {"token": "kit-prometheus-token-51c0"}
    required_keys = ()  # the token is optional: Prometheus is often open inside the cluster
    required_fields = ADDRESS
    provider: ClassVar[Mapping[str, Any]] = {"headers": {"X-Scope-OrgID": ["kit-tenant"]}}
    query = 'sum(rate(http_requests_total{status=~"5.."}[1m]))'
    answer: ClassVar[Any] = {
        "status": "success",
        "data": {"resultType": "vector", "result": [{"metric": {}, "value": [1700000000, "0.25"]}]},
    }
    value = 0.25
    empty: ClassVar[Any] = {"status": "success", "data": {"resultType": "vector", "result": []}}
    online: ClassVar[Any] = {
        "status": "success",
        "data": {"resultType": "scalar", "result": [1700000000, "1"]},
    }


DATADOG = {"datadog_api_key": "kit-datadog-api-key-0f3a", "datadog_application_key": "kit-dd-app-7b21"}
TestDatadog = shaped("datadog", "sum:trace.http.request.errors{service:podinfo}.as_count()", secret=DATADOG)
TestNewRelic = shaped(
    "newrelic",
    "SELECT average(duration) FROM Transaction WHERE appName = 'podinfo'",
    secret={"newrelic_account_id": "7340091", "newrelic_query_key": "kit-newrelic-query-key-c4d8"},
)
TestGraphite = shaped(
    "graphite",
    "target=sumSeries(podinfo.canary.errors)&from=-1min",
    secret={"username": "kit-graphite-user", "password": "kit-graphite-pw-93e1"},
    required_fields=ADDRESS,
)
TestInfluxDB = shaped(
    "influxdb",
    'from(bucket: "podinfo") |> range(start: -1m) |> sum()',
    secret={"token": "kit-influx-token-2a6f", "org": "kit-influx-org"},
    required_fields=ADDRESS,
)
TestDynatrace = shaped(
    "dynatrace",
    "builtin:service.response.time:avg",
    secret={"dynatrace_token": "kit-dynatrace-token-e5b7"},
    required_fields=ADDRESS,
)
TestSplunk = shaped(
    "splunk",
    "data('requests.errors', filter=filter('app', 'podinfo')).sum().publish()",
    secret={"sf_token_key": "kit-splunk-token-18ac"},
    required_fields=ADDRESS,
    online={"count": 1, "results": [{"name": "requests.errors", "type": "COUNTER"}]},
)
# With an address: without one it uses the controller's API server, which the kit's context has not,
# so that the address is required here; the token is optional (an address may need no credentials).
TestExternalMetrics = shaped(
    "externalmetrics",
    "test/queue_depth?labelSelector=app%3Dpodinfo",
    secret={"token": "kit-external-token-6d90"},
    required_keys=(),
    required_fields=ADDRESS,
)


@pytest.fixture(scope="module")
def service_account_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return json.dumps(
        {
            "type": "service_account",
            "project_id": "kit-project",
            "private_key_id": "kit-key-id",
            "private_key": pem,
            "client_email": "flagger@kit-project.iam.gserviceaccount.com",
            "client_id": "1",
            "token_uri": "https://oauth2.example.com/token",
        }
    )


class GoogleToken(MetricProviderContract):
    """Google's token exchange goes through google-auth's own (requests) transport, not the httpx
    client the kit plays the backend with: ``configured`` is run on a real service-account key, and
    the provider then gets an access token already issued, as after its first refresh."""

    token = "kit-google-access-token-3b5e"

    @pytest.fixture(autouse=True)
    def keyed(self, service_account_key: str, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(
            type(self), "secret", {"project": "kit-project-4411", "serviceAccountKey": service_account_key}
        )

    def configured(
        self, context: MetricContext, spec: MetricProviderSpec, secret: Mapping[str, str]
    ) -> MetricProvider:
        provider: Any = super().configured(context, spec, secret)
        provider.credentials = Credentials(token=self.token)  # type: ignore[no-untyped-call]
        return provider  # type: ignore[no-any-return]

    def credentials(self) -> list[str]:
        return [*super().credentials(), self.token]


class AmbientAWS(MetricProviderContract):
    """Credentials are the pod's ambient AWS ones (here the environment's), not a Secret's; the
    kit's answers come back to requests botocore has signed."""

    secret_key = "kit-aws-secret-access-key-8f62"

    @pytest.fixture(autouse=True)
    def aws_environment(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDKIT")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", self.secret_key)
        monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
        monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")

    def credentials(self) -> list[str]:
        return [*super().credentials(), self.secret_key]


# Without serviceAccountKey, stackdriver takes the pod's ambient Google credentials: only project is required.
TestStackdriver = shaped(
    "stackdriver", "fetch k8s_container | metric 'x' | within 1m", GoogleToken, required_keys=("project",)
)
TestCloudWatch = shaped(
    "cloudwatch",
    '[{"Id": "e1", "Expression": "SUM(errors)", "ReturnData": true}]',
    AmbientAWS,
    required_fields=("region",),
    provider={"region": "eu-west-1"},
)


KEPTN = "metrics.keptn.sh/v1beta1"
NO_HTTP = (
    "keptn sends no HTTP request: it reads KeptnMetric and Analysis objects through the controller's "
    "cluster access (MetricContext.cluster), whose failures are KubeError"
)


def keptn_metric(value: str | None) -> dict[str, Any]:
    status = {"value": value} if value is not None else {}
    return {
        "apiVersion": KEPTN,
        "kind": "KeptnMetric",
        "metadata": {"name": "podinfo-errors", "namespace": "test"},
        "status": status,
    }


class BrokenCluster(MemoryObjects):
    """An API server that fails every read."""

    async def get(self, api_version: str, kind: str, namespace: str, name: str) -> Mapping[str, Any] | None:
        raise KubeError(f"get {api_version} {kind} {namespace}/{name}: 503 Service Unavailable")


class TestKeptn(MetricProviderContract):
    """The HTTP checks do not apply (see NO_HTTP); their counterparts run on the cluster objects."""

    factory = installed("keptn")
    entry_point = "keptn"
    uses_address = False
    query = "keptnmetric/test/podinfo-errors"
    answer = empty = ""
    value = 2.5

    def cluster(self) -> MemoryObjects:
        objects = MemoryObjects()
        objects.seed([keptn_metric("2.5")])
        return objects

    def context(self, http: httpx.AsyncClient) -> MetricContext:
        return MetricContext(http, http, cluster=self.cluster())

    def on(self, cluster: MemoryObjects) -> Any:
        async def scenario() -> float:
            async with httpx.AsyncClient() as http:
                provider = self.configured(MetricContext(http, http, cluster=cluster), self.spec(), {})
                value: float = await provider.run_query(self.query, 60.0)
                return value

        return self.outcome(scenario())

    def test_configured_refuses_a_missing_required_field(self) -> None:
        """Its one requirement is the context's cluster access, not a spec field."""
        error = self.refused_without_cluster()
        assert "cluster access" in str(error), error

    def refused_without_cluster(self) -> ProviderConfigError:
        async def scenario() -> None:
            async with httpx.AsyncClient() as http:
                self.configured(MetricContext(http, http), self.spec(), {})

        outcome = self.outcome(scenario())
        assert isinstance(outcome, ProviderConfigError), f"configured gave {outcome!r}"
        return outcome

    def test_a_normal_answer_is_a_float(self) -> None:
        value = self.on(self.cluster())
        assert isinstance(value, float)
        assert value == pytest.approx(self.value)

    def test_an_empty_answer_is_no_data(self) -> None:
        objects = MemoryObjects()
        objects.seed([keptn_metric(None)])
        assert isinstance(self.on(objects), NoDataError)

    def test_a_garbled_answer_is_an_error_of_the_tree(self) -> None:
        objects = MemoryObjects()
        objects.seed([keptn_metric("not-a-number")])
        assert isinstance(self.on(objects), ProviderUnavailable)

    def test_429_and_5xx_are_unavailable(self) -> None:
        """Its counterpart: an API server that fails the read."""
        assert isinstance(self.on(BrokenCluster()), ProviderUnavailable)

    def test_401_and_403_are_auth_errors(self) -> None:
        pytest.skip(NO_HTTP + " (the controller's own credentials: no Secret to refuse)")

    def test_transport_errors_and_timeouts_are_unavailable(self) -> None:
        pytest.skip(NO_HTTP + " (its counterpart is test_429_and_5xx_are_unavailable)")

    def test_no_message_repeats_a_credential_the_backend_echoes(self) -> None:
        pytest.skip(NO_HTTP + " (and it reads no Secret)")

    def test_online_when_the_backend_answers(self) -> None:
        """keptn has no backend of its own: is_online() is True, the API server being the controller's."""
        assert self.on_line() is True

    def test_offline_when_the_backend_does_not_answer(self) -> None:
        pytest.skip("keptn has no backend of its own to be offline: is_online() is always True")

    def on_line(self) -> Any:
        async def scenario() -> bool:
            async with httpx.AsyncClient() as http:
                provider = self.configured(self.context(http), self.spec(), {})
                return await provider.is_online()

        return self.outcome(scenario())


def test_every_in_tree_metric_provider_has_a_contract_test() -> None:
    """Every registered name has a subclass here, and every module of providers/metrics is registered."""
    contracts = [cls for name, cls in globals().items() if name.startswith("Test")]
    assert sorted(cls.entry_point for cls in contracts) == registry("metric provider").names()
    modules = sorted(module.name for module in pkgutil.iter_modules(metrics.__path__))
    group = metadata.entry_points(group="flagger_py.metric_providers")
    assert modules == sorted(entry.module.rpartition(".")[2] for entry in group)


# --- the contract can fail -------------------------------------------------------------------

Dynatrace = installed("dynatrace")
TOKEN = TestDynatrace.secret["dynatrace_token"]


class Wrapped:
    """The Dynatrace provider behind a wrapper; each subclass breaks one promise."""

    def __init__(self, inner: MetricProvider) -> None:
        self.inner = inner

    @classmethod
    def configured(cls, context: MetricContext, spec: MetricProviderSpec, secret: Mapping[str, str]) -> Any:
        return cls(Dynatrace.configured(context, spec, secret))

    async def run_query(self, query: str, window_seconds: float) -> float:
        value: float = await self.inner.run_query(query, window_seconds)
        return value

    async def is_online(self) -> bool:
        return await self.inner.is_online()


class Escaping(Wrapped):
    async def run_query(self, query: str, window_seconds: float) -> float:
        try:
            return await super().run_query(query, window_seconds)
        except ProviderUnavailable as exc:
            raise (exc.__cause__ or exc) from None


class Telling(Wrapped):
    async def run_query(self, query: str, window_seconds: float) -> float:
        try:
            return await super().run_query(query, window_seconds)
        except ProviderAuthError as exc:
            raise ProviderAuthError(f"{exc} (sent Api-Token {TOKEN})") from exc


class Zero(Wrapped):
    async def run_query(self, query: str, window_seconds: float) -> float:
        try:
            return await super().run_query(query, window_seconds)
        except NoDataError:
            return 0.0


class Strict(Wrapped):
    async def run_query(self, query: str, window_seconds: float) -> float:
        try:
            return await super().run_query(query, window_seconds)
        except ProviderUnavailable as exc:
            raise ProviderConfigError(str(exc)) from exc


class Lenient(Wrapped):
    @classmethod
    def configured(cls, context: MetricContext, spec: MetricProviderSpec, secret: Mapping[str, str]) -> Any:
        return super().configured(context, spec, {**TestDynatrace.secret, **secret})


class Repeating(Wrapped):
    @classmethod
    def configured(cls, context: MetricContext, spec: MetricProviderSpec, secret: Mapping[str, str]) -> Any:
        try:
            return super().configured(context, spec, secret)
        except ProviderConfigError as exc:
            raise ProviderConfigError(f"{exc} (spec.provider.address is {spec.address})") from exc


class Optimist(Wrapped):
    async def is_online(self) -> bool:
        return True


def kit(factory: Any) -> MetricProviderContract:
    broken: type[MetricProviderContract] = type("Broken", (TestDynatrace,), {"factory": factory})
    return broken()


def test_the_wrapper_itself_passes_the_contract() -> None:
    wrapped = kit(Wrapped)
    for name in dir(MetricProviderContract):
        if name.startswith("test_") and name != "test_found_through_its_entry_point":
            getattr(wrapped, name)()


BREAKS: dict[type[Wrapped], tuple[str, str]] = {
    Wrapped: ("test_found_through_its_entry_point", "is registered as"),
    Escaping: ("test_transport_errors_and_timeouts_are_unavailable", "ConnectError escaped"),
    Telling: ("test_401_and_403_are_auth_errors", "repeats a credential"),
    Zero: ("test_an_empty_answer_is_no_data", "returned 0.0"),
    Strict: ("test_429_and_5xx_are_unavailable", "429: ProviderConfigError"),
    Lenient: ("test_configured_refuses_a_missing_secret_key", "configured accepted it"),
    Repeating: ("test_configured_refuses_a_bad_address", "repeats a credential"),
    Optimist: ("test_offline_when_the_backend_does_not_answer", "gave True"),
}
"""Each broken provider, the check that must fail it and what its failure says."""


@pytest.mark.parametrize("factory", list(BREAKS), ids=lambda factory: factory.__name__)
def test_the_contract_fails_a_provider_that_breaks_it(factory: type[Wrapped]) -> None:
    check, why = BREAKS[factory]
    with pytest.raises((AssertionError, pytest.fail.Exception)) as info:
        getattr(kit(factory), check)()
    assert why in str(info.value), info.value


def test_the_suite_skips_back_off_waits_and_keeps_the_retries() -> None:
    attempts: list[httpx.Request] = []

    def busy(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        return httpx.Response(503, json={"errors": ["busy"]})

    started = time.monotonic()
    error = kit(Dynatrace).failure(busy)
    assert isinstance(error, ProviderUnavailable)
    assert len(attempts) == 3, "the provider's retries still run"
    assert run(slept()) == "woke"
    assert time.monotonic() - started < 1.0


async def slept() -> str:
    return await asyncio.sleep(5, "woke")
