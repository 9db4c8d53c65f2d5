"""What a notifier plugin implements and is given: the alert it posts, the settings of its endpoint,
the ``Notifier`` protocol and the ``NotifierFactory`` its entry point registers.

A notifier plugin is the last hop of an alert: the engine hands ``(canary, severity, message,
details)`` to the engine-side port ``flagger_py.ports.Alerter``; ``flagger_py.alerting`` picks the
canary's AlertProviders, builds one ``Alert`` and calls each provider's notifier plugin. A plugin
never sees a Canary, a Secret or the cluster; ``flagger_py.spi.posting`` is the shared plumbing
(address check, one JSON POST, failures mapped to the errors tree).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from flagger_py.domain.actions import Severity

if TYPE_CHECKING:
    import httpx


@dataclass(frozen=True)
class Alert:
    """One alert: about which canary, what happened, how bad, and Flagger's fields (name, value)."""

    name: str
    namespace: str
    message: str
    severity: Severity
    fields: tuple[tuple[str, str], ...] = ()

    @property
    def subject(self) -> str:
        """``<name>.<namespace>``, the line Flagger's notifiers title an alert with."""
        return f"{self.name}.{self.namespace}"


@dataclass(frozen=True)
class ChatSettings:
    """What an AlertProvider (with its Secret) or the controller's flags say about a chat endpoint.

    ``address`` and ``token`` are secrets: a plugin never puts them in a message or a log line."""

    address: str
    channel: str = "general"
    username: str = "flagger"
    token: str | None = None


class Notifier(Protocol):
    """A notifier plugin (entry-point group ``flagger_py.notifiers``).

    ``post`` sends one alert with the ``httpx.AsyncClient`` the plugin was given (it carries the
    AlertProvider's proxy) and returns on success; it raises only ``ProviderError`` subclasses
    (ProviderUnavailable: worth retrying; ProviderAuthError; ProviderConfigError), never a
    transport exception, and never puts a credential or the webhook address in a message."""

    async def post(self, alert: Alert) -> None: ...


class NotifierFactory(Protocol):
    """What the entry point registers, usually the plugin class itself.

    It validates ``settings`` eagerly and raises ProviderConfigError naming the field that is wrong
    (never its value); it does no I/O."""

    def __call__(self, client: httpx.AsyncClient, settings: ChatSettings) -> Notifier: ...
