"""Notifier ``example.com/jsonwebhook``: each alert posted to the AlertProvider's address as one JSON object.

``{"canary": "<name>.<namespace>", "name", "namespace", "severity", "message",
"fields": [{"name", "value"}, ...]}``, with ``Authorization: Bearer <token>`` when the
AlertProvider's Secret has a token.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from flagger_py.spi import Alert, ChatSettings
from flagger_py.spi.posting import WebhookNotifier


class JsonWebhookNotifier(WebhookNotifier):
    """Implements ``flagger_py.spi.Notifier``; the post, its timeout and its errors are WebhookNotifier's."""

    kind = "JSON webhook"

    def __init__(self, client: httpx.AsyncClient, settings: ChatSettings) -> None:
        super().__init__(client, settings)
        self.token = settings.token

    def body(self, alert: Alert) -> Mapping[str, Any]:
        return {
            "canary": alert.subject,
            "name": alert.name,
            "namespace": alert.namespace,
            "severity": alert.severity,
            "message": alert.message,
            "fields": [{"name": name, "value": value} for name, value in alert.fields],
        }

    def headers(self) -> Mapping[str, str] | None:
        return {"Authorization": f"Bearer {self.token}"} if self.token else None
