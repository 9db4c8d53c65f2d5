"""ProviderHealth: one log line when a metrics backend goes down, one when it comes back.

A backend is down after a ProviderUnavailable (unreachable, timeout, 5xx, 429 after retries) and up
again after any answer. Canaries sharing a backend share its state, so an outage of the Prometheus
behind 200 canaries is two log lines, not 200 per interval.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

log = logging.getLogger("flagger_py.queries")


@dataclass
class ProviderHealth:
    down: dict[str, str] = field(default_factory=dict)
    """Backend (``type address``) -> why it is down."""

    def failed(self, backend: str, reason: str) -> None:
        if backend not in self.down:
            self.down[backend] = reason
            log.warning(
                "metrics provider %s is unavailable: %s (logged once until it recovers)", backend, reason
            )

    def answered(self, backend: str) -> None:
        if self.down.pop(backend, None) is not None:
            log.info("metrics provider %s answers again", backend)
