"""Google Chat: an incoming webhook taking a card."""

from __future__ import annotations

from typing import Any

import httpx

from flagger_py.ports.alerts import Alert, ChatSettings

from . import http

IMAGE_URL = "https://flagger.app/favicon.png"


class GChatNotifier:
    """Posts a card: the message, then one section per field."""

    kind = "Google Chat"

    def __init__(self, client: httpx.AsyncClient, settings: ChatSettings) -> None:
        self.client = client
        self.url = http.checked_url(self.kind, settings.address)

    async def post(self, alert: Alert) -> None:
        sections: list[dict[str, Any]] = [
            _text(f"<font color=#848484><strong>{alert.message}</strong></font>")
        ]
        sections += [
            _text(f"{name}<br><font color=#848484><strong>{value}</strong></font>")
            for name, value in alert.fields
        ]
        body = {
            "cards": [
                {
                    "header": {"title": "Flagger", "subtitle": alert.subject, "imageUrl": IMAGE_URL},
                    "sections": sections,
                }
            ]
        }
        await http.post(self.client, self.kind, self.url, body)


def _text(text: str) -> dict[str, Any]:
    return {"widgets": [{"textParagraph": {"text": text}}]}
