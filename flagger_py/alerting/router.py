"""AlertRouter: sends a canary's alert to every AlertProvider of its ``analysis.alerts`` whose
severity filter takes it, or to the global notifier when the canary lists none."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import httpx

from flagger_py import outbound, redact
from flagger_py.alerting.fields import fields, wanted
from flagger_py.allowlist import AllowList
from flagger_py.domain.actions import Severity
from flagger_py.domain.alert_details import Details
from flagger_py.errors import FlaggerError
from flagger_py.model.alert_provider import AlertProvider
from flagger_py.model.canary import Alert as AlertRoute
from flagger_py.model.canary import Canary
from flagger_py.plugins import Registry, registry
from flagger_py.ports.protocols import Events
from flagger_py.spi.notifiers import Alert, ChatSettings, Notifier, NotifierFactory

log = logging.getLogger(__name__)


class ProviderLookup(Protocol):
    """Reads AlertProviders and Secrets (from the watch caches, in a cluster)."""

    async def alert_provider(self, namespace: str, name: str) -> AlertProvider | None: ...
    async def secret(self, namespace: str, name: str) -> Mapping[str, str] | None: ...


ClientFactory = Callable[[str | None], httpx.AsyncClient]
"""Returns the shared HTTP client for a proxy URL (None: no proxy)."""


@dataclass
class AlertRouter:
    """Implements ``ports.Alerter``."""

    lookup: ProviderLookup
    clients: ClientFactory
    cluster_name: str = ""
    global_notifier: Notifier | None = None
    notifiers: Registry = field(default_factory=lambda: registry("notifier"))
    allow: AllowList = field(default_factory=AllowList)
    events: Events | None = None
    """Where a failing provider is reported, as a Warning Event on the canary it failed for."""
    failing: set[str] = field(default_factory=set)

    async def notify(self, canary: Canary, severity: Severity, message: str, details: Details) -> None:
        namespace = canary.metadata.namespace or "default"
        alert = Alert(
            canary.metadata.name,
            namespace,
            message,
            severity,
            fields(self.cluster_name, details),
        )
        routes = canary.spec.analysis.alerts or ()
        if not routes:
            if self.global_notifier is not None:
                await self._send(canary, "global notifier", self.global_notifier, alert)
            return
        # Each route fails alone: a bad address, a missing Secret or a plugin's bug in one of them
        # never keeps the alert from the others.
        for route in routes:
            if not wanted(route.severity, severity):
                continue
            key = f"alert {route.name} of {alert.subject}"
            try:
                provider = await self.provider(route, namespace)
            except FlaggerError as exc:
                await self._down(canary, key, str(exc))
                continue
            await self._send(canary, key, provider, alert)

    async def provider(self, route: AlertRoute, canary_namespace: str) -> Notifier:
        """The notifier plugin an alert route points at, built from its AlertProvider and Secret."""
        namespace = route.provider_ref.namespace or canary_namespace
        name = route.provider_ref.name
        found = await self.lookup.alert_provider(namespace, name)
        if found is None:
            raise FlaggerError(f"AlertProvider {namespace}/{name} not found")
        spec = found.spec
        address, token = spec.address or "", None
        if spec.secret_ref is not None:
            secret = await self.lookup.secret(namespace, spec.secret_ref.name)
            if secret is None or not secret.get("address"):
                raise FlaggerError(
                    f"Secret {namespace}/{spec.secret_ref.name} of AlertProvider {name} has no address key"
                )
            address, token = secret["address"], secret.get("token") or None
            where = f"key 'address' of Secret {namespace}/{spec.secret_ref.name} (AlertProvider {name})"
        else:
            where = f"spec.address of AlertProvider {namespace}/{name}"
        problem = outbound.address_problem(address) or self.allow.problem(canary_namespace, address, where)
        if problem:
            raise FlaggerError(problem if problem.startswith(where) else f"{where}: {problem}")
        settings = ChatSettings(address, spec.channel or "general", spec.username or "flagger", token)
        plugin: NotifierFactory = self.notifiers.get(spec.type)
        return plugin(self.clients(spec.proxy), settings)

    async def _send(self, canary: Canary, key: str, provider: Notifier, alert: Alert) -> None:
        try:
            await provider.post(alert)
        except FlaggerError as exc:
            await self._down(canary, key, str(exc))
            return
        except Exception as exc:  # a plugin's bug: that provider fails, the others go on
            await self._down(canary, key, f"{type(exc).__name__}: {redact.text(str(exc))}")
            return
        if key in self.failing:
            self.failing.discard(key)
            log.info("%s recovered", key)

    async def _down(self, canary: Canary, key: str, reason: str) -> None:
        """Log and report a provider that starts failing (once, until it recovers)."""
        if key in self.failing:
            return
        self.failing.add(key)
        if self.events is None:
            log.warning("%s failed: %s", key, reason)
        else:  # the Event is logged too
            await self.events.emit(canary, "Warning", f"{key} failed: {reason}")
