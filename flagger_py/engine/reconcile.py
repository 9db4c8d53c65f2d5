"""The whole tick of one Canary, from the object the host's watch holds to the status it leaves.

The rooms, each entered once and in this order: parse the object (an invalid one is *Blocked*),
compute its settings once (``domain.effective``), finalize it if it is being deleted, admit it
(provider, target, routing, namespaces, claim: ``admission``), keep its finalizer, run the tick
(``run_once``: observe, decide, act, status). What goes wrong is mapped here, and nowhere else, to the
Canary's conditions and Events: a Blocked Canary gets ``Ready=False`` + ``Stalled=True`` with the
reason, and one Warning Event per generation and reason (not one per tick).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flagger_py.domain import conditions
from flagger_py.domain.conditions import Blocked
from flagger_py.domain.effective import ControllerDefaults, Effective, effective, fallback_interval
from flagger_py.engine import admission, finalizer
from flagger_py.engine.tick import TickResult, run_once
from flagger_py.errors import FlaggerError, KubeConflict, KubeError, SpecError, TargetInvalid, TargetNotFound
from flagger_py.model.canary import Canary, CanaryStatus
from flagger_py.model.objectmeta import ObjectMeta
from flagger_py.ports.adapters import Adapters

log = logging.getLogger("flagger_py.controller")
BLOCKED_REASONS: Mapping[type[SpecError], str] = {
    TargetNotFound: "TargetNotFound",
    TargetInvalid: "InvalidTarget",
}


@dataclass(frozen=True)
class Outcome:
    """What one tick did: seconds until the next (None: the Canary is gone for good), the Canary as it
    ran (None when its spec does not parse), and the run's result (None when it did not run)."""

    next_after: float | None
    run: Effective | None = None
    result: TickResult | None = None


@dataclass
class Engine:
    """The ticks of all Canaries of one controller: its adapters and flags, and which Warning Event
    each Blocked Canary was last given."""

    ports: Adapters
    defaults: ControllerDefaults = field(default_factory=ControllerDefaults)
    reported: dict[str, tuple[int | None, str, str]] = field(default_factory=dict)

    async def tick(self, body: Mapping[str, Any], claimed_by: str | None = None) -> Outcome:
        """One tick of the Canary ``body``; ``claimed_by`` names the Canary that already owns its target."""
        parsed = admission.parse(body)
        if isinstance(parsed, Blocked):
            await self.block(_shell(body), parsed)
            return Outcome(self.interval(body))
        run = effective(parsed, self.defaults)
        canary, wait = run.canary, run.settings.interval
        if canary.metadata.deletion_timestamp:
            return Outcome(await self.finalize(run), run)
        admitted = admission.admit(run, self.ports.routers, claimed_by)
        if isinstance(admitted, Blocked):
            await self.block(canary, admitted)
            return Outcome(wait, run)
        try:
            await finalizer.keep_finalizer(canary, self.ports)
            result = await run_once(run, self.ports.deps(admitted))
        except SpecError as exc:
            await self.block(canary, Blocked(BLOCKED_REASONS.get(type(exc), "InvalidSpec"), str(exc)))
            return Outcome(wait, run)
        except KubeConflict as exc:
            log.info("canary %s: %s (retrying next tick)", canary.key, exc)
            return Outcome(wait, run)
        except FlaggerError as exc:
            await self.ports.events.emit(canary, "Warning", f"Reconciliation failed: {exc}")
            return Outcome(wait, run)
        self.reported.pop(canary.key, None)
        return Outcome(result.requeue_after, run, result)

    def interval(self, body: Mapping[str, Any]) -> float:
        """The tick period of a Canary object, even one whose spec does not parse."""
        parsed = admission.parse(body)
        if isinstance(parsed, Canary):
            return effective(parsed, self.defaults).settings.interval
        spec = body.get("spec")
        analysis = spec.get("analysis") if isinstance(spec, Mapping) else None
        return fallback_interval(
            analysis.get("interval") if isinstance(analysis, Mapping) else None, self.defaults
        )

    async def finalize(self, run: Effective) -> float | None:
        """One step of finalizing a Canary being deleted (``finalizer.finalize``)."""
        router = admission.find_router(run.settings, self.ports.routers)
        if isinstance(router, Blocked):
            await self.ports.events.emit(run.canary, "Warning", f"Finalizing failed: {router.message}")
            return finalizer.RETRY
        return await finalizer.finalize(run.canary, router, self.ports)

    async def deleted(self, body: Mapping[str, Any], primary_replicas: int | None) -> None:
        """The Canary is gone (without the finalizer): give its target back. Raises FlaggerError when
        that failed and is worth another attempt."""
        parsed = admission.parse(body)
        if isinstance(parsed, Blocked):
            return
        await finalizer.release_deleted(parsed, primary_replicas, self.ports)
        self.reported.pop(parsed.key, None)

    def forget(self, namespace: str, name: str) -> None:
        """The Canary is gone from the API: drop what is kept about it."""
        self.reported.pop(f"{name}.{namespace}", None)

    async def block(self, canary: Canary, blocked: Blocked) -> None:
        """Ready=False and Stalled=True with the reason; one Warning Event per generation and reason."""
        current = canary.status or CanaryStatus()
        generation = canary.metadata.generation
        status = conditions.with_health(current, generation, self.ports.clock.now(), blocked)
        try:
            if status != current:
                await self.ports.status.write(canary, status)
            if self.reported.get(canary.key) != (generation, blocked.reason, blocked.message):
                self.reported[canary.key] = (generation, blocked.reason, blocked.message)
                await self.ports.events.emit(canary, "Warning", f"{blocked.reason}: {blocked.message}")
        except KubeError as exc:
            log.warning("canary %s: cannot report %s: %s", canary.key, blocked.reason, exc)


def _shell(body: Mapping[str, Any]) -> Canary:
    """A Canary with only metadata and status, for reporting on one whose spec is invalid."""
    meta = ObjectMeta.model_validate(body.get("metadata") or {})
    try:
        status = CanaryStatus.model_validate(body.get("status") or {})
    except ValueError:
        status = CanaryStatus()
    return Canary.model_construct(metadata=meta, spec=None, status=status)  # type: ignore[arg-type]
