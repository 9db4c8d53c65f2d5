"""Rocket.Chat: an incoming webhook taking Slack-formatted messages."""

from __future__ import annotations

import httpx

from flagger_py.ports.alerts import Alert, ChatSettings

from . import http
from .slack import slack_payload


class RocketNotifier:
    """Posts to Rocket.Chat; blue for info and warn, red for error."""

    kind = "Rocket.Chat"

    def __init__(self, client: httpx.AsyncClient, settings: ChatSettings) -> None:
        self.client = client
        self.url = http.checked_url(self.kind, settings.address)
        self.channel = http.required(self.kind, "channel", settings.channel)
        self.username = http.required(self.kind, "username", settings.username)

    async def post(self, alert: Alert) -> None:
        color = "#FF0000" if alert.severity == "error" else "#0076D7"
        await http.post(
            self.client, self.kind, self.url, slack_payload(alert, self.channel, self.username, color)
        )
