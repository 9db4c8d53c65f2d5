"""Posting an alert to a chat service's webhook: the plumbing every notifier plugin shares.

- :func:`checked_url` and :func:`required` validate settings eagerly (ProviderConfigError naming
  the field, never the address: a webhook URL carries its secret in the path);
- :func:`post` sends one JSON body within :data:`TIMEOUT_SECONDS` (the whole call); any 2xx is
  success, every other outcome an error of the tree as :mod:`~flagger_py.spi.exchange` maps it
  (timeouts, transport errors, 429 and 5xx ProviderUnavailable; 401 and 403 ProviderAuthError; any
  other status ProviderConfigError). It does not retry: the controller's outbox does. Messages name
  the service, the scheme and host and the status, with the answer cut and masked (credentials,
  and the address and headers sent);
- :class:`WebhookNotifier` is a ``Notifier`` built on both: a plugin sets ``kind`` and writes
  ``body``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar

import httpx

from flagger_py import outbound, redact
from flagger_py.errors import ProviderConfigError
from flagger_py.spi import exchange
from flagger_py.spi.notifiers import Alert, ChatSettings

TIMEOUT_SECONDS = 5.0


def checked_url(kind: str, address: str) -> str:
    """The address, if it is an absolute http(s) URL that httpx can send to; ProviderConfigError
    naming the service and what is wrong otherwise (never the address itself: it is a secret)."""
    value = address or ""
    problem = outbound.address_problem(value)
    if problem:
        raise ProviderConfigError(f"invalid {kind} address {_redacted(value)}: {problem}")
    return value


def required(kind: str, field: str, value: str | None) -> str:
    """``value``, or ProviderConfigError naming the empty field."""
    if not value:
        raise ProviderConfigError(f"empty {kind} {field}")
    return value


async def post(
    client: httpx.AsyncClient,
    kind: str,
    url: str,
    body: Mapping[str, Any],
    headers: Mapping[str, str] | None = None,
) -> None:
    """POST ``body`` as JSON to ``url``; returns on any 2xx, raises the errors tree otherwise."""
    where = _redacted(url)
    sent = dict(headers or {})
    response = await exchange.send(
        client, kind, where, "POST", url, timeout=TIMEOUT_SECONDS, json=body, headers=sent
    )
    if not response.is_success:
        raise exchange.answer_error(kind, where, response, exchange.sent_secrets(sent, secret_url=url))


class WebhookNotifier(ABC):
    """A notifier that POSTs one JSON body per alert to the address of its settings.

    Subclasses set ``kind`` (the service's name in messages) and write :meth:`body`; they may
    rewrite the checked address (:meth:`endpoint`) and add :meth:`headers`. The constructor is the
    plugin's ``NotifierFactory``: it checks the address and does no I/O."""

    kind: ClassVar[str]

    def __init__(self, client: httpx.AsyncClient, settings: ChatSettings) -> None:
        self.client = client
        self.url = self.endpoint(checked_url(self.kind, settings.address))

    def endpoint(self, url: str) -> str:
        """Where to post, given the checked address (the address itself unless overridden)."""
        return url

    @abstractmethod
    def body(self, alert: Alert) -> Mapping[str, Any]:
        """The JSON body the service takes for ``alert``."""

    def headers(self) -> Mapping[str, str] | None:
        """Extra request headers (credentials), or None."""
        return None

    async def post(self, alert: Alert) -> None:
        await post(self.client, self.kind, self.url, self.body(alert), self.headers())


def _redacted(url: str) -> str:
    """Scheme and host only: webhook URLs carry their secret in the path (Slack, Teams, Discord)."""
    return redact.url(url, secret=True)
