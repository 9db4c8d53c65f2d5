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

from flagger_py.kube.informers import Caches
from flagger_py.operator.reconciler import Reconciler

log = logging.getLogger("flagger_py.controller")
Key = tuple[str, str]  # namespace, name
Target = tuple[str, str, str]  # namespace, kind, name of the workload a Canary points at


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
        self.ticking: dict[Key, asyncio.Lock] = {}  # held by a Canary's tick while it runs
        self.background: set[asyncio.Task[None]] = set()
        self.claims: dict[Target, set[Key]] = {}  # which Canaries point at each workload

    def seen(self, kind: str | None, body: Mapping[str, Any]) -> None:
        """A watch event (kind ADDED, MODIFIED, DELETED, or None for the initial listing)."""
        key = _key(body)
        if kind == "DELETED":
            self._deleted(key, body)
            return
        body = _lean(body)
        old = self.bodies.get(key)
        self._store(key, body, old)
        if key not in self.tasks:
            self.wake[key] = self.wake.get(key) or asyncio.Event()
            self.tasks[key] = asyncio.create_task(self._run(key), name=f"canary {key[1]}.{key[0]}")
        elif old is not None and _woken(old, body):
            self.wake[key].set()

    def written(self, body: Mapping[str, Any]) -> None:
        """Our own status write: a fresher Canary than the watch may have delivered yet."""
        key = _key(body)
        old = self.bodies.get(key)
        if old is not None:
            self._store(key, _lean(body), old)

    def _store(self, key: Key, body: Mapping[str, Any], old: Mapping[str, Any] | None) -> None:
        self.bodies[key] = body
        target = _target(key, body)
        if old is not None:
            before = _target(key, old)
            if before == target:
                return
            self._unclaim(key, before)
        self.claims.setdefault(target, set()).add(key)

    def _unclaim(self, key: Key, target: Target) -> None:
        keys = self.claims.get(target)
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self.claims[target]

    def _deleted(self, key: Key, body: Mapping[str, Any]) -> None:
        # A tick in progress finishes (its last Event must not be cut off); then the task ends.
        old = self.bodies.pop(key, None)
        if old is not None:
            self._unclaim(key, _target(key, old))
        wake = self.wake.get(key)
        if wake is not None:
            wake.set()
        self.reconciler.forget(body)
        replicas = self._primary_replicas(body)
        job = asyncio.create_task(self._release(self.ticking.get(key), body, replicas))
        self.background.add(job)
        job.add_done_callback(self.background.discard)

    async def _release(
        self, ticking: asyncio.Lock | None, body: Mapping[str, Any], replicas: int | None
    ) -> None:
        """Give the deleted Canary's target back once a tick still running is over: that tick (say,
        one scaling the target to zero) would otherwise undo the release after it."""
        if ticking is None:
            await self.reconciler.deleted(body, replicas)
            return
        async with ticking:
            await self.reconciler.deleted(body, replicas)

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
        one (by creation time, then name) keeps it. An index lookup: a tick costs the same at any N."""
        body = self.bodies.get(key)
        if body is None:
            return None
        keys = self.claims.get(_target(key, body), ())
        if len(keys) < 2:
            return None
        first = min((self.bodies[k] for k in keys), key=_age)
        return None if first is body else str(first["metadata"]["name"])

    async def _run(self, key: Key) -> None:
        try:
            await self._ticks(key)
        finally:
            if self.tasks.get(key) is asyncio.current_task():
                self.tasks.pop(key, None)
                self.wake.pop(key, None)
                self.ticking.pop(key, None)

    async def _ticks(self, key: Key) -> None:
        """Ticks at a fixed rate, like Flagger's ticker: the next one is due an interval after this one
        was due, however long this one took (at once if it took longer), so a busy API server slows a
        release by its delays, not by the sum of every tick's duration."""
        loop = asyncio.get_running_loop()
        due = loop.time()
        while key in self.bodies:
            body = self.bodies[key]
            try:
                async with self.ticking.setdefault(key, asyncio.Lock()):
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
            due = max(due + delay, loop.time())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), due - loop.time())
            if wake.is_set():  # woken by a change: the next interval counts from now
                due = loop.time()
            elif self.lateness is not None:  # woken by the clock
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


def _target(key: Key, body: Mapping[str, Any]) -> Target:
    ref = (body.get("spec") or {}).get("targetRef") or {}
    return (key[0], str(ref.get("kind")), str(ref.get("name")))


def _age(body: Mapping[str, Any]) -> tuple[str, str]:
    meta = body.get("metadata") or {}
    return (str(meta.get("creationTimestamp") or ""), str(meta.get("name")))
