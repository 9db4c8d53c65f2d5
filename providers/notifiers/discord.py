"""Discord: the Slack-compatible endpoint of a Discord webhook (``/slack`` is appended if missing)."""

from __future__ import annotations

import httpx

from flagger_py.ports.alerts import Alert, ChatSettings

from . import http
from .slack import slack_payload


class DiscordNotifier:
    """Posts Slack-formatted messages to Discord."""

    kind = "Discord"

    def __init__(self, client: httpx.AsyncClient, settings: ChatSettings) -> None:
        self.client = client
        url = http.checked_url(self.kind, settings.address).rstrip("/")
        self.url = url if url.endswith("/slack") else f"{url}/slack"
        self.channel = http.required(self.kind, "channel", settings.channel)
        self.username = http.required(self.kind, "username", settings.username)

    async def post(self, alert: Alert) -> None:
        color = "danger" if alert.severity == "error" else "good"
        await http.post(
            self.client, self.kind, self.url, slack_payload(alert, self.channel, self.username, color)
        )
