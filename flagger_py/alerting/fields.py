"""The fields Flagger attaches to alerts (flagger-behavior.md §7.1) and the severity filter."""

from __future__ import annotations

from flagger_py.domain import settings, weights
from flagger_py.domain.actions import Severity
from flagger_py.model.canary import Canary

RANK = {"info": 0, "warn": 1, "error": 2}


def wanted(filter_severity: str | None, severity: Severity) -> bool:
    """Whether an alert route with ``filter_severity`` takes an alert of ``severity``.

    info takes everything, warn takes warn and error, error only error; an empty filter means info
    (as Flagger documents; Flagger's code sends nothing for it — DESIGN.md §6.4)."""
    return RANK[severity] >= RANK[filter_severity or "info"]


def fields(
    canary: Canary, cluster_name: str = "", with_metadata: bool = False
) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    if cluster_name:
        out.append(("Cluster", cluster_name))
    if not with_metadata:
        return tuple(out)
    spec = canary.spec
    analysis = spec.analysis
    namespace = canary.metadata.namespace or "default"
    out.append(("Target", f"{spec.target_ref.kind}/{spec.target_ref.name}.{namespace}"))
    out.append(("Failed checks threshold", str(settings.threshold(analysis))))
    deadline = spec.progress_deadline_seconds or settings.DEFAULT_PROGRESS_DEADLINE_SECONDS
    out.append(("Progress deadline", f"{deadline}s"))
    out.append(("Traffic routing", _routing(canary)))
    return tuple(out)


def _routing(canary: Canary) -> str:
    analysis = canary.spec.analysis
    strategy = settings.strategy(analysis, canary.spec.provider)
    if strategy == "ab-testing":
        return "A/B Testing"
    if strategy == "blue-green":
        return "Blue/Green"
    top = weights.max_weight(analysis)
    if analysis.step_weights and not analysis.step_weight:
        steps = ",".join(str(w) for w in analysis.step_weights)
        return f"Weight steps: {steps} max: {top}"
    return f"Weight step: {analysis.step_weight} max: {top}"
