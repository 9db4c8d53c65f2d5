"""Scheduler: one asyncio task per Canary, ticking at its analysis interval.

The first tick runs at once; a change of ``metadata.generation`` (a spec edit: a new interval, a fix
of an invalid field) or a deletion request wakes the task early; a deleted Canary's task ends. The
Canary a tick sees is the latest one the watch (or our own status write) delivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from typing import Any

from flagger_py.kube.caches import Caches
from flagger_py.operator.reconciler import Reconciler

log = logging.getLogger("flagger_py.controller")
Key = tuple[str, str]


class Scheduler:
    def __init__(
        self,
        reconciler: Reconciler,
        caches: Caches | None = None,
        lateness: Callable[[float], None] | None = None,
    ) -> None:
        self.reconciler = reconciler
        self.caches = caches
        self.lateness = lateness  # told how late each scheduled tick starts, in seconds
        self.bodies: dict[Key, Mapping[str, Any]] = {}
        self.tasks: dict[Key, asyncio.Task[None]] = {}
        self.wake: dict[Key, asyncio.Event] = {}
        self.background: set[asyncio.Task[None]] = set()

    def seen(self, kind: str | None, body: Mapping[str, Any]) -> None:
        """A watch event (kind ADDED, MODIFIED, DELETED, or None for the initial listing)."""
        key = _key(body)
        if kind == "DELETED":
            self._deleted(key, body)
            return
        body = _lean(body)
        old = self.bodies.get(key)
        self.bodies[key] = body
        if key not in self.tasks:
            self.wake[key] = self.wake.get(key) or asyncio.Event()
            self.tasks[key] = asyncio.create_task(self._run(key), name=f"canary {key[1]}.{key[0]}")
        elif old is not None and _woken(old, body):
            self.wake[key].set()

    def written(self, body: Mapping[str, Any]) -> None:
        """Our own status write: a fresher Canary than the watch may have delivered yet."""
        key = _key(body)
        if key in self.bodies:
            self.bodies[key] = _lean(body)

    def _deleted(self, key: Key, body: Mapping[str, Any]) -> None:
        # A tick in progress finishes (its last Event must not be cut off); then the task ends.
        self.bodies.pop(key, None)
        wake = self.wake.get(key)
        if wake is not None:
            wake.set()
        self.reconciler.forget(body)
        replicas = self._primary_replicas(body)
        job = asyncio.create_task(self.reconciler.deleted(body, replicas))
        self.background.add(job)
        job.add_done_callback(self.background.discard)

    def _primary_replicas(self, body: Mapping[str, Any]) -> int | None:
        """The primary's replicas, read before garbage collection deletes it."""
        if self.caches is None:
            return None
        target = (body.get("spec") or {}).get("targetRef") or {}
        if target.get("kind") != "Deployment":
            return None
        ns = (body.get("metadata") or {}).get("namespace", "")
        found = self.caches["Deployment"].get(ns, f"{target.get('name')}-primary")
        return int((found or {}).get("spec", {}).get("replicas") or 0) or None

    def claimed_by(self, key: Key) -> str | None:
        """The Canary that owns this one's target when two point at the same workload: the older
        one (by creation time, then name) keeps it."""
        body = self.bodies.get(key)
        if body is None:
            return None
        target = _target(body)
        rivals = [b for k, b in self.bodies.items() if k != key and k[0] == key[0] and _target(b) == target]
        if not rivals:
            return None
        first = min([body, *rivals], key=_age)
        return None if first is body else str(first["metadata"]["name"])

    async def _run(self, key: Key) -> None:
        try:
            await self._ticks(key)
        finally:
            if self.tasks.get(key) is asyncio.current_task():
                self.tasks.pop(key, None)
                self.wake.pop(key, None)

    async def _ticks(self, key: Key) -> None:
        while key in self.bodies:
            body = self.bodies[key]
            try:
                delay = await self.reconciler.tick(body, self.claimed_by(key))
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug must not stop this Canary or the others
                log.exception("canary %s.%s: tick failed", key[1], key[0])
                delay = self.reconciler.interval(body)
            if delay is None:
                break
            wake = self.wake.get(key)
            if wake is None:
                break
            loop = asyncio.get_running_loop()
            due = loop.time() + delay
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), delay)
            if not wake.is_set() and self.lateness is not None:  # woken by the clock, not by a change
                self.lateness(max(0.0, loop.time() - due))
            wake.clear()

    async def stop(self) -> None:
        tasks = [*self.tasks.values(), *self.background]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.tasks.clear()


def _lean(body: Mapping[str, Any]) -> Mapping[str, Any]:
    """The Canary without ``metadata.managedFields`` (kept for every Canary, never read)."""
    meta = body.get("metadata") or {}
    if "managedFields" not in meta:
        return body
    return {**body, "metadata": {k: v for k, v in meta.items() if k != "managedFields"}}


def _key(body: Mapping[str, Any]) -> Key:
    meta = body.get("metadata") or {}
    return (str(meta.get("namespace") or ""), str(meta.get("name")))


def _woken(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    before, after = old.get("metadata") or {}, new.get("metadata") or {}
    return before.get("generation") != after.get("generation") or (
        "deletionTimestamp" in after and "deletionTimestamp" not in before
    )


def _target(body: Mapping[str, Any]) -> tuple[str, str]:
    ref = (body.get("spec") or {}).get("targetRef") or {}
    return (str(ref.get("kind")), str(ref.get("name")))


def _age(body: Mapping[str, Any]) -> tuple[str, str]:
    meta = body.get("metadata") or {}
    return (str(meta.get("creationTimestamp") or ""), str(meta.get("name")))
