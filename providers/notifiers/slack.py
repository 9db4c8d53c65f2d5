"""Slack: an incoming webhook, or ``chat.postMessage`` with a bot token (``token`` in the secret).

Also the Slack format that Discord's ``/slack`` endpoint and Rocket.Chat take (:class:`SlackFormat`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import httpx

from flagger_py.spi import Alert, ChatSettings
from flagger_py.spi.posting import WebhookNotifier, required

POST_MESSAGE_URL = "https://slack.com/api/chat.postMessage"


def slack_payload(alert: Alert, channel: str, username: str, color: str) -> dict[str, Any]:
    """Flagger's Slack payload (also what Discord's /slack endpoint and Rocket.Chat take)."""
    return {
        "channel": channel,
        "username": username,
        "icon_url": "",
        "icon_emoji": ":rocket:",
        "attachments": [
            {
                "color": color,
                "author_name": alert.subject,
                "text": alert.message,
                "mrkdwn_in": ["text"],
                "fields": [{"title": title, "value": value, "short": False} for title, value in alert.fields],
            }
        ],
    }


class SlackFormat(WebhookNotifier):
    """A service that takes Slack's payload: a channel and a username (both required), and the
    attachment colour for info and warn alerts, then for error alerts."""

    colors: ClassVar[tuple[str, str]]

    def __init__(self, client: httpx.AsyncClient, settings: ChatSettings) -> None:
        super().__init__(client, settings)
        self.channel = required(self.kind, "channel", settings.channel)
        self.username = required(self.kind, "username", settings.username)

    def body(self, alert: Alert) -> Mapping[str, Any]:
        color = self.colors[1] if alert.severity == "error" else self.colors[0]
        return slack_payload(alert, self.channel, self.username, color)


class SlackNotifier(SlackFormat):
    """Posts to Slack; green for info and warn, red for error; a bot token as a Bearer header."""

    kind = "Slack"
    colors = ("good", "danger")

    def __init__(self, client: httpx.AsyncClient, settings: ChatSettings) -> None:
        super().__init__(client, settings)
        self.token = settings.token

    def headers(self) -> Mapping[str, str] | None:
        return {"Authorization": f"Bearer {self.token}"} if self.token else None
