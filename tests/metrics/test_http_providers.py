"""Every HTTP metric provider against a local server that checks the exact request the real API
documents (path, query window, headers) and answers with the real API's response shapes: a value,
an empty answer, errors, 429 then success, malformed JSON. Providers are built the way the
controller builds them: through the entry point, from a MetricTemplate provider spec and a Secret."""

from __future__ import annotations

import base64
import builtins
import importlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from flagger_py.errors import NoDataError, ProviderAuthError, ProviderConfigError, ProviderUnavailable
from flagger_py.model.metric_template import MetricProviderSpec
from flagger_py.operator.transport import http_client
from flagger_py.plugins import registry
from flagger_py.queries import template
from flagger_py.spi import MetricContext, MetricProvider
from flagger_py.spi.querying import call
from tests.metrics.backend import Answer, Backend, Request
from tests.webhooks.server import Server

# Provider modules as the controller loads them (installed as flagger_py.providers.metrics.*).
EXTERNAL: Any = importlib.import_module("flagger_py.providers.metrics.externalmetrics")
NOW = 1_700_000_000
WINDOW = 60.0  # the metric's interval: 1m


@dataclass(frozen=True)
class Case:
    """One provider: its MetricTemplate settings, a query, the API's answers and the request it expects."""

    type: str
    path: str
    query: str
    ok: str
    value: float
    empty: str
    check: Callable[[Request], None]
    secret: dict[str, str]
    spec: dict[str, Any]
    content_type: str = "application/json"


def _datadog(req: Request) -> None:
    assert req.method == "GET"
    assert req.headers["dd-api-key"] == "api-123"
    assert req.headers["dd-application-key"] == "app-456"
    assert req.param("query") == "sum:trace.http.request.errors{service:podinfo-canary}.as_count()"
    assert (req.param("from"), req.param("to")) == (str(NOW - 600), str(NOW))  # 10 intervals


def _newrelic(req: Request) -> None:
    assert req.path == "/v1/accounts/1234567/query"
    assert req.headers["x-query-key"] == "nrq-789"
    assert (
        req.param("nrql")
        == "SELECT average(duration) FROM Transaction WHERE appName = 'podinfo' SINCE 60 seconds ago"
    )


def _graphite(req: Request) -> None:
    assert req.query == {
        "target": ["sumSeries(podinfo.canary.errors)"],
        "from": ["-1min"],
        "format": ["json"],
    }
    assert req.headers["authorization"] == "Basic " + base64.b64encode(b"graph:pw").decode()
    assert req.headers["x-org"] == "team-a"


def _influxdb(req: Request) -> None:
    assert req.method == "POST"
    assert req.param("org") == "acme"
    assert req.headers["authorization"] == "Token influx-tok"
    assert req.headers["accept"] == "application/csv"
    body = json.loads(req.body)
    assert body["query"].startswith('from(bucket: "podinfo")')
    assert body["type"] == "flux"
    assert body["dialect"]["annotations"] == ["datatype"]


def _dynatrace(req: Request) -> None:
    assert req.headers["authorization"] == "Api-Token dt0c01.abc"
    assert req.param("metricSelector") == "builtin:service.response.time:avg"
    assert req.param("resolution") == "Inf"
    assert (req.param("from"), req.param("to")) == (str((NOW - 600) * 1000), str(NOW * 1000))


def _splunk(req: Request) -> None:
    assert req.method == "POST"
    assert req.headers["x-sf-token"] == "sf-tok"
    assert req.headers["content-type"] == "text/plain"
    assert req.body == b"data('requests.errors', filter=filter('app', 'podinfo')).sum().publish()"
    assert (req.param("start"), req.param("stop")) == (str((NOW - 600) * 1000), str(NOW * 1000))
    assert req.param("immediate") == "true"


def _external(req: Request) -> None:
    assert req.path == "/apis/external.metrics.k8s.io/v1beta1/namespaces/test/queue_depth"
    assert req.param("labelSelector") == "app=podinfo,tier in (web)"
    assert req.headers["authorization"] == "Bearer ext-tok"


def _stackdriver(req: Request) -> None:
    assert req.method == "POST"
    assert req.headers["authorization"] == "Bearer ya29.test-token"
    assert json.loads(req.body) == {"query": "fetch k8s_container | metric 'x' | within 1m"}


def _cloudwatch(req: Request) -> None:
    assert req.method == "POST"
    assert req.headers["x-amz-target"] == "GraniteServiceVersion20100801.GetMetricData"
    assert req.headers["content-type"] == "application/x-amz-json-1.0"
    auth = req.headers["authorization"]
    assert auth.startswith("AWS4-HMAC-SHA256 Credential=AKIDTEST/")
    assert "/eu-west-1/monitoring/aws4_request" in auth
    assert "x-amz-target" in auth.split("SignedHeaders=")[1]
    body = json.loads(req.body)
    assert body["MetricDataQueries"] == [{"Id": "e1", "Expression": "SUM(errors)", "ReturnData": True}]
    assert (body["StartTime"], body["EndTime"], body["MaxDatapoints"]) == (NOW - 600, NOW, 20)


SSE_DATA = """event: control-message
data: {
data:   "event" : "STREAM_START",
data:   "timestampMs" : 1700000000000
data: }

event: metadata
data: {"tsId": "AAAAAH-jqbU", "properties": {"app": "podinfo"}}

event: data
data: {
data:   "data" : [ { "tsId" : "AAAAAH-jqbU", "value" : 3.0 } ],
data:   "logicalTimestampMs" : 1699999940000
data: }

event: data
data: {
data:   "data" : [ { "tsId" : "AAAAAH-jqbU", "value" : 4.5 } ],
data:   "logicalTimestampMs" : 1700000000000
data: }

event: control-message
data: {"event": "END_OF_CHANNEL", "timestampMs": 1700000000000}
"""
SSE_EMPTY = (
    'event: control-message\ndata: {"event": "STREAM_START"}\n\n'
    'event: control-message\ndata: {"event": "END_OF_CHANNEL"}\n'
)
CSV_OK = (
    "#datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,dateTime:RFC3339,double,string,string\r\n"
    ",result,table,_start,_stop,_time,_value,_field,_measurement\r\n"
    ",_result,0,2023-11-14T22:03:20Z,2023-11-14T22:13:20Z,2023-11-14T22:13:20Z,12.5,errors,http\r\n"
    "\r\n"
)
CSV_EMPTY = "\r\n"

CASES = [
    Case(
        "datadog",
        "/api/v1/query",
        "sum:trace.http.request.errors{service:{{ target }}-canary}.as_count()",
        json.dumps(
            {
                "status": "ok",
                "res_type": "time_series",
                "from_date": (NOW - 600) * 1000,
                "to_date": NOW * 1000,
                "series": [
                    {
                        "metric": "trace.http.request.errors",
                        "scope": "service:podinfo-canary",
                        "interval": 60,
                        "pointlist": [[(NOW - 600) * 1000.0, 2.0], [(NOW - 540) * 1000.0, 7.0]],
                        "length": 2,
                    }
                ],
            }
        ),
        2.0,  # the oldest point: the newest bucket is incomplete
        json.dumps({"status": "ok", "res_type": "time_series", "series": []}),
        _datadog,
        {"datadog_api_key": "api-123", "datadog_application_key": "app-456"},
        {},
    ),
    Case(
        "newrelic",
        "/v1/accounts/1234567/query",
        "SELECT average(duration) FROM Transaction WHERE appName = '{{ target }}'",
        json.dumps({"results": [{"average": 0.25}], "metadata": {"eventTypes": ["Transaction"]}}),
        0.25,
        json.dumps({"results": [{"average": None}]}),
        _newrelic,
        {"newrelic_account_id": "1234567", "newrelic_query_key": "nrq-789"},
        {},
    ),
    Case(
        "graphite",
        "/render",
        "target=sumSeries({{ target }}.canary.errors)\n&from=-1min",
        json.dumps(
            [
                {"target": "a", "datapoints": [[1.0, NOW - 120], [None, NOW - 60]]},
                {"target": "b", "datapoints": [[3.5, NOW - 60], [None, NOW]]},
            ]
        ),
        3.5,  # the last non-null point of all series
        json.dumps([{"target": "a", "datapoints": [[None, NOW]]}]),
        _graphite,
        {"username": "graph", "password": "pw"},
        {"headers": {"X-Org": ["team-a"]}},
    ),
    Case(
        "influxdb",
        "/api/v2/query",
        'from(bucket: "{{ target }}") |> range(start: -{{ interval }}) |> sum()',
        CSV_OK,
        12.5,
        CSV_EMPTY,
        _influxdb,
        {"token": "influx-tok", "org": "acme"},
        {},
        "text/csv; charset=utf-8",
    ),
    Case(
        "dynatrace",
        "/api/v2/metrics/query",
        "builtin:service.response.time:avg",
        json.dumps(
            {
                "totalCount": 1,
                "resolution": "Inf",
                "result": [
                    {
                        "metricId": "builtin:service.response.time:avg",
                        "data": [
                            {"dimensions": ["SERVICE-1"], "timestamps": [NOW * 1000], "values": [231.4]}
                        ],
                    }
                ],
            }
        ),
        231.4,
        json.dumps({"totalCount": 0, "result": [{"metricId": "x", "data": []}]}),
        _dynatrace,
        {"dynatrace_token": "dt0c01.abc"},
        {},
    ),
    Case(
        "splunk",
        "/v2/signalflow/execute",
        "data('requests.errors', filter=filter('app', '{{ target }}')).sum().publish()",
        SSE_DATA,
        4.5,
        SSE_EMPTY,
        _splunk,
        {"sf_token_key": "sf-tok"},
        {},
        "text/event-stream",
    ),
    Case(
        "externalmetrics",
        "/apis/external.metrics.k8s.io/v1beta1/namespaces/test/queue_depth",
        "{{ namespace }}/queue_depth?labelSelector=app%3D{{ target }}%2Ctier+in+%28web%29",
        json.dumps(
            {
                "kind": "ExternalMetricValueList",
                "apiVersion": "external.metrics.k8s.io/v1beta1",
                "metadata": {},
                "items": [
                    {
                        "metricName": "queue_depth",
                        "metricLabels": {},
                        "timestamp": "2023-11-14T22:13:20Z",
                        "value": "2500m",
                    }
                ],
            }
        ),
        2.5,
        json.dumps({"kind": "ExternalMetricValueList", "metadata": {}, "items": []}),
        _external,
        {"token": "ext-tok"},
        {},
    ),
    Case(
        "stackdriver",
        "/v3/projects/acme-prod/timeSeries:query",
        "fetch k8s_container | metric 'x' | within {{ interval }}",
        json.dumps(
            {
                "timeSeriesDescriptor": {"pointDescriptors": [{"key": "value.x", "valueType": "DOUBLE"}]},
                "timeSeriesData": [
                    {
                        "labelValues": [{"stringValue": "podinfo"}],
                        "pointData": [
                            {
                                "values": [{"doubleValue": 0.995}],
                                "timeInterval": {"endTime": "2023-11-14T22:13:20Z"},
                            }
                        ],
                    }
                ],
            }
        ),
        0.995,
        json.dumps({"timeSeriesDescriptor": {"pointDescriptors": []}}),
        _stackdriver,
        {
            "project": "acme-prod"
        },  # serviceAccountKey added by the fixture (its token_uri is the local server)
        {},
    ),
    Case(
        "cloudwatch",
        "/",
        '[{"Id": "e1", "Expression": "SUM(errors)", "ReturnData": true}]',
        json.dumps(
            {
                "MetricDataResults": [
                    {
                        "Id": "e1",
                        "Label": "e1",
                        "Timestamps": [NOW, NOW - 60],
                        "Values": [2.5, 3.0],
                        "StatusCode": "Complete",
                    }
                ],
                "Messages": [],
            }
        ),
        2.5,
        json.dumps(
            {"MetricDataResults": [{"Id": "e1", "Timestamps": [], "Values": [], "StatusCode": "Complete"}]}
        ),
        _cloudwatch,
        {},
        {"region": "eu-west-1"},
    ),
]
IDS = [c.type for c in CASES]


@pytest.fixture(scope="module")
def service_account_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """Ambient AWS credentials as a pod with IRSA or env vars has them; no instance metadata calls."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-test")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[Request, int], Answer]], Backend]]:
    started: list[Backend] = []

    def start(answer: Callable[[Request, int], Answer]) -> Backend:
        started.append(Backend(answer))
        return started[-1]

    yield start
    for backend in started:
        backend.stop()


def token_endpoint(answer: Callable[[Request, int], Answer]) -> Callable[[Request, int], Answer]:
    """The OAuth token endpoint of a service-account key, served next to the API."""

    def both(req: Request, attempt: int) -> Answer:
        if req.path == "/token":
            assert b"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer" in req.body
            return 200, json.dumps(
                {"access_token": "ya29.test-token", "expires_in": 3600, "token_type": "Bearer"}
            )
        return answer(req, attempt)

    return both


CLIENTS: dict[str, Callable[..., httpx.AsyncClient]] = {"httpx": httpx.AsyncClient, "aiohttp": http_client}
make = CLIENTS["httpx"]


@pytest.fixture(autouse=True, params=list(CLIENTS))
def transport(request: pytest.FixtureRequest) -> None:
    """Every provider is exercised with httpx's own transport and with the controller's (aiohttp)."""
    global make  # noqa: PLW0603 - build() and the tests below read it
    make = CLIENTS[request.param]


def build(case: Case, url: str, key_pem: str) -> MetricProvider:
    secret = dict(case.secret)
    if case.type == "stackdriver":
        secret["serviceAccountKey"] = json.dumps(
            {
                "type": "service_account",
                "project_id": "acme-prod",
                "private_key_id": "k1",
                "private_key": key_pem,
                "client_email": "flagger@acme-prod.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": f"{url}/token",
            }
        )
    spec = MetricProviderSpec.model_validate(
        {"type": case.type, "address": url, **({"secretRef": {"name": "s"}} if secret else {}), **case.spec}
    )
    client = make()
    context = MetricContext(client, client)
    provider: Any = registry("metric provider").get(case.type).configured(context, spec, secret)
    if hasattr(provider, "now"):
        provider.now = lambda: float(NOW)
    assert callable(provider.run_query)
    assert callable(provider.is_online)
    return provider  # type: ignore[no-any-return]


def rendered(case: Case) -> str:
    values = template.Variables("podinfo", "test", "podinfo", "podinfo", "podinfo", "podinfo", "1m")
    return template.render(case.query, values)


async def run(case: Case, url: str, key: str) -> float:
    return await build(case, url, key).run_query(rendered(case), WINDOW)


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_value_from_the_documented_request(case: Case, serve: Any, service_account_key: str) -> None:
    backend = serve(token_endpoint(lambda _r, _n: (200, case.ok, case.content_type)))
    assert await run(case, backend.url, service_account_key) == pytest.approx(case.value)
    (request,) = backend.only(case.path)
    case.check(request)


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_empty_answer_is_no_data(case: Case, serve: Any, service_account_key: str) -> None:
    backend = serve(token_endpoint(lambda _r, _n: (200, case.empty, case.content_type)))
    with pytest.raises(NoDataError):
        await run(case, backend.url, service_account_key)


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_429_is_retried(case: Case, serve: Any, service_account_key: str) -> None:
    backend = serve(
        token_endpoint(
            lambda _r, n: (
                (429, '{"errors": ["rate limited"]}') if n == 1 else (200, case.ok, case.content_type)
            )
        )
    )
    assert await run(case, backend.url, service_account_key) == pytest.approx(case.value)
    assert len(backend.only(case.path)) == 2


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (401, '{"errors": ["Unauthorized"]}', ProviderAuthError),
        (403, '{"message": "Forbidden"}', ProviderAuthError),
        (400, '{"error": "bad query near column 7"}', ProviderConfigError),
        (503, "upstream connect error", ProviderUnavailable),
    ],
    ids=["401", "403", "400", "503"],
)
@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_errors_map_to_the_errors_tree(
    case: Case, status: int, body: str, error: type[Exception], serve: Any, service_account_key: str
) -> None:
    backend = serve(token_endpoint(lambda _r, _n: (status, body)))
    with pytest.raises(error) as raised:
        await run(case, backend.url, service_account_key)
    assert str(status) in str(raised.value)
    attempts = len(backend.only(case.path))
    assert attempts == (3 if error is ProviderUnavailable else 1)  # only transient failures are retried
    for secret in ("api-123", "nrq-789", "pw", "influx-tok", "dt0c01", "sf-tok", "ext-tok", "ya29"):
        assert secret not in str(raised.value)


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_an_echoed_credential_is_masked(case: Case, serve: Any, service_account_key: str) -> None:
    """A backend that repeats the headers it was sent in its error (some proxies do) never gets a
    credential into the message."""

    def echo(req: Request, _n: int) -> Answer:
        return 400, json.dumps({"error": "rejected: " + " ".join(req.headers.values())})

    backend = serve(token_endpoint(echo))
    with pytest.raises(ProviderConfigError) as raised:
        await run(case, backend.url, service_account_key)
    for secret in ("api-123", "app-456", "nrq-789", "influx-tok", "dt0c01", "sf-tok", "ext-tok", "ya29"):
        assert secret not in str(raised.value)


def test_a_missing_secret_key_names_the_key_and_the_secret() -> None:
    client = httpx.AsyncClient()
    spec = MetricProviderSpec.model_validate({"type": "datadog", "secretRef": {"name": "datadog-keys"}})
    with pytest.raises(ProviderAuthError) as raised:
        registry("metric provider").get("datadog").configured(
            MetricContext(client, client), spec, {"datadog_api_key": "api-123"}
        )
    message = str(raised.value)
    assert "'datadog_application_key'" in message
    assert "'datadog-keys'" in message
    assert "api-123" not in message


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.content_type == "application/json"], ids=lambda c: c.type
)
async def test_malformed_json_is_unavailable(case: Case, serve: Any, service_account_key: str) -> None:
    backend = serve(token_endpoint(lambda _r, _n: (200, "<html>gateway</html>", "text/html")))
    with pytest.raises(ProviderUnavailable, match="not JSON"):
        await run(case, backend.url, service_account_key)


async def test_timeout_is_unavailable_after_retries(serve: Any) -> None:
    def slow(_r: Request, _n: int) -> Answer:
        time.sleep(0.3)
        return 200, "{}"

    backend = serve(slow)
    async with make() as client:
        with pytest.raises(ProviderUnavailable, match=r"did not answer within 0.1s"):
            await call(client, "datadog", "GET", backend.url + "/api/v1/query", timeout=0.1)
    assert len(backend.requests) == 3


@pytest.mark.parametrize(
    ("type", "spec", "secret", "message"),
    [
        ("datadog", {}, {"datadog_api_key": "x"}, "'datadog_application_key'"),
        ("newrelic", {}, {"newrelic_account_id": "1", "newrelic_query_key": ""}, "'newrelic_query_key'"),
        ("dynatrace", {}, {"dynatrace_token": "t"}, "spec.provider.address"),
        ("graphite", {"address": "graphite:8080"}, {}, "absolute http"),
        ("influxdb", {"address": "http://i", "secretRef": {"name": "s"}}, {"token": "t"}, "'org'"),
        ("splunk", {"address": "https://api.eu0.signalfx.com"}, {}, "'sf_token_key'"),
        ("stackdriver", {}, {}, "'project'"),
        ("cloudwatch", {}, {}, "spec.provider.region"),
    ],
)
def test_constructors_validate_and_name_the_fix(
    type: str, spec: dict[str, Any], secret: dict[str, str], message: str
) -> None:
    client = httpx.AsyncClient()
    factory = registry("metric provider").get(type)
    with pytest.raises((ProviderConfigError, ProviderAuthError), match=message):
        factory.configured(
            MetricContext(client, client), MetricProviderSpec.model_validate({"type": type, **spec}), secret
        )


def test_splunk_streams_from_the_stream_host() -> None:
    provider = registry("metric provider").get("splunk")(
        httpx.AsyncClient(), "https://api.us1.signalfx.com", "t"
    )
    assert provider.stream == "https://stream.us1.signalfx.com"


async def test_splunk_refuses_several_series(serve: Any) -> None:
    two = SSE_DATA.replace('"tsId" : "AAAAAH-jqbU", "value" : 4.5', '"tsId" : "BBBB", "value" : 4.5')
    backend = serve(lambda _r, _n: (200, two, "text/event-stream"))
    provider: Any = build(CASES[IDS.index("splunk")], backend.url, "")
    with pytest.raises(ProviderConfigError, match="2 time series"):
        await provider.run_query("data('x').publish()", WINDOW)


@pytest.mark.parametrize(
    ("text", "value"), [("12", 12.0), ("250m", 0.25), ("1k", 1000.0), ("1Ki", 1024.0), ("1.5e3", 1500.0)]
)
def test_external_metric_quantities(text: str, value: float) -> None:
    assert EXTERNAL.quantity(text) == value


@pytest.mark.parametrize(
    ("query", "parsed"),
    [
        ("queue", ("default", "queue", "")),
        ("/queue", ("default", "queue", "")),
        ("apps/queue?labelSelector=a%3Db", ("apps", "queue", "a=b")),
    ],
)
def test_external_metric_queries(query: str, parsed: tuple[str, str, str]) -> None:
    assert EXTERNAL.parse(query) == parsed
    with pytest.raises(ProviderConfigError, match="too many slashes"):
        EXTERNAL.parse("a/b/c")


def test_missing_extra_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    real = builtins.__import__

    def without_botocore(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("botocore"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_botocore)
    monkeypatch.setattr(importlib, "import_module", without_botocore)
    client = httpx.AsyncClient()
    spec = MetricProviderSpec(type="cloudwatch", region="eu-west-1")
    with pytest.raises(ProviderConfigError, match=r"pip install 'flagger-py\[cloudwatch\]'"):
        registry("metric provider").get("cloudwatch").configured(MetricContext(client, client), spec, {})


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_is_online(case: Case, serve: Any, service_account_key: str) -> None:
    def answer(req: Request, _n: int) -> Answer:
        if req.path == "/v2/metric":  # Splunk's online check lists metrics, in JSON
            return 200, '{"count": 1, "results": [{"name": "requests.errors"}]}'
        return 200, case.ok, case.content_type

    up = serve(token_endpoint(answer))
    assert await build(case, up.url, service_account_key).is_online()
    refused = serve(token_endpoint(lambda _r, _n: (401, '{"errors": ["Unauthorized"]}')))
    assert not await build(case, refused.url, service_account_key).is_online()


async def test_tls_is_verified_unless_the_template_skips_it(certificate: tuple[Path, Path]) -> None:
    answer = '{"status": "success", "data": {"resultType": "scalar", "result": [0, "1"]}}'
    server = Server(lambda _p, _n: (200, answer), tls=certificate)
    try:
        context = MetricContext(make(), make(verify=False))
        prometheus = registry("metric provider").get("prometheus")
        strict = prometheus.configured(context, MetricProviderSpec(type="prometheus", address=server.url), {})
        with pytest.raises(ProviderConfigError, match="TLS certificate not trusted"):
            await strict.run_query("vector(1)", WINDOW)
        skip = MetricProviderSpec(type="prometheus", address=server.url, insecure_skip_verify=True)
        assert await prometheus.configured(context, skip, {}).run_query("vector(1)", WINDOW) == 1.0
    finally:
        server.stop()
