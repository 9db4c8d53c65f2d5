"""What the engine needs beyond one tick's ``Deps``: the routers by name and the Canary's finalizers,
with every other adapter, as one value (``Adapters``) the host builds once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Protocol

from flagger_py.model.canary import Canary
from flagger_py.ports.protocols import (
    Alerter,
    Analyzer,
    Clock,
    Deps,
    Events,
    Router,
    StatusStore,
    WebhookCaller,
    Workloads,
)


class Routers(Protocol):
    """The installed routers by provider name. ``get`` raises PluginNotFound (listing what exists) or
    PluginError (the plugin does not load); it never falls back to another router."""

    def get(self, name: str) -> Router: ...


class Finalizers(Protocol):
    """Sets the Canary's ``metadata.finalizers`` (a write guarded by its resourceVersion)."""

    async def set(self, canary: Canary, finalizers: Sequence[str]) -> None: ...


@dataclass(frozen=True)
class Adapters:
    """Every adapter the engine talks through."""

    workloads: Workloads
    routers: Routers
    analyzer: Analyzer
    webhooks: WebhookCaller
    alerter: Alerter
    events: Events
    status: StatusStore
    clock: Clock
    finalizers: Finalizers

    def deps(self, router: Router) -> Deps:
        """The ports of one tick run through ``router``: the others are these adapters, by name."""
        shared = {f.name: getattr(self, f.name) for f in fields(Deps) if f.name != "router"}
        return Deps(router=router, **shared)
