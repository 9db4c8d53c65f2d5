"""The alert a chat provider posts, and the tiny interface every notifier plugin implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from flagger_py.domain.actions import Severity


@dataclass(frozen=True)
class Alert:
    """One alert: about which canary, what happened, how bad, and Flagger's fields."""

    name: str
    namespace: str
    message: str
    severity: Severity
    fields: tuple[tuple[str, str], ...] = ()

    @property
    def subject(self) -> str:
        return f"{self.name}.{self.namespace}"


@dataclass(frozen=True)
class ChatSettings:
    """What an AlertProvider (with its Secret) or the global flags say about a chat endpoint."""

    address: str
    channel: str = "general"
    username: str = "flagger"
    token: str | None = None


class ChatProvider(Protocol):
    """A notifier plugin (entry-point group ``flagger_py.notifiers``), constructed as
    ``Plugin(client: httpx.AsyncClient, settings: ChatSettings)``. Constructors validate eagerly
    (ProviderConfigError); ``post`` raises ProviderError subclasses, never transport exceptions,
    and never puts credentials in a message."""

    async def post(self, alert: Alert) -> None: ...
