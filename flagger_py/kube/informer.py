"""Informer: a watch-backed, in-memory copy of one resource (list once, then watch for changes).

Each object is stored as ``project`` returns it (managedFields are always dropped; ConfigMaps and
Secrets keep only what config tracking needs), so memory stays proportional to what is read, and
stored as compact JSON: a Deployment takes ~2 KiB as bytes and ~10 KiB as Python dicts, and bytes
are invisible to the garbage collector, whose full passes over millions of cached dicts would stall
the event loop at a thousand canaries. ``get`` parses on demand (~20 µs) and hands the caller its own
copy. A watch that expires (410 Gone) relists; any other failure retries with capped back-off.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from flagger_py.errors import KubeError
from flagger_py.kube.client import KubeClient
from flagger_py.kube.resources import Resource

log = logging.getLogger("flagger_py.kube")
Projection = Callable[[dict[str, Any]], dict[str, Any]]
Listener = Callable[[str, dict[str, Any]], None]
Key = tuple[str, str]
Stored = tuple[str, str, bytes]  # uid, resourceVersion, the projected object as JSON
MAX_BACKOFF = 30.0


def slim(obj: dict[str, Any]) -> dict[str, Any]:
    """The object without metadata.managedFields (large, and never read)."""
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        meta.pop("managedFields", None)
    return obj


class Informer:
    """The objects of one resource in one namespace (or all), kept current by a watch."""

    def __init__(
        self,
        client: KubeClient,
        res: Resource,
        namespace: str | None = None,
        project: Projection = slim,
    ) -> None:
        self.client = client
        self.res = res
        self.namespace = namespace
        self.project = project
        self.objects: dict[Key, Stored] = {}
        self.synced = asyncio.Event()
        self.listeners: list[Listener] = []
        self.resource_version = ""
        self.failing = False

    def get(self, namespace: str, name: str) -> dict[str, Any] | None:
        """A copy of the cached object (the caller may change it), or None."""
        stored = self.objects.get((namespace, name))
        return None if stored is None else _load(stored)

    def _store(self, key: Key, obj: dict[str, Any]) -> None:
        meta = obj.get("metadata") or {}
        projected = self.project(obj)
        self.objects[key] = (
            str(meta.get("uid") or ""),
            str(meta.get("resourceVersion") or ""),
            json.dumps(projected, separators=(",", ":")).encode(),
        )

    def wrote(self, obj: dict[str, Any]) -> None:
        """Store an object we just wrote (unless the watch already brought a newer version)."""
        key = _key(obj)
        if not _older(obj, self.objects.get(key)):
            self._store(key, obj)

    def forget(self, namespace: str, name: str) -> None:
        """Drop an object we just deleted."""
        self.objects.pop((namespace, name), None)

    def items(self, namespace: str | None = None) -> Iterator[dict[str, Any]]:
        for (ns, _), stored in list(self.objects.items()):
            if namespace is None or ns == namespace:
                yield _load(stored)

    async def run(self) -> None:
        """List and watch forever (cancel the task to stop)."""
        backoff = 0.5
        while True:
            try:
                if not self.resource_version:
                    await self._list()
                await self._watch()
                backoff = 0.5
            except KubeError as exc:
                if not self.failing:
                    log.warning("cache of %s: %s; retrying", self.res.plural, exc)
                    self.failing = True
                await asyncio.sleep(backoff)
                backoff = min(MAX_BACKOFF, backoff * 2)

    async def _list(self) -> None:
        answer = await self.client.list(self.res, self.namespace)
        before = self.objects
        self.objects = {}
        for obj in answer.get("items") or ():
            obj.setdefault("apiVersion", self.res.api_version)
            obj.setdefault("kind", self.res.kind)
            self._store(_key(obj), obj)
        gone = set(before) - set(self.objects)
        self.resource_version = answer["metadata"]["resourceVersion"]
        for key in gone:
            self._tell("DELETED", {"metadata": {"namespace": key[0], "name": key[1]}})
        self.synced.set()
        if self.failing:
            log.info("cache of %s: recovered", self.res.plural)
            self.failing = False

    async def _watch(self) -> None:
        async for event in self.client.watch(self.res, self.namespace, self.resource_version):
            kind, obj = event.get("type"), event.get("object") or {}
            if kind == "ERROR":
                if obj.get("code") == 410:  # expired: list again
                    self.resource_version = ""
                    return
                raise KubeError(f"watch of {self.res.plural}: {obj.get('message')}")
            version = (obj.get("metadata") or {}).get("resourceVersion")
            if version:
                self.resource_version = version
            if kind == "BOOKMARK":
                continue
            obj.setdefault("apiVersion", self.res.api_version)
            obj.setdefault("kind", self.res.kind)
            key = _key(obj)
            if kind == "DELETED":
                self.objects.pop(key, None)
            elif not _older(obj, self.objects.get(key)):  # we may have stored a newer write already
                self._store(key, obj)
            self._tell(str(kind), obj)

    def _tell(self, kind: str, obj: dict[str, Any]) -> None:
        for listener in self.listeners:
            listener(kind, obj)


def _load(stored: Stored) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(stored[2])
    return found


def _older(obj: Mapping[str, Any], than: Stored | None) -> bool:
    """True when ``obj`` is an older version of the stored object ``than`` (same uid, smaller
    resourceVersion).

    resourceVersions are opaque to clients in general, but etcd-backed servers issue increasing
    integers; anything else is never considered older.
    """
    if than is None:
        return False
    mine = obj.get("metadata") or {}
    if str(mine.get("uid") or "") != than[0]:
        return False
    a, b = str(mine.get("resourceVersion", "")), than[1]
    return a.isdigit() and b.isdigit() and int(a) < int(b)


def _key(obj: Mapping[str, Any]) -> Key:
    meta = obj.get("metadata") or {}
    return (str(meta.get("namespace") or ""), str(meta.get("name")))
