"""Microsoft Teams: an incoming webhook taking a MessageCard."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flagger_py.spi import Alert
from flagger_py.spi.posting import WebhookNotifier


class MSTeamsNotifier(WebhookNotifier):
    """Posts a MessageCard; blue for info and warn, red for error."""

    kind = "MS Teams"

    def body(self, alert: Alert) -> Mapping[str, Any]:
        return {
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
