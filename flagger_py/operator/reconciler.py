"""One tick of one Canary in the cluster: admission, deletion and finalizer, then the engine.

The engine decides; this module only decides *whether* the engine may run, and maps what goes wrong
to the Canary's conditions and Events: a Blocked Canary gets ``Ready=False`` + ``Stalled=True`` with
the reason, and one Warning Event per generation and reason (not one per tick).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from flagger_py.domain import conditions, effective
from flagger_py.domain import settings as analysis_settings
from flagger_py.domain.conditions import Blocked
from flagger_py.domain.effective import ControllerDefaults
from flagger_py.engine.tick import TickResult, run_once
from flagger_py.errors import FlaggerError, KubeConflict, KubeError, SpecError
from flagger_py.kube import resources as r
from flagger_py.kube.client import KubeClient
from flagger_py.kube.events import KubeEvents
from flagger_py.kube.status import KubeStatus
from flagger_py.kube.targets import TargetWorkloads
from flagger_py.kube.workloads import TargetInvalid, TargetNotFound
from flagger_py.model.canary import Canary, CanaryStatus
from flagger_py.model.duration import Duration
from flagger_py.model.objectmeta import ObjectMeta
from flagger_py.operator import admission
from flagger_py.plugins import Registry
from flagger_py.ports import Analyzer, Clock, Deps, Notifier, Router, RouterContext, WebhookCaller

log = logging.getLogger("flagger_py.controller")
decisions = logging.getLogger("flagger_py.decisions")
FINALIZER = "finalizer.flagger.app"
FINALIZE_RETRY = 2.0
INITIALIZING_RECHECK = 10.0
RELEASE_ATTEMPTS = 8  # 0.5 s doubling to 15 s: about a minute in all
RELEASE_BACKOFF, RELEASE_BACKOFF_MAX = 0.5, 15.0


class Observer(Protocol):
    """Told about every tick and every Canary that is gone (the controller's telemetry)."""

    def ticked(self, canary: Canary, result: TickResult, seconds: float) -> None: ...
    def forget(self, namespace: str, name: str) -> None: ...


@dataclass
class Reconciler:
    """Everything the ticks of all Canaries share."""

    client: KubeClient
    workloads: TargetWorkloads
    events: KubeEvents
    status: KubeStatus
    analyzer: Analyzer
    webhooks: WebhookCaller
    notifier: Notifier
    clock: Clock
    routers: Registry
    router_context: RouterContext
    defaults: ControllerDefaults = field(default_factory=ControllerDefaults)
    no_cross_namespace_refs: bool = False
    observer: Observer | None = None
    reported: dict[str, tuple[int | None, str, str]] = field(default_factory=dict)
    _routers: dict[str, Router] = field(default_factory=dict)

    def interval(self, body: Mapping[str, Any]) -> float:
        """The tick period of a Canary body that may not parse (a valid one's comes from
        ``effective.resolve``, through the same bound)."""
        try:
            text = body["spec"]["analysis"].get("interval") or "60s"
            seconds = Duration.parse(str(text)).seconds
        except (KeyError, AttributeError, TypeError, ValueError):
            seconds = analysis_settings.DEFAULT_INTERVAL_SECONDS
        return effective.bounded_interval(seconds, self.defaults)

    async def tick(self, body: Mapping[str, Any], claimed_by: str | None = None) -> float | None:
        """Run one tick; the seconds until the next, or None when the Canary is gone for good."""
        parsed = admission.parse(body)
        if isinstance(parsed, Blocked):
            await self.block(_shell(body), parsed)
            return self.interval(body)
        canary = effective.resolve(parsed, self.defaults)
        wait = analysis_settings.interval_seconds(canary.spec.analysis)
        if canary.metadata.deletion_timestamp:
            return await self.finalize(canary)
        blocked = (
            admission.check_provider(canary, self.routers, from_flag=parsed.spec.provider is None)
            or admission.check_target(canary, from_flag=parsed.spec.provider is None)
            or admission.check_router(canary, self.router(canary))
            or (admission.check_namespaces(canary) if self.no_cross_namespace_refs else None)
            or admission.check_claim(canary, claimed_by)
        )
        if blocked is not None:
            await self.block(canary, blocked)
            return wait
        await self.keep_finalizer(canary)
        started = time.perf_counter()
        try:
            result = await run_once(canary, self.deps(canary))
        except (TargetNotFound, TargetInvalid, SpecError) as exc:
            reason = {TargetNotFound: "TargetNotFound", TargetInvalid: "InvalidTarget"}.get(
                type(exc), "InvalidSpec"
            )
            await self.block(canary, Blocked(reason, str(exc)))
            return wait
        except KubeConflict as exc:
            log.info("canary %s: %s (retrying next tick)", _key(canary), exc)
            return wait
        except FlaggerError as exc:
            await self.events.emit(canary, "Warning", f"Reconciliation failed: {exc}")
            return wait
        self.reported.pop(_key(canary), None)
        seconds = time.perf_counter() - started
        _log_decision(canary, result, seconds)
        if self.observer is not None:
            self.observer.ticked(canary, result, seconds)
        if result.decision.status.phase == "Initializing":
            # Waiting for a new primary to become ready: look again soon, not a whole interval later.
            return min(wait, effective.bounded_interval(INITIALIZING_RECHECK, self.defaults))
        return result.requeue_after

    def router(self, canary: Canary) -> Router:
        """The router of a resolved Canary (its spec.provider is set)."""
        name = canary.spec.provider
        assert name is not None, "effective.resolve() sets spec.provider"
        if name not in self._routers:
            self._routers[name] = self.routers.get(name)(self.router_context)
        return self._routers[name]

    def deps(self, canary: Canary) -> Deps:
        return Deps(
            workloads=self.workloads,
            router=self.router(canary),
            analyzer=self.analyzer,
            webhooks=self.webhooks,
            notifier=self.notifier,
            events=self.events,
            status=self.status,
            clock=self.clock,
        )

    async def block(self, canary: Canary, blocked: Blocked) -> None:
        """Ready=False and Stalled=True with the reason; one Warning Event per generation and reason."""
        current = canary.status or CanaryStatus()
        generation = canary.metadata.generation
        status = conditions.with_health(current, generation, self.clock.now(), blocked)
        try:
            if status != current:
                await self.status.write(canary, status)
            key = _key(canary)
            if self.reported.get(key) != (generation, blocked.reason, blocked.message):
                self.reported[key] = (generation, blocked.reason, blocked.message)
                await self.events.emit(canary, "Warning", f"{blocked.reason}: {blocked.message}")
        except KubeError as exc:
            log.warning("canary %s: cannot report %s: %s", _key(canary), blocked.reason, exc)

    # --- finalizer and deletion -------------------------------------------------------------------

    async def keep_finalizer(self, canary: Canary) -> None:
        """revertOnDeletion needs the finalizer; without it the finalizer goes."""
        have = list(canary.metadata.finalizers or ())
        want = bool(canary.spec.revert_on_deletion)
        if want == (FINALIZER in have):
            return
        new = [*have, FINALIZER] if want else [f for f in have if f != FINALIZER]
        await self._set_finalizers(canary, new)

    async def _set_finalizers(self, canary: Canary, finalizers: list[str]) -> None:
        patch = {"metadata": {"finalizers": finalizers, "resourceVersion": canary.metadata.resource_version}}
        await self.client.patch(r.CANARIES, canary.metadata.namespace, canary.metadata.name, patch)

    async def _drop_finalizer(self, canary: Canary) -> None:
        await self._set_finalizers(canary, [f for f in canary.metadata.finalizers or () if f != FINALIZER])

    async def finalize(self, canary: Canary) -> float | None:
        """revertOnDeletion: give the target its traffic back, revert the router, drop the finalizer."""
        if FINALIZER not in (canary.metadata.finalizers or ()):
            log.debug("canary %s: being deleted, not ours to finalize", _key(canary))
            return None
        try:
            if (canary.status.phase if canary.status else "") != "Terminating":
                status = (canary.status or CanaryStatus()).model_copy(update={"phase": "Terminating"})
                await self.status.write(canary, status)
                await self.events.emit(canary, "Normal", f"Terminating canary {_key(canary)}")
                return FINALIZE_RETRY  # continue from the written status
            await self.workloads.release(canary)
            target = await self.workloads.readiness(canary, "canary")
            if not target.ready:
                log.info(
                    "canary %s: waiting for the target before removing the finalizer: %s",
                    _key(canary),
                    target.message,
                )
                return FINALIZE_RETRY
            await self.router(canary).finalize(canary)
            await self._drop_finalizer(canary)
            await self.events.emit(canary, "Normal", f"Terminated canary {_key(canary)}")
        except TargetNotFound:  # nothing to give traffic back to
            log.info("canary %s: target gone, removing the finalizer", _key(canary))
            await self._drop_finalizer(canary)
        except FlaggerError as exc:
            await self.events.emit(canary, "Warning", f"Finalizing failed: {exc}")
            return FINALIZE_RETRY
        return None

    async def deleted(self, body: Mapping[str, Any], primary_replicas: int | None) -> None:
        """The Canary is gone (without the finalizer): leave the target serving — scaled back up and
        selected by a Service flagger-py took over — instead of at zero replicas as Flagger does."""
        parsed = admission.parse(body)
        if isinstance(parsed, Blocked) or parsed.spec.revert_on_deletion:  # finalize() released it
            return
        # Nothing ticks a deleted Canary again: a failure here (an API server busy or briefly away)
        # would leave the target at zero for good, so the release is tried until it goes through.
        log.info("canary %s deleted: giving its target back", _key(parsed))
        for attempt in range(1, RELEASE_ATTEMPTS + 1):
            try:
                await self.workloads.release(parsed, primary_replicas)
                log.info("canary %s deleted: its target serves again", _key(parsed))
                break
            except TargetNotFound:
                log.info("canary %s deleted; its target is gone too", _key(parsed))
                break
            except FlaggerError as exc:
                if attempt == RELEASE_ATTEMPTS:
                    log.error(
                        "canary %s deleted; could not scale its target back up after %d attempts: %s",
                        _key(parsed),
                        attempt,
                        exc,
                    )
                    break
                log.warning(
                    "canary %s deleted; scaling its target back up failed (retrying): %s", _key(parsed), exc
                )
                await asyncio.sleep(min(RELEASE_BACKOFF_MAX, RELEASE_BACKOFF * 2 ** (attempt - 1)))
        self.reported.pop(_key(parsed), None)

    def forget(self, body: Mapping[str, Any]) -> None:
        """The Canary is gone from the API: drop what is kept about it."""
        meta = body.get("metadata") or {}
        name, namespace = str(meta.get("name")), str(meta.get("namespace") or "default")
        self.reported.pop(f"{name}.{namespace}", None)
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
    return f"{canary.metadata.name}.{canary.metadata.namespace}"


def _shell(body: Mapping[str, Any]) -> Canary:
    """A Canary with only metadata and status, for reporting on one whose spec is invalid."""
    meta = ObjectMeta.model_validate(body.get("metadata") or {})
    try:
        status = CanaryStatus.model_validate(body.get("status") or {})
    except ValueError:
        status = CanaryStatus()
    return Canary.model_construct(metadata=meta, spec=None, status=status)  # type: ignore[arg-type]
