"""A Knative Service as a canary target: which revision is the primary, which the canary, and the
fields of the Service that flagger-py writes (pure functions over the Service as JSON).

Knative keeps every version of a Service as a Revision, so nothing is copied: the canary is the
latest revision Knative created (``status.latestCreatedRevisionName``), the primary is the revision
last promoted, recorded where Flagger records it (the ``flagger.app/primary-revision`` annotation),
and traffic is split in ``spec.traffic``: the latest revision gets the canary's share, the primary
revision, by name, the rest. Knative reports what it routes in ``status.traffic``.

flagger-py owns exactly three fields of the Service and writes them together in every server-side
apply (a field the same manager leaves out of an apply is removed): the primary annotation, the
traffic the user had before flagger-py (to give it back on finalize) and ``spec.traffic``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flagger_py.desired import readiness
from flagger_py.domain.observations import Readiness
from flagger_py.domain.weights import ALL_PRIMARY, Routes
from flagger_py.errors import Problem
from flagger_py.model.canary import CanarySpec

API = "serving.knative.dev/v1"
SERVICE = "Service"
REVISION = "Revision"
PRIMARY_REVISION = "flagger.app/primary-revision"
ORIGINAL_TRAFFIC = "flagger-py.app/original-traffic"
"""The user's ``spec.traffic`` before flagger-py's first write, as JSON (``null``: none)."""


def is_knative(api_version: str, kind: str) -> bool:
    """Whether a targetRef names a Knative Service (Flagger's IsKnativeService)."""
    return kind == SERVICE and api_version == API


def problems(spec: CanarySpec, provider: str | None, provider_field: str = "spec.provider") -> list[Problem]:
    """Flagger's verifyKnativeCanary: a Knative Service target goes with the knative router and no
    autoscaler, and the knative router with a Knative Service target only. ``provider`` is the router
    that will run the Canary (None when not known yet), ``provider_field`` where its name came from."""
    ref = spec.target_ref
    target = is_knative(ref.api_version, ref.kind)
    found = []
    if target and provider is not None and provider != "knative":
        message = f"a Knative Service target is released by the knative router only (got {provider!r}): "
        found.append(Problem(provider_field, message + "set spec.provider: knative"))
    if provider == "knative" and not target:
        message = (
            f"the knative router releases Knative Services only (got {ref.api_version} {ref.kind}): "
            f"set apiVersion {API} and kind {SERVICE}, or use another provider"
        )
        found.append(Problem("spec.targetRef", message))
    if target and spec.autoscaler_ref is not None:
        message = "Knative scales its revisions itself; remove autoscalerRef"
        found.append(Problem("spec.autoscalerRef", message))
    return found


def describe(service: Mapping[str, Any]) -> str:
    meta = service.get("metadata") or {}
    return f"Knative Service {meta.get('namespace')}/{meta.get('name')}"


def latest_created(service: Mapping[str, Any]) -> str | None:
    """The canary: the latest revision Knative created, or None before it created one."""
    name = (service.get("status") or {}).get("latestCreatedRevisionName")
    return str(name) if name else None


def primary_revision(service: Mapping[str, Any]) -> str | None:
    """The primary: the revision last promoted, or None before initialization."""
    name = ((service.get("metadata") or {}).get("annotations") or {}).get(PRIMARY_REVISION)
    return str(name) if name else None


def traffic(primary: str, routes: Routes) -> list[dict[str, Any]]:
    """``spec.traffic`` for these routes: the latest revision first, then the primary by name."""
    return [
        {"latestRevision": True, "percent": routes.canary},
        {"revisionName": primary, "latestRevision": False, "percent": routes.primary},
    ]


def spec_routes(service: Mapping[str, Any]) -> Routes | None:
    """The routes ``spec.traffic`` asks for when it has the shape flagger-py writes, else None."""
    entries = (service.get("spec") or {}).get("traffic")
    primary = primary_revision(service)
    if primary is None or not isinstance(entries, list) or len(entries) != 2:
        return None
    latest, named = entries
    if not isinstance(latest, Mapping) or not isinstance(named, Mapping):
        return None
    if latest.get("latestRevision") is not True or named.get("revisionName") != primary:
        return None
    canary, rest = _percent(latest.get("percent")), _percent(named.get("percent"))
    if canary is None or rest is None or canary + rest != 100:
        return None
    return Routes(rest, canary)


def status_routes(service: Mapping[str, Any]) -> Routes | str:
    """The routes Knative reports in ``status.traffic``, or why they cannot be read yet.

    The canary is the entry Knative marks ``latestRevision``; the primary the other entry naming the
    primary revision (after a promotion both name the same revision)."""
    where = describe(service)
    primary = primary_revision(service)
    if primary is None:
        return f"{where} has no {PRIMARY_REVISION} annotation yet (it is set at initialization)"
    meta, status = service.get("metadata") or {}, service.get("status") or {}
    generation, observed = meta.get("generation"), status.get("observedGeneration")
    if isinstance(generation, int) and (not isinstance(observed, int) or observed < generation):
        return f"{where}: Knative has not applied generation {generation} yet (observed: {observed})"
    entries = [e for e in status.get("traffic") or () if isinstance(e, Mapping)]
    latest = [e for e in entries if e.get("latestRevision") is True]
    named = [e for e in entries if e.get("latestRevision") is not True and e.get("revisionName") == primary]
    if not latest or not named:
        return f"{where}: status.traffic routes neither the latest revision nor {primary} by name yet"
    canary, rest = _percent(latest[0].get("percent", 0)), _percent(named[0].get("percent", 0))
    if canary is None or rest is None or canary + rest != 100:
        return f"{where}: status.traffic has percentages that do not add up to 100 ({canary} + {rest})"
    return Routes(rest, canary)


def owned(service: Mapping[str, Any], primary: str, routes: Routes | None = None) -> dict[str, Any]:
    """The server-side apply body of flagger-py's fields: ``primary`` as the primary revision and the
    traffic for ``routes`` (None: the weights ``spec.traffic`` has now, all to the primary if none)."""
    meta = service.get("metadata") or {}
    annotations = meta.get("annotations") or {}
    original = annotations.get(ORIGINAL_TRAFFIC)
    if original is None:  # the first write: remember the traffic the user had
        original = json.dumps((service.get("spec") or {}).get("traffic"), sort_keys=True)
    if routes is None:
        routes = spec_routes(service) or ALL_PRIMARY
    return {
        "apiVersion": API,
        "kind": SERVICE,
        "metadata": {
            "name": meta.get("name"),
            "namespace": meta.get("namespace"),
            "annotations": {PRIMARY_REVISION: primary, ORIGINAL_TRAFFIC: original},
        },
        "spec": {"traffic": traffic(primary, routes)},
    }


def released(service: Mapping[str, Any]) -> dict[str, Any] | None:
    """The apply body that gives the Service back: the user's own traffic (none: Knative's default,
    all to the latest revision) and no flagger-py annotation. None when flagger-py never wrote it."""
    meta = service.get("metadata") or {}
    annotations = meta.get("annotations") or {}
    if PRIMARY_REVISION not in annotations and ORIGINAL_TRAFFIC not in annotations:
        return None
    body: dict[str, Any] = {
        "apiVersion": API,
        "kind": SERVICE,
        "metadata": {"name": meta.get("name"), "namespace": meta.get("namespace")},
    }
    try:
        original = json.loads(annotations.get(ORIGINAL_TRAFFIC) or "null")
    except ValueError:
        original = None
    if isinstance(original, list) and original:
        body["spec"] = {"traffic": original}
    return body


def revision_readiness(
    revision: Mapping[str, Any] | None, name: str, namespace: str, now: float, deadline: float
) -> Readiness:
    """Whether a Revision serves (its Ready condition). Ready=False for longer than the progress
    deadline is a failure; Unknown, or False for less long, is waiting."""
    where = f"Knative Revision {namespace}/{name}"
    if revision is None:
        return Readiness(False, f"{where} does not exist yet")
    conditions = {c.get("type"): c for c in (revision.get("status") or {}).get("conditions") or ()}
    ready = conditions.get("Ready") or {}
    if ready.get("status") == "True":
        return Readiness(True)
    why = ": ".join(str(ready[k]) for k in ("reason", "message") if ready.get(k))
    message = f"{where} is not ready" + (f": {why}" if why else "")
    if ready.get("status") == "False":
        since = readiness.epoch(ready.get("lastTransitionTime"))
        if since is not None and now - since > deadline:
            return Readiness(False, f"{message} (for over {deadline:.0f}s)", failed=True)
    return Readiness(False, message)


def _percent(value: Any) -> int | None:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        return None
    return value
