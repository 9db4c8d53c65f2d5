"""The outbound allow-list: per namespace, the hosts that Canary, MetricTemplate and AlertProvider
authors may make the controller call; refused calls are never made and say how to fix it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from flagger_py.alerting.router import AlertRouter
from flagger_py.allowlist import AllowList
from flagger_py.errors import FlaggerError
from flagger_py.webhooks.caller import HttpWebhookCaller
from tests.notifiers.test_alert_router import Lookup, Recorded, provider
from tests.notifiers.test_alert_router import canary as alerting_canary
from tests.webhooks.server import Server, canary

RULES = """
default: ["*.svc", "*.svc.cluster.local"]
namespaces:
  test: ["127.0.0.1:{port}", "prometheus.monitoring:9090"]
  sandbox: []
"""


@pytest.mark.parametrize(
    ("namespace", "url", "allowed"),
    [
        ("test", "http://127.0.0.1:{port}/gate", True),
        ("test", "http://127.0.0.1:1/gate", False),
        ("test", "http://prometheus.monitoring:9090", True),
        ("test", "http://PROMETHEUS.monitoring:9090/api", True),
        ("test", "http://prometheus.monitoring/api", False),  # port 80
        ("other", "http://loadtester.other.svc/", True),
        ("other", "https://loadtester.other.svc.cluster.local/", True),
        ("other", "http://evil.example/", False),
        ("other", "http://svc/", False),
        ("sandbox", "http://loadtester.sandbox.svc/", False),
    ],
)
def test_hosts_match_per_namespace(namespace: str, url: str, allowed: bool) -> None:
    rules = AllowList.parse(RULES.format(port=8080), "allow.yaml")
    problem = rules.problem(namespace, url.format(port=8080), "webhook gate")
    assert (problem == "") is allowed, problem
    if not allowed:
        assert "--outbound-allow-list allow.yaml" in problem
        assert "ask the cluster's operators" in problem


def test_without_a_list_every_host_is_allowed() -> None:
    assert AllowList.load("").problem("any", "http://anything.example/", "webhook") == ""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("default: nope", "default must be a list of host patterns"),
        ("namespaces: [a]", "namespaces must map a namespace"),
        ("hosts: []", "expected a mapping with the keys default and namespaces"),
        ("default: ['http://x/']", "is not a host pattern"),
        ("default: ['x:99999']", "invalid port"),
        ("default: ['a*b']", "is not a host pattern"),
        ("{", "not YAML"),
    ],
)
def test_a_bad_list_is_refused_with_the_reason(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "allow.yaml"
    path.write_text(text)
    with pytest.raises(FlaggerError, match=message):
        AllowList.load(str(path))


async def test_a_refused_webhook_is_never_called(serve: Callable[..., Server]) -> None:
    server = serve(lambda _p, _n: (200, "ok"))
    port = int(server.url.rsplit(":", 1)[1])
    allow = AllowList.parse(RULES.format(port=port + 1 if port < 65535 else 1), "allow.yaml")
    c = canary({"name": "gate", "type": "pre-rollout", "url": f"{server.url}/gate"})
    async with httpx.AsyncClient() as client:
        outcome = await HttpWebhookCaller(client, allow=allow).call(c, "pre-rollout", "Progressing")
    assert not outcome.passed
    assert "webhook gate (spec.analysis.webhooks) http://127.0.0.1" in outcome.message
    assert "outside the hosts namespace test may call" in outcome.message
    assert server.requests == []


async def test_a_refused_alert_provider_fails_alone(serve: Callable[..., Server]) -> None:
    server = serve(lambda _p, _n: (200, "ok"))
    port = int(server.url.rsplit(":", 1)[1])
    allow = AllowList.parse(RULES.format(port=port), "allow.yaml")
    lookup = Lookup(
        {
            "test/far": provider("slack", address="https://hooks.slack.com/services/T/B/X"),
            "test/near": provider("slack", address=f"{server.url}/near"),
        },
        {},
    )
    c = alerting_canary(
        [{"name": "far", "providerRef": {"name": "far"}}, {"name": "near", "providerRef": {"name": "near"}}]
    )
    events = Recorded()
    async with httpx.AsyncClient() as client:
        router = AlertRouter(lookup, lambda _p: client, allow=allow, events=events)
        await router.notify(c, "warn", "hello", ())
    assert [r[0] for r in server.requests] == ["/near"]
    [(_, kind, message)] = events.events
    assert kind == "Warning"
    assert "spec.address of AlertProvider test/far https://hooks.slack.com/... is outside" in message
