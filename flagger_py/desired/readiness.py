"""Whether a Deployment or DaemonSet has rolled out, from its status (Flagger's IsPrimaryReady /
IsCanaryReady rules, flagger-behavior.md §3.6).

Not ready is either *retriable* (wait for the next tick) or *failed* (the progress deadline passed:
the release fails). ``threshold`` is the percentage of updated replicas that must be available
(``primaryReadyThreshold`` / ``canaryReadyThreshold``, default 100).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from flagger_py.domain.effective import DEFAULT_PROGRESS_DEADLINE_SECONDS as DEADLINE
from flagger_py.domain.observations import Readiness


def deployment(
    dep: Mapping[str, Any],
    threshold: int = 100,
    now: float | None = None,
    deadline: float = DEADLINE,
) -> Readiness:
    """Readiness of a Deployment; ``now`` (epoch seconds) enables the Available=False deadline rule."""
    meta, spec, status = dep.get("metadata", {}), dep.get("spec", {}), dep.get("status") or {}
    name = meta.get("name", "?")
    if meta.get("generation", 0) > status.get("observedGeneration", 0):
        return Readiness(False, f"waiting for rollout of {name}: generation not observed yet")
    conditions = {c.get("type"): c for c in status.get("conditions") or ()}
    progressing = conditions.get("Progressing") or {}
    if progressing.get("reason") == "ProgressDeadlineExceeded":
        return Readiness(False, f"{name} has exceeded its progress deadline", failed=True)
    available = conditions.get("Available") or {}
    if (
        now is not None
        and available.get("status") == "False"
        and available.get("reason") == "MinimumReplicasUnavailable"
    ):
        since = epoch(available.get("lastTransitionTime"))
        if since is not None and now - since > deadline:
            return Readiness(
                False, f"{name} has had too few available replicas for over {deadline:.0f}s", failed=True
            )
    desired = spec.get("replicas", 1)
    updated = status.get("updatedReplicas", 0)
    total = status.get("replicas", 0)
    ready_needed = math.ceil(updated * threshold / 100)
    if updated < desired:
        return Readiness(
            False, f"waiting for rollout of {name}: {updated} of {desired} updated replicas are available"
        )
    if total > updated:
        return Readiness(
            False, f"waiting for rollout of {name}: {total - updated} old replicas are pending termination"
        )
    if status.get("availableReplicas", 0) < ready_needed:
        have = status.get("availableReplicas", 0)
        return Readiness(
            False, f"waiting for rollout of {name}: {have} of {updated} updated replicas are available"
        )
    return Readiness(True)


def daemonset(
    ds: Mapping[str, Any],
    threshold: int = 100,
    waited: float = 0.0,
    deadline: float = DEADLINE,
) -> Readiness:
    """Readiness of a DaemonSet; ``waited`` is the time since the canary last changed phase (Flagger
    measures a DaemonSet's deadline from the canary's lastTransitionTime)."""
    meta, status = ds.get("metadata", {}), ds.get("status") or {}
    name = meta.get("name", "?")
    if meta.get("generation", 0) > status.get("observedGeneration", 0):
        return Readiness(False, f"waiting for rollout of {name}: generation not observed yet")
    desired = status.get("desiredNumberScheduled", 0)
    updated = status.get("updatedNumberScheduled", 0)
    available = status.get("numberAvailable", 0)
    ready = updated >= desired and available >= math.ceil(desired * threshold / 100)
    if ready:
        return Readiness(True)
    if waited > deadline:
        return Readiness(False, f"{name} has exceeded its progress deadline", failed=True)
    return Readiness(
        False, f"waiting for rollout of {name}: {updated} of {desired} updated, {available} available"
    )


def epoch(text: Any) -> float | None:
    """Seconds since the epoch of an RFC 3339 time such as 2026-01-01T00:00:00Z; None if unreadable."""
    if not isinstance(text, str):
        return None
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
