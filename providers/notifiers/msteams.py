"""Microsoft Teams: an incoming webhook taking a MessageCard."""

from __future__ import annotations

from typing import Any

import httpx

from flagger_py.ports.alerts import Alert, ChatSettings

from . import http


class MSTeamsNotifier:
    """Posts a MessageCard; blue for info and warn, red for error."""

    kind = "MS Teams"

    def __init__(self, client: httpx.AsyncClient, settings: ChatSettings) -> None:
        self.client = client
        self.url = http.checked_url(self.kind, settings.address)

    async def post(self, alert: Alert) -> None:
        body: dict[str, Any] = {
            "@type": "MessageCard",
            "@context": "http://schema.org/extensions",
            "themeColor": "FF0000" if alert.severity == "error" else "0076D7",
            "summary": alert.subject,
            "sections": [
                {
                    "activityTitle": alert.message,
                    "activitySubtitle": alert.subject,
                    "facts": [{"name": name, "value": value} for name, value in alert.fields],
                }
            ],
        }
        await http.post(self.client, self.kind, self.url, body)
