"""Knative for tests without a cluster: MemoryObjects that applies a Knative Service's spec as
server-side apply does (fields another manager set are kept), and a stand-in for Knative's controller
(status.traffic resolved from spec.traffic, generations observed, Revisions made Ready)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flagger_py.model.canary import Canary
from flagger_py.testing.objects import MemoryObjects, key_of

API = "serving.knative.dev/v1"


class KnativeObjects(MemoryObjects):
    """MemoryObjects whose applies to a Knative Service replace only the spec fields the applier sent
    (last time or now), as the API server does for flagger-py's partial applies."""

    def __init__(self) -> None:
        super().__init__()
        self.spec_fields: dict[Any, set[str]] = {}

    async def apply(self, obj: Mapping[str, Any], owner: Canary | None = None) -> Mapping[str, Any]:
        key = key_of(obj)
        old = self.objects.get(key)
        if obj["apiVersion"] == API and obj["kind"] == "Service" and old is not None:
            mine = self.spec_fields.get(key, set())
            kept = {k: v for k, v in (old.get("spec") or {}).items() if k not in mine}
            self.spec_fields[key] = set(obj.get("spec") or {})
            obj = {**obj, "spec": {**kept, **(obj.get("spec") or {})}}
        return await super().apply(obj, owner)


def service(
    namespace: str, name: str = "podinfo", latest: str | None = "podinfo-00001", **spec: Any
) -> dict[str, Any]:
    """A Knative Service as its user writes it, with the status Knative gives it."""
    body: dict[str, Any] = {
        "apiVersion": API,
        "kind": "Service",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"template": {"spec": {"containers": [{"image": "podinfo:6.0.0"}]}}, **spec},
    }
    if latest is not None:
        body["status"] = {
            "latestCreatedRevisionName": latest,
            "latestReadyRevisionName": latest,
            "observedGeneration": 1,
        }
    return body


def revision(
    namespace: str, name: str, ready: str = "True", since: str = "2026-01-01T00:00:00Z"
) -> dict[str, Any]:
    condition = {"type": "Ready", "status": ready, "lastTransitionTime": since}
    if ready != "True":
        condition |= {"reason": "ContainerMissing", "message": "image not found"}
    return {
        "apiVersion": API,
        "kind": "Revision",
        "metadata": {"name": name, "namespace": namespace},
        "status": {"conditions": [condition]},
    }


def resolved(svc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """status.traffic as Knative reports it for the Service's spec.traffic."""
    latest = (svc.get("status") or {}).get("latestCreatedRevisionName")
    entries = (svc.get("spec") or {}).get("traffic") or [{"latestRevision": True, "percent": 100}]
    out = []
    for entry in entries:
        named = entry.get("revisionName") or latest
        out.append(
            {
                "revisionName": named,
                "latestRevision": bool(entry.get("latestRevision")),
                "percent": entry.get("percent", 0),
            }
        )
    return out


def play_knative(objects: MemoryObjects) -> None:
    """Knative's controller: every Service's status routes what its spec asks, at its generation."""
    for (api, kind, _, _), obj in objects.objects.items():
        if api == API and kind == "Service":
            status = obj.setdefault("status", {})
            status["traffic"] = resolved(obj)
            status["observedGeneration"] = obj["metadata"].get("generation", 1)


def new_revision(objects: MemoryObjects, namespace: str, name: str, ready: str = "True") -> None:
    """The user changed the template: Knative created revision ``name``."""
    svc = objects.objects[(API, "Service", namespace, "podinfo")]
    svc["metadata"]["generation"] = svc["metadata"].get("generation", 1) + 1
    svc["status"]["latestCreatedRevisionName"] = name
    objects.seed([revision(namespace, name, ready)])
