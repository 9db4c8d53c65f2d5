"""Slack: an incoming webhook, or ``chat.postMessage`` with a bot token (``token`` in the secret)."""

from __future__ import annotations

from typing import Any

import httpx

from flagger_py.ports.alerts import Alert, ChatSettings

from . import http

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


class SlackNotifier:
    """Posts to Slack; green for info and warn, red for error."""

    kind = "Slack"

    def __init__(self, client: httpx.AsyncClient, settings: ChatSettings) -> None:
        self.client = client
        self.url = http.checked_url(self.kind, settings.address)
        self.channel = http.required(self.kind, "channel", settings.channel)
        self.username = http.required(self.kind, "username", settings.username)
        self.token = settings.token

    async def post(self, alert: Alert) -> None:
        color = "danger" if alert.severity == "error" else "good"
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else None
        body = slack_payload(alert, self.channel, self.username, color)
        await http.post(self.client, self.kind, self.url, body, headers)
