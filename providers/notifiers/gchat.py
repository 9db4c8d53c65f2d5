"""Google Chat: an incoming webhook taking a card."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flagger_py.spi import Alert
from flagger_py.spi.posting import WebhookNotifier

IMAGE_URL = "https://flagger.app/favicon.png"


class GChatNotifier(WebhookNotifier):
    """Posts a card: the message, then one section per field."""

    kind = "Google Chat"

    def body(self, alert: Alert) -> Mapping[str, Any]:
        sections = [_text(f"<font color=#848484><strong>{alert.message}</strong></font>")]
        sections += [
            _text(f"{name}<br><font color=#848484><strong>{value}</strong></font>")
            for name, value in alert.fields
        ]
        header = {"title": "Flagger", "subtitle": alert.subject, "imageUrl": IMAGE_URL}
        return {"cards": [{"header": header, "sections": sections}]}


def _text(text: str) -> dict[str, Any]:
    return {"widgets": [{"textParagraph": {"text": text}}]}
