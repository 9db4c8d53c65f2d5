"""Alert routing: severity filters, AlertProvider + Secret resolution, global notifier fallback,
fields, failures logged once and never raised."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from importlib import metadata
from typing import Any

import httpx
import pytest

from flagger_py.alerting.fields import fields, wanted
from flagger_py.alerting.router import AlertRouter
from flagger_py.domain.alert_details import details
from flagger_py.domain.effective import ControllerDefaults, effective
from flagger_py.model.alert_provider import AlertProvider
from flagger_py.model.canary import Canary
from flagger_py.plugins import registry
from flagger_py.spi import ChatSettings
from tests.webhooks.server import Server

SEVERITIES = ("info", "warn", "error")
SENT = {  # a route's severity -> whether an info, a warn, an error alert is sent to it
    "info": (True, True, True),
    "warn": (False, True, True),
    "error": (False, False, True),
    "": (True, True, True),  # DESIGN.md §6.4: empty means info
    None: (True, True, True),
}


@pytest.mark.parametrize(
    ("route", "severity", "sent"),
    [(route, sev, sent) for route, row in SENT.items() for sev, sent in zip(SEVERITIES, row, strict=True)],
)
def test_severity_filter(route: str | None, severity: str, sent: bool) -> None:
    assert wanted(route, severity) is sent  # type: ignore[arg-type]


def canary(alerts: list[dict[str, Any]] | None = None, **analysis: Any) -> Canary:
    return Canary.model_validate(
        {
            "metadata": {"name": "podinfo", "namespace": "test"},
            "spec": {
                "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
                "analysis": {
                    "interval": "1m",
                    "threshold": 5,
                    "stepWeight": 10,
                    "maxWeight": 50,
                    "alerts": alerts or [],
                    **analysis,
                },
            },
        }
    )


def test_fields() -> None:
    """The cluster name, then the details decide() attached (domain.alert_details)."""
    run = effective(canary(), ControllerDefaults()).settings
    assert fields("prod-eu", ()) == (("Cluster", "prod-eu"),)
    assert fields("", details(run, canary().spec)) == (
        ("Target", "Deployment/podinfo.test"),
        ("Failed checks threshold", "5"),
        ("Progress deadline", "600s"),
        ("Traffic routing", "Weight step: 10 max: 50"),
    )
    steps = Canary.model_validate(
        {**canary().model_dump(by_alias=True, exclude_none=True)}
        | {
            "spec": {
                "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
                "analysis": {"interval": "1m", "threshold": 5, "stepWeights": [5, 20, 60]},
            }
        }
    )
    stepped = details(effective(steps, ControllerDefaults()).settings, steps.spec)
    assert stepped[-1] == ("Traffic routing", "Weight steps: 5,20,60 max: 60")


class Lookup:
    def __init__(
        self, providers: Mapping[str, dict[str, Any]], secrets: Mapping[str, dict[str, str]]
    ) -> None:
        self.providers = {k: AlertProvider.model_validate(v) for k, v in providers.items()}
        self.secrets = secrets

    async def alert_provider(self, namespace: str, name: str) -> AlertProvider | None:
        return self.providers.get(f"{namespace}/{name}")

    async def secret(self, namespace: str, name: str) -> Mapping[str, str] | None:
        return self.secrets.get(f"{namespace}/{name}")


def provider(kind: str, **spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": "x"}, "spec": {"type": kind, **spec}}


async def route(router: AlertRouter, c: Canary, severity: str = "warn") -> None:
    await router.notify(c, severity, "Canary promotion is waiting for approval.", ())  # type: ignore[arg-type]


async def test_routes_by_severity_and_resolves_secrets(serve: Callable[..., Server]) -> None:
    server = serve(lambda _p, _n: (200, "ok"))
    lookup = Lookup(
        {
            "test/slack": provider("slack", address=f"{server.url}/slack", channel="deploys"),
            "flagger/teams": provider("msteams", secretRef={"name": "teams-url"}),
            "test/pager": provider("slack", address=f"{server.url}/pager"),
        },
        {"flagger/teams-url": {"address": f"{server.url}/teams"}},
    )
    c = canary(
        [
            {"name": "chat", "severity": "info", "providerRef": {"name": "slack"}},
            {"name": "ops", "severity": "warn", "providerRef": {"name": "teams", "namespace": "flagger"}},
            {"name": "pager", "severity": "error", "providerRef": {"name": "pager"}},
        ]
    )
    async with httpx.AsyncClient() as client:
        await route(AlertRouter(lookup, lambda _proxy: client, cluster_name="prod"), c, "warn")
    assert sorted(r[0] for r in server.requests) == ["/slack", "/teams"]
    slack = next(body for path, body, _ in server.requests if path == "/slack")
    assert slack["channel"] == "deploys"
    assert slack["attachments"][0]["fields"] == [{"title": "Cluster", "value": "prod", "short": False}]


async def test_secret_token_becomes_a_bearer(serve: Callable[..., Server]) -> None:
    server = serve(lambda _p, _n: (200, "ok"))
    lookup = Lookup(
        {"test/bot": provider("slack", secretRef={"name": "bot"})},
        {"test/bot": {"address": f"{server.url}/api/chat.postMessage", "token": "xoxb-1"}},
    )
    async with httpx.AsyncClient() as client:
        await route(
            AlertRouter(lookup, lambda _p: client), canary([{"name": "a", "providerRef": {"name": "bot"}}])
        )
    assert server.requests[0][2]["Authorization"] == "Bearer xoxb-1"


async def test_global_notifier_only_without_alerts(serve: Callable[..., Server]) -> None:
    server = serve(lambda _p, _n: (200, "ok"))
    async with httpx.AsyncClient() as client:
        slack = registry("notifier").get("slack")(client, ChatSettings(f"{server.url}/global"))
        router = AlertRouter(Lookup({}, {}), lambda _p: client, global_notifier=slack)
        await route(router, canary())
        await route(router, canary([{"name": "a", "providerRef": {"name": "missing"}}]))
    assert [r[0] for r in server.requests] == ["/global"]


async def test_problems_are_logged_once_and_never_raised(
    serve: Callable[..., Server], caplog: pytest.LogCaptureFixture
) -> None:
    state = {"down": True}
    server = serve(lambda _p, _n: (503, "busy") if state["down"] else (200, "ok"))
    lookup = Lookup(
        {
            "test/ok": provider("slack", address=server.url),
            "test/bad": provider("slack", secretRef={"name": "gone"}),
            "other/far": provider("slack", address=server.url),
        },
        {},
    )
    c = canary(
        [
            {"name": "a", "providerRef": {"name": "ok"}},
            {"name": "b", "providerRef": {"name": "bad"}},
            {"name": "c", "providerRef": {"name": "nope"}},
        ]
    )
    caplog.set_level(logging.INFO, logger="flagger_py.alerting.router")
    async with httpx.AsyncClient() as client:
        router = AlertRouter(lookup, lambda _p: client)
        for _ in range(3):
            await route(router, c)
        state["down"] = False
        await route(router, c)
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 4, messages  # three failures once each, one recovery
    assert any("Secret test/gone of AlertProvider bad has no address key" in m for m in messages)
    assert any("AlertProvider test/nope not found" in m for m in messages)
    assert any("recovered" in m for m in messages)


async def test_unknown_provider_type_names_the_installed_ones(caplog: pytest.LogCaptureFixture) -> None:
    lookup = Lookup({"test/x": provider("slack", address="https://hooks.example.com/x")}, {})
    router = AlertRouter(lookup, lambda _p: httpx.AsyncClient())
    router.notifiers = registry("notifier")
    router.notifiers.entries = lambda: []  # no plugin installed at all
    with caplog.at_level(logging.WARNING, logger="flagger_py.alerting.router"):
        await route(router, canary([{"name": "a", "providerRef": {"name": "x"}}]))
    assert "unknown notifier 'slack'; available: none installed" in caplog.text


@pytest.mark.parametrize("status", [401, 404, 503])
async def test_secrets_never_reach_the_logs(
    serve: Callable[..., Server], caplog: pytest.LogCaptureFixture, status: int
) -> None:
    server = serve(lambda _p, _n: (status, "no"))
    secret_path, token = "/services/T000/B000/s3cr3tPath", "xoxb-s3cr3t-token"
    lookup = Lookup(
        {"test/bot": provider("slack", secretRef={"name": "bot"})},
        {"test/bot": {"address": f"{server.url}{secret_path}", "token": token}},
    )
    caplog.set_level(logging.DEBUG, logger="flagger_py")
    async with httpx.AsyncClient() as client:
        await route(
            AlertRouter(lookup, lambda _p: client), canary([{"name": "a", "providerRef": {"name": "bot"}}])
        )
    assert server.requests[0][0] == secret_path
    assert (
        f"alert a of podinfo.test failed: Slack at http://127.0.0.1:{server.url.rsplit(':', 1)[1]}/..."
        in caplog.text
    )
    assert "s3cr3t" not in caplog.text


class Recorded:
    """A ``ports.Events`` that keeps what it is given."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, str]] = []

    async def emit(self, canary: Canary, type: str, message: str) -> None:
        self.events.append((canary.metadata.name, type, message))


class Crashing:
    """A notifier plugin with a bug (installed as gchat for the test)."""

    def __init__(self, client: httpx.AsyncClient, settings: ChatSettings) -> None:
        pass

    async def post(self, alert: Any) -> None:  # noqa: ARG002 - the plugin interface
        raise KeyError("attachments")


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("{url}/hook\n", "trailing whitespace (a newline from `echo` without -n?)"),
        ("http://127.0.0.1:99999/hook", "not a valid URL (Port out of range"),
        ("{url}/ho\x00ok", "control character"),
        ("hooks.example/x", "an absolute http(s) URL is required"),
    ],
)
async def test_one_bad_address_fails_alone_with_an_event_on_the_canary(
    serve: Callable[..., Server], address: str, problem: str
) -> None:
    server = serve(lambda _p, _n: (200, "ok"))
    lookup = Lookup(
        {
            "test/bad": provider("slack", secretRef={"name": "bad"}),
            "test/buggy": provider("gchat", address=f"{server.url}/buggy"),
            "test/good": provider("slack", address=f"{server.url}/good"),
        },
        {"test/bad": {"address": address.format(url=server.url)}},
    )
    c = canary(
        [
            {"name": "bad", "providerRef": {"name": "bad"}},
            {"name": "buggy", "providerRef": {"name": "buggy"}},
            {"name": "good", "providerRef": {"name": "good"}},
        ]
    )
    events = Recorded()
    async with httpx.AsyncClient() as client:
        router = AlertRouter(lookup, lambda _p: client, events=events)
        plugins = router.notifiers = registry("notifier")
        installed = [e for e in metadata.entry_points(group=plugins.group) if e.name != "gchat"]
        crashing = metadata.EntryPoint("gchat", f"{__name__}:Crashing", plugins.group)
        plugins.entries = lambda: [*installed, crashing]
        await route(router, c)
        await route(router, c)
    assert [r[0] for r in server.requests] == ["/good", "/good"]
    assert [(e[1], e[2].split(":")[0]) for e in events.events] == [
        ("Warning", "alert bad of podinfo.test failed"),
        ("Warning", "alert buggy of podinfo.test failed"),
    ], "each failure is reported once"
    bad, buggy = (e[2] for e in events.events)
    assert "key 'address' of Secret test/bad (AlertProvider bad)" in bad
    assert problem in bad
    assert "127.0.0.1" not in bad, "the address (a secret) is not repeated"
    assert "KeyError" in buggy
