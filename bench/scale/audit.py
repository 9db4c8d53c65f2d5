"""Reading the API server's audit log: every request of one client identity, with its verb,
resource and time (the API server's own record, split by who made the request)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

WRITES = {"create", "update", "patch", "delete", "deletecollection"}
READS = {"get", "list"}


@dataclass(frozen=True)
class Request:
    at: float  # Unix seconds
    verb: str
    resource: str
    subresource: str
    namespace: str
    name: str


def requests(log: Path, username: str) -> list[Request]:
    """Each request once (by audit ID), for ``username``; watches count when they start."""
    seen: set[str] = set()
    out: list[Request] = []
    with log.open() as lines:
        for line in lines:
            event = json.loads(line)
            if event.get("user", {}).get("username") != username or event["auditID"] in seen:
                continue
            seen.add(event["auditID"])
            ref = event.get("objectRef") or {}
            out.append(
                Request(
                    at=_seconds(event["requestReceivedTimestamp"]),
                    verb=event["verb"],
                    resource=ref.get("resource", ""),
                    subresource=ref.get("subresource", ""),
                    namespace=ref.get("namespace", ""),
                    name=ref.get("name", ""),
                )
            )
    return out


def between(found: list[Request], start: float, end: float) -> list[Request]:
    return [r for r in found if start <= r.at < end]


def by_verb(found: list[Request]) -> Counter[str]:
    return Counter(r.verb for r in found)


def by_resource(found: list[Request]) -> Counter[str]:
    return Counter(f"{r.verb} {r.resource}{'/' + r.subresource if r.subresource else ''}" for r in found)


def status_writes(found: list[Request], namespace: str) -> dict[str, list[float]]:
    """Per canary, when its status was written (the visible trace of its ticks)."""
    out: dict[str, list[float]] = {}
    for r in found:
        ours = r.resource == "canaries" and r.namespace == namespace and r.name
        if ours and r.verb in WRITES and r.subresource == "status":
            out.setdefault(r.name, []).append(r.at)
    return out


def primary_waits(found: list[Request], namespace: str, interval: float) -> dict[str, float]:
    """Per canary whose promoted primary was not rolled out by the next tick: when the promoting tick
    wrote its status. That next tick only halts ("Halt advancement", an Event, no status write), so
    outside the controller it looks like a tick one interval late; it is the cluster's rollout time.
    ``found`` is one release's requests: the first write of a ``<name>-primary`` Deployment in it is
    the promotion."""
    promoted: dict[str, float] = {}
    for r in found:
        if r.resource == "deployments" and r.namespace == namespace and r.verb in WRITES:
            name = r.name.removesuffix("-primary")
            if name != r.name:
                promoted.setdefault(name, r.at)
    waits = {}
    for name, times in status_writes(found, namespace).items():
        at = promoted.get(name)
        if at is None:
            continue
        after = sorted(t for t in times if t >= at)
        if len(after) >= 2 and after[1] - after[0] > 1.5 * interval:
            waits[name] = after[0]
    return waits


def _seconds(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
