"""Deletion: Flagger's finalizer (``revertOnDeletion``) and what a deleted Canary leaves behind.

A Canary with ``revertOnDeletion`` carries ``finalizer.flagger.app``; once it is being deleted, the
target gets its traffic back (scaled up, Services restored), the router's objects are handed back,
and the finalizer goes. A Canary deleted without it leaves its target serving: scaled back up and
selected by the Service flagger-py took over, instead of at zero replicas as Flagger leaves it.
"""

from __future__ import annotations

import logging

from flagger_py.errors import FlaggerError, TargetNotFound
from flagger_py.model.canary import Canary, CanaryStatus
from flagger_py.ports import Router
from flagger_py.ports.adapters import Adapters

log = logging.getLogger("flagger_py.controller")
FINALIZER = "finalizer.flagger.app"
RETRY = 2.0
"""Seconds until a finalization that is under way (or failed) is looked at again."""


async def keep_finalizer(canary: Canary, ports: Adapters) -> None:
    """revertOnDeletion needs the finalizer; without it the finalizer goes."""
    have = list(canary.metadata.finalizers or ())
    want = bool(canary.spec.revert_on_deletion)
    if want != (FINALIZER in have):
        await ports.finalizers.set(canary, [*have, FINALIZER] if want else _without(canary))


async def finalize(canary: Canary, router: Router, ports: Adapters) -> float | None:
    """One step of finalizing a Canary being deleted: seconds until the next step, None when done."""
    if FINALIZER not in (canary.metadata.finalizers or ()):
        log.debug("canary %s: being deleted, not ours to finalize", canary.key)
        return None
    try:
        if (canary.status.phase if canary.status else "") != "Terminating":
            status = (canary.status or CanaryStatus()).model_copy(update={"phase": "Terminating"})
            await ports.status.write(canary, status)
            await ports.events.emit(canary, "Normal", f"Terminating canary {canary.key}")
            return RETRY  # continue from the written status
        await ports.workloads.release(canary)
        target = await ports.workloads.readiness(canary, "canary")
        if not target.ready:
            why = target.message
            log.info("canary %s: waiting for the target before removing the finalizer: %s", canary.key, why)
            return RETRY
        await router.finalize(canary)
        await ports.finalizers.set(canary, _without(canary))
        await ports.events.emit(canary, "Normal", f"Terminated canary {canary.key}")
    except TargetNotFound:  # nothing to give traffic back to
        log.info("canary %s: target gone, removing the finalizer", canary.key)
        await ports.finalizers.set(canary, _without(canary))
    except FlaggerError as exc:
        await ports.events.emit(canary, "Warning", f"Finalizing failed: {exc}")
        return RETRY
    return None


async def release_deleted(canary: Canary, primary_replicas: int | None, ports: Adapters) -> None:
    """A Canary deleted without the finalizer: give its target back. Raises FlaggerError when that
    failed and is worth another attempt (nothing ticks a deleted Canary again: the host retries)."""
    if canary.spec.revert_on_deletion:  # finalize() released it
        return
    try:
        await ports.workloads.release(canary, primary_replicas)
        log.info("canary %s deleted: its target serves again", canary.key)
    except TargetNotFound:
        log.info("canary %s deleted; its target is gone too", canary.key)


def _without(canary: Canary) -> list[str]:
    return [f for f in canary.metadata.finalizers or () if f != FINALIZER]
