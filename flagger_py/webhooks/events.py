"""The event webhook: every Kubernetes Event flagger-py records for a canary, also POSTed to the
canary's ``event`` webhooks, or else to the global ``--event-webhook`` / ``EVENT_WEBHOOK_URL``.

Payload: Flagger's envelope with ``metadata = {eventMessage, eventType, timestamp}`` (timestamp in
Unix milliseconds, as a string) plus the hook's own metadata keys that do not collide. A failing
sink is logged once when it starts failing and once when it recovers; it never fails the tick.
"""

from __future__ import annotations

import logging
from typing import Literal

from flagger_py import redact
from flagger_py.model.canary import Canary, Webhook
from flagger_py.webhooks.caller import HttpWebhookCaller, payload

log = logging.getLogger(__name__)
RESERVED = ("eventMessage", "eventType", "timestamp")


class EventWebhooks:
    """Forwards events to the event webhooks; one instance is shared by all canaries."""

    def __init__(self, caller: HttpWebhookCaller, global_url: str | None = None) -> None:
        self.caller = caller
        self.global_url = global_url or None
        self.failing: set[str] = set()

    def sinks(self, canary: Canary) -> list[Webhook]:
        """The canary's event hooks; the global one only when the canary has none."""
        hooks = [w for w in canary.spec.analysis.webhooks or () if w.type == "event"]
        if hooks or self.global_url is None:
            return hooks
        return [Webhook(name="event-webhook", type="event", url=self.global_url)]

    async def send(
        self, canary: Canary, event_type: Literal["Normal", "Warning"], message: str, timestamp_ms: int
    ) -> None:
        phase = (canary.status.phase if canary.status else "") or "Initializing"
        for hook in self.sinks(canary):
            refused = self.caller.refused(canary, hook) if hook.url != self.global_url else ""
            if refused:
                self._record(hook.url, False, refused)
                continue
            extra = {k: v for k, v in (hook.metadata or {}).items() if k not in RESERVED}
            metadata = {
                **extra,
                "eventMessage": message,
                "eventType": event_type,
                "timestamp": str(timestamp_ms),
            }
            ok, detail = await self.caller.post(hook.url, payload(canary, phase, metadata), hook)
            self._record(hook.url, ok, detail)

    def _record(self, url: str, ok: bool, detail: str) -> None:
        if not ok and url not in self.failing:
            self.failing.add(url)
            log.warning("event webhook %s is failing: %s", redact.url(url), detail)
        elif ok and url in self.failing:
            self.failing.discard(url)
            log.info("event webhook %s recovered", redact.url(url))
