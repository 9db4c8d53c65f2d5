"""Each chat provider against a local HTTP server that checks the payload the real service takes
(flagger-behavior.md §7.2): Slack attachments and colours, Teams MessageCard, Discord's /slack
suffix, Rocket.Chat colours, Google Chat cards; errors mapped to the errors tree; tokens never shown."""

from __future__ import annotations

from collections.abc import Callable
from importlib import metadata
from typing import Any

import httpx
import pytest

from flagger_py.errors import ProviderAuthError, ProviderConfigError, ProviderUnavailable
from flagger_py.spi import Alert, ChatSettings
from tests.webhooks.server import Server


def plugin(name: str) -> Any:
    """A notifier class, loaded the way the controller loads it: through its entry point."""
    return next(e for e in metadata.entry_points(group="flagger_py.notifiers") if e.name == name).load()


SlackNotifier = plugin("slack")
MSTeamsNotifier = plugin("msteams")
DiscordNotifier = plugin("discord")
RocketNotifier = plugin("rocket")
GChatNotifier = plugin("gchat")

FIELDS = (("Target", "Deployment/podinfo.test"), ("Failed checks threshold", "5"))
ERROR = Alert("podinfo", "test", "Failed checks threshold reached 5", "error", FIELDS)
INFO = Alert("podinfo", "test", "New revision detected, progressing canary analysis.", "info", FIELDS)


async def posted(
    server: Server, make: Callable[[httpx.AsyncClient], Any], alert: Alert
) -> tuple[str, Any, Any]:
    async with httpx.AsyncClient() as client:
        await make(client).post(alert)
    return server.requests[-1]


async def test_slack(serve: Callable[..., Server]) -> None:
    server = serve(lambda _p, _n: (200, "ok"))
    path, body, headers = await posted(
        server,
        lambda c: SlackNotifier(
            c, ChatSettings(f"{server.url}/services/T/B/X", channel="on-call", username="flagger-py")
        ),
        ERROR,
    )
    assert path == "/services/T/B/X"
    assert "Authorization" not in headers
    assert body == {
        "channel": "on-call",
        "username": "flagger-py",
        "icon_url": "",
        "icon_emoji": ":rocket:",
        "attachments": [
            {
                "color": "danger",
                "author_name": "podinfo.test",
                "text": "Failed checks threshold reached 5",
                "mrkdwn_in": ["text"],
                "fields": [
                    {"title": "Target", "value": "Deployment/podinfo.test", "short": False},
                    {"title": "Failed checks threshold", "value": "5", "short": False},
                ],
            }
        ],
    }
    _, info, _ = await posted(server, lambda c: SlackNotifier(c, ChatSettings(server.url)), INFO)
    assert info["attachments"][0]["color"] == "good"
    assert (info["channel"], info["username"]) == ("general", "flagger")


async def test_slack_with_a_bot_token(serve: Callable[..., Server]) -> None:
    server = serve(lambda _p, _n: (200, '{"ok": true}'))
    _, _, headers = await posted(
        server, lambda c: SlackNotifier(c, ChatSettings(server.url, token="xoxb-secret")), INFO
    )
    assert headers["Authorization"] == "Bearer xoxb-secret"


async def test_discord_gets_the_slack_suffix(serve: Callable[..., Server]) -> None:
    server = serve(lambda _p, _n: (204, ""))
    path, body, _ = await posted(
        server, lambda c: DiscordNotifier(c, ChatSettings(f"{server.url}/api/webhooks/1/abc")), ERROR
    )
    assert path == "/api/webhooks/1/abc/slack"
    assert body["attachments"][0]["color"] == "danger"
    path, _, _ = await posted(
        server, lambda c: DiscordNotifier(c, ChatSettings(f"{server.url}/api/webhooks/1/abc/slack")), INFO
    )
    assert path == "/api/webhooks/1/abc/slack"


async def test_rocket_colours(serve: Callable[..., Server]) -> None:
    server = serve(lambda _p, _n: (200, ""))
    _, error, _ = await posted(server, lambda c: RocketNotifier(c, ChatSettings(server.url)), ERROR)
    _, info, _ = await posted(server, lambda c: RocketNotifier(c, ChatSettings(server.url)), INFO)
    assert (error["attachments"][0]["color"], info["attachments"][0]["color"]) == ("#FF0000", "#0076D7")


async def test_msteams_message_card(serve: Callable[..., Server]) -> None:
    server = serve(lambda _p, _n: (200, "1"))
    _, body, _ = await posted(server, lambda c: MSTeamsNotifier(c, ChatSettings(server.url)), ERROR)
    assert body == {
        "@type": "MessageCard",
        "@context": "http://schema.org/extensions",
        "themeColor": "FF0000",
        "summary": "podinfo.test",
        "sections": [
            {
                "activityTitle": "Failed checks threshold reached 5",
                "activitySubtitle": "podinfo.test",
                "facts": [
                    {"name": "Target", "value": "Deployment/podinfo.test"},
                    {"name": "Failed checks threshold", "value": "5"},
                ],
            }
        ],
    }


async def test_google_chat_card(serve: Callable[..., Server]) -> None:
    server = serve(lambda _p, _n: (200, "{}"))
    _, body, _ = await posted(server, lambda c: GChatNotifier(c, ChatSettings(server.url)), INFO)
    card = body["cards"][0]
    assert card["header"] == {
        "title": "Flagger",
        "subtitle": "podinfo.test",
        "imageUrl": "https://flagger.app/favicon.png",
    }
    texts = [s["widgets"][0]["textParagraph"]["text"] for s in card["sections"]]
    assert texts == [
        "<font color=#848484><strong>New revision detected, progressing canary analysis.</strong></font>",
        "Target<br><font color=#848484><strong>Deployment/podinfo.test</strong></font>",
        "Failed checks threshold<br><font color=#848484><strong>5</strong></font>",
    ]


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (500, ProviderUnavailable),
        (429, ProviderUnavailable),
        (403, ProviderAuthError),
        (404, ProviderConfigError),
    ],
)
async def test_failures_map_to_the_errors_tree(
    serve: Callable[..., Server], status: int, error: type[Exception]
) -> None:
    server = serve(lambda _p, _n: (status, "nope"))
    with pytest.raises(error) as info:
        await posted(
            server,
            lambda c: SlackNotifier(c, ChatSettings(f"{server.url}/services/SECRET", token="xoxb-secret")),
            INFO,
        )
    assert "SECRET" not in str(info.value)
    assert "xoxb-secret" not in str(info.value)


async def test_unreachable_endpoint(serve: Callable[..., Server]) -> None:
    server = serve(lambda _p, _n: (200, ""))
    server.stop()
    async with httpx.AsyncClient() as client:
        with pytest.raises(ProviderUnavailable):
            await MSTeamsNotifier(client, ChatSettings(f"{server.url}/webhook/secret")).post(INFO)


def test_constructors_validate_eagerly() -> None:
    client = httpx.AsyncClient()
    with pytest.raises(ProviderConfigError, match="invalid Slack address"):
        SlackNotifier(client, ChatSettings("hooks.slack.com/services/x"))
    with pytest.raises(ProviderConfigError, match="empty Slack channel"):
        SlackNotifier(client, ChatSettings("https://hooks.slack.com/services/x", channel=""))
    with pytest.raises(ProviderConfigError, match=r"empty Rocket\.Chat username"):
        RocketNotifier(client, ChatSettings("https://chat.example.com/hooks/x", username=""))


def test_registered_as_entry_points() -> None:
    found = {e.name: e.value for e in metadata.entry_points(group="flagger_py.notifiers")}
    assert found == {
        "slack": "flagger_py.providers.notifiers.slack:SlackNotifier",
        "msteams": "flagger_py.providers.notifiers.msteams:MSTeamsNotifier",
        "discord": "flagger_py.providers.notifiers.discord:DiscordNotifier",
        "rocket": "flagger_py.providers.notifiers.rocket:RocketNotifier",
        "gchat": "flagger_py.providers.notifiers.gchat:GChatNotifier",
    }
    for entry in metadata.entry_points(group="flagger_py.notifiers"):
        assert callable(entry.load())
