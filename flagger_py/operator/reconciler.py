"""The host's side of a Canary's tick: it hands the object to the engine, which decides everything,
then logs the decision, tells the telemetry, and retries what a deleted Canary leaves to do.

Nothing here looks at a Canary's spec: admission, settings, finalizer and run live in
``flagger_py.engine`` (``Engine``), behind the same ports as in the simulator.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from flagger_py.engine.reconcile import Engine
from flagger_py.engine.tick import TickResult
from flagger_py.errors import FlaggerError
from flagger_py.model.canary import Canary, CanaryStatus

log = logging.getLogger("flagger_py.controller")
decisions = logging.getLogger("flagger_py.decisions")
RELEASE_ATTEMPTS = 8  # 0.5 s doubling to 15 s: about a minute in all
RELEASE_BACKOFF, RELEASE_BACKOFF_MAX = 0.5, 15.0


class Observer(Protocol):
    """Told about every tick and every Canary that is gone (the controller's telemetry)."""

    def ticked(self, canary: Canary, result: TickResult, seconds: float) -> None: ...
    def forget(self, namespace: str, name: str) -> None: ...


@dataclass
class Reconciler:
    """The ``Engine`` the host wired (its ``Adapters`` and the controller's flags), and what the host
    does around each of its ticks."""

    engine: Engine
    observer: Observer | None = None

    def interval(self, body: Mapping[str, Any]) -> float:
        """The tick period of a Canary object, even one whose spec does not parse."""
        return self.engine.interval(body)

    async def tick(self, body: Mapping[str, Any], claimed_by: str | None = None) -> float | None:
        """Run one tick; the seconds until the next, or None when the Canary is gone for good."""
        started = time.perf_counter()
        outcome = await self.engine.tick(body, claimed_by)
        if outcome.run is not None and outcome.result is not None:
            seconds = time.perf_counter() - started
            _log_decision(outcome.run.canary, outcome.result, seconds)
            if self.observer is not None:
                self.observer.ticked(outcome.run.canary, outcome.result, seconds)
        return outcome.next_after

    async def deleted(self, body: Mapping[str, Any], primary_replicas: int | None) -> None:
        """The Canary is gone without the finalizer: the engine gives its target back, retried until it
        goes through (nothing ticks a deleted Canary again, and an API server busy or briefly away
        would leave the target at zero replicas for good)."""
        name = _name(body)
        for attempt in range(1, RELEASE_ATTEMPTS + 1):
            try:
                await self.engine.deleted(body, primary_replicas)
                return
            except FlaggerError as exc:
                if attempt == RELEASE_ATTEMPTS:
                    log.error(
                        "canary %s deleted; could not scale its target back up after %d attempts: %s",
                        name,
                        attempt,
                        exc,
                    )
                    return
                log.warning("canary %s deleted; scaling its target back up failed (retrying): %s", name, exc)
                await asyncio.sleep(min(RELEASE_BACKOFF_MAX, RELEASE_BACKOFF * 2 ** (attempt - 1)))

    def forget(self, body: Mapping[str, Any]) -> None:
        """The Canary is gone from the API: drop what is kept about it."""
        meta = body.get("metadata") or {}
        name, namespace = str(meta.get("name")), str(meta.get("namespace") or "default")
        self.engine.forget(namespace, name)
        if self.observer is not None:
            self.observer.forget(namespace, name)


def _log_decision(canary: Canary, result: TickResult, seconds: float) -> None:
    """One line per decision: INFO when it changed something, DEBUG when the canary only waited."""
    before = canary.status or CanaryStatus()
    after = result.decision.status
    changed = (before.phase, before.canary_weight, before.iterations, before.failed_checks) != (
        after.phase,
        after.canary_weight,
        after.iterations,
        after.failed_checks,
    )
    level = logging.INFO if changed or result.error else logging.DEBUG
    if not decisions.isEnabledFor(level):  # every tick passes here: build the record only when logged
        return
    actions = [type(a).__name__ for a in result.decision.actions]
    decisions.log(
        level,
        "decided %s: %s",
        _key(canary),
        after.phase,
        extra={
            "canary": _key(canary),
            "phase": after.phase,
            "previous_phase": before.phase,
            "weight": after.canary_weight,
            "iterations": after.iterations,
            "failed_checks": after.failed_checks,
            "actions": ",".join(actions),
            "released": result.released or "",
            "error": result.error or "",
            "tick_ms": round(seconds * 1000, 1),
        },
    )


def _key(canary: Canary) -> str:
    return canary.key


def _name(body: Mapping[str, Any]) -> str:
    meta = body.get("metadata") or {}
    return f"{meta.get('name')}.{meta.get('namespace') or 'default'}"
