"""provider: kubernetes — blue/green with plain Services, no mesh and no traffic split.

The apex Service always selects the primary's pods; the canary is reached through ``<apex>-canary``
while it is analysed, and a promotion switches users to the new version by rolling the primary. There
is nothing to route, so every method but ``get_routes`` does nothing and the routes are always all
to the primary (as Flagger's KubernetesNoopRouter).
"""

from __future__ import annotations

from flagger_py.model.canary import Canary
from flagger_py.model.strategy import Strategy, unsupported
from flagger_py.spi import ALL_PRIMARY, RouterContext, Routes


class KubernetesRouter:
    """Implements ``ports.Router`` for ``provider: kubernetes``."""

    provider = "kubernetes"
    strategies: frozenset[Strategy] = frozenset({"canary", "blue/green"})
    """A canary analysis runs as blue/green here: the canary gets no traffic share before promotion."""

    def __init__(self, context: RouterContext) -> None:
        self.context = context

    def check(self, canary: Canary) -> str | None:
        return unsupported(canary, self.provider, self.strategies)

    async def reconcile(self, canary: Canary) -> None:
        return

    async def set_routes(self, canary: Canary, routes: Routes) -> None:
        return

    async def get_routes(self, canary: Canary) -> Routes:
        return ALL_PRIMARY

    async def finalize(self, canary: Canary) -> None:
        return
