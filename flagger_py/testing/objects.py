"""MemoryObjects: an in-memory ``ports.ClusterObjects`` for router tests.

Close enough to server-side apply for routers: an apply replaces the spec, keeps metadata written
by others (labels and annotations the applier did not set last time), bumps ``generation`` when the
spec changes, adds the owner reference, and counts writes so tests can see a steady router idle.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flagger_py.model.canary import Canary

Key = tuple[str, str, str, str]
_uids = itertools.count(1)


def key_of(obj: Mapping[str, Any]) -> Key:
    meta = obj["metadata"]
    return (obj["apiVersion"], obj["kind"], meta.get("namespace") or "", meta["name"])


@dataclass
class MemoryObjects:
    """Objects by (apiVersion, kind, namespace, name); ``writes`` counts applies and deletes."""

    objects: dict[Key, dict[str, Any]] = field(default_factory=dict)
    writes: int = 0
    _applied: dict[Key, dict[str, set[str]]] = field(default_factory=dict)

    def seed(self, objs: Iterable[Mapping[str, Any]]) -> None:
        """Create objects as a user would (not counted as writes)."""
        for obj in objs:
            stored = copy.deepcopy(dict(obj))
            stored["metadata"] = {**stored["metadata"], "uid": f"uid-{next(_uids)}", "generation": 1}
            self.objects[key_of(stored)] = stored

    def find(self, api_version: str, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        return self.objects.get((api_version, kind, namespace, name))

    async def get(self, api_version: str, kind: str, namespace: str, name: str) -> Mapping[str, Any] | None:
        found = self.objects.get((api_version, kind, namespace, name))
        return copy.deepcopy(found) if found is not None else None

    async def apply(self, obj: Mapping[str, Any], owner: Canary | None = None) -> Mapping[str, Any]:
        self.writes += 1
        key = key_of(obj)
        body = copy.deepcopy(dict(obj))
        old = self.objects.get(key)
        fresh = {"uid": f"uid-{next(_uids)}", "generation": 1}
        meta: dict[str, Any] = dict(old["metadata"]) if old else fresh
        mine = self._applied.get(key, {})
        for part in ("labels", "annotations"):
            kept = {k: v for k, v in (meta.get(part) or {}).items() if k not in mine.get(part, set())}
            merged = {**kept, **(body["metadata"].get(part) or {})}
            meta[part] = merged
        self._applied[key] = {p: set(body["metadata"].get(p) or {}) for p in ("labels", "annotations")}
        meta |= {"name": body["metadata"]["name"], "namespace": body["metadata"].get("namespace")}
        if owner is not None:
            ref = {"apiVersion": "flagger.app/v1beta1", "kind": "Canary", "name": owner.metadata.name}
            meta["ownerReferences"] = [ref]
        if old is not None and old.get("spec") != body.get("spec"):
            meta["generation"] = int(meta.get("generation", 1)) + 1
        stored = {**body, "metadata": meta}
        if old is not None and "status" in old:
            stored["status"] = old["status"]
        self.objects[key] = stored
        return copy.deepcopy(stored)

    async def delete(self, api_version: str, kind: str, namespace: str, name: str) -> None:
        self.writes += 1
        self.objects.pop((api_version, kind, namespace, name), None)
        self._applied.pop((api_version, kind, namespace, name), None)
