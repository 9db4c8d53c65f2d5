"""Variant (c): kopf watches Canaries and also owns ``finalizer.flagger.app`` and its retries.

kopf's finalizer is named ``finalizer.flagger.app``; an ``on.delete`` handler, filtered to Canaries
with ``revertOnDeletion`` (as Flagger, no other Canary gets the finalizer), makes kopf add and remove
it, and runs the engine's finalize steps, each retried by kopf (``TemporaryError``) until done. Our
side neither writes finalizers (a Finalizers port that leaves them to kopf) nor finalizes in a tick.
What this costs beyond the watch: on the Canaries the handler matches, kopf's finalizer patches, its
diff-base annotation (``kopf.zalando.org/last-handled-configuration``) and its progress storage.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import kopf

from flagger_py.engine.finalizer import FINALIZER
from flagger_py.model.canary import Canary
from flagger_py.operator import host
from flagger_py.operator.main import Process
from flagger_py.operator.reconciler import Reconciler
from flagger_py.operator.scheduler import Scheduler

from . import run


class KopfOwned:
    """The Finalizers port when kopf adds and removes the finalizer: nothing to write."""

    async def set(self, canary: Canary, finalizers: Sequence[str]) -> None:  # noqa: ARG002
        return None


class KopfFinalizing(Reconciler):
    """The reconciler without a finalizer of its own; a Canary being deleted is kopf's."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.engine.ports = dataclasses.replace(self.engine.ports, finalizers=KopfOwned())

    async def tick(self, body: Mapping[str, Any], claimed_by: str | None = None) -> float | None:
        if (body.get("metadata") or {}).get("deletionTimestamp"):
            return None  # kopf's on.delete finalizes; the DELETED event releases the others
        return await super().tick(body, claimed_by)


def _revert_on_deletion(spec: Mapping[str, Any], **_: Any) -> bool:
    return bool(spec.get("revertOnDeletion"))


class KopfFinalizers(Process):
    def feed(self, scheduler: Scheduler, stop: asyncio.Event) -> list[asyncio.Task[None]]:
        old = scheduler.reconciler
        kept = {f.name: getattr(old, f.name) for f in dataclasses.fields(old) if f.init}
        reconciler = KopfFinalizing(**kept)
        scheduler.reconciler = reconciler
        reg = host.registry(scheduler, self.connection)

        @kopf.on.startup(registry=reg)
        async def our_finalizer(settings: kopf.OperatorSettings, **_: Any) -> None:
            settings.persistence.finalizer = FINALIZER

        @kopf.on.delete("flagger.app", "v1beta1", "canaries", when=_revert_on_deletion, registry=reg)
        async def finalize(body: kopf.Body, **_: Any) -> None:
            outcome = await reconciler.engine.tick(dict(body))
            if outcome.next_after is not None:
                raise kopf.TemporaryError("finalizing", delay=outcome.next_after)

        return [asyncio.create_task(host.run_kopf(reg, self.settings.namespace, stop), name="kopf")]


if __name__ == "__main__":
    sys.exit(run(KopfFinalizers))
