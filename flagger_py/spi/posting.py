"""Posting an alert to a chat service's webhook: the plumbing every notifier plugin shares.

- :func:`checked_url` and :func:`required` validate settings eagerly (ProviderConfigError naming
  the field, never the address: a webhook URL carries its secret in the path);
- :func:`post` sends one JSON body within :data:`TIMEOUT_SECONDS` (the whole call) and maps the
  outcome to the errors tree: any 2xx is success; timeouts, transport errors, 429 and 5xx are
  ProviderUnavailable; 401 and 403 ProviderAuthError; any other status ProviderConfigError. It
  does not retry: the controller's outbox does. Messages name the service, the scheme and host
  and the status, with the answer cut and masked (credentials, and the address and headers sent);
- :class:`WebhookNotifier` is a ``Notifier`` built on both: a plugin sets ``kind`` and writes
  ``body``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx

from flagger_py import outbound, redact
from flagger_py.errors import ProviderAuthError, ProviderConfigError, ProviderUnavailable
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
    try:
        response = await outbound.request(
            client, "POST", url, json=body, headers=dict(headers or {}), timeout=TIMEOUT_SECONDS
        )
    except httpx.TimeoutException as exc:
        raise ProviderUnavailable(f"{kind} {where}: timed out after {TIMEOUT_SECONDS:g}s") from exc
    except httpx.TransportError as exc:
        raise ProviderUnavailable(f"{kind} {where}: {type(exc).__name__}") from exc
    except httpx.InvalidURL as exc:
        reason = redact.text(str(exc), limit=80)
        raise ProviderConfigError(f"{kind} {where}: invalid address ({reason})") from exc
    if response.is_success:
        return
    text = redact.text(response.text, known=_secrets(url, headers))
    message = f"{kind} {where}: {response.status_code} {text}".rstrip()
    if response.status_code in (401, 403):
        raise ProviderAuthError(message)
    if response.status_code == 429 or response.status_code >= 500:
        raise ProviderUnavailable(message)
    raise ProviderConfigError(message)


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


def _secrets(url: str, headers: Mapping[str, str] | None) -> list[str]:
    """What an answer must not repeat: the address and its path, and the credentials sent."""
    values = [*(headers or {}).values()]
    return [url, urlsplit(url).path, *values, *(value.split()[-1] for value in values if value.strip())]


def _redacted(url: str) -> str:
    """Scheme and host only: webhook URLs carry their secret in the path (Slack, Teams, Discord)."""
    return redact.url(url, secret=True)
