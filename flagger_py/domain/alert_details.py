"""The details Flagger attaches to the alerts of a new revision (flagger-behavior.md §7.1), from the
canary's settings: target, failure threshold, progress deadline and how traffic moves."""

from __future__ import annotations

from typing import assert_never

from flagger_py.domain import weights
from flagger_py.domain.effective import Settings
from flagger_py.model.canary import CanarySpec

Details = tuple[tuple[str, str], ...]


def details(settings: Settings, spec: CanarySpec) -> Details:
    target = spec.target_ref
    return (
        ("Target", f"{target.kind}/{target.name}.{settings.namespace}"),
        ("Failed checks threshold", str(settings.threshold)),
        ("Progress deadline", f"{settings.progress_deadline}s"),
        ("Traffic routing", _routing(settings, spec)),
    )


def _routing(settings: Settings, spec: CanarySpec) -> str:
    strategy = settings.strategy
    match strategy:
        case "ab-testing":
            return "A/B Testing"
        case "blue-green":
            return "Blue/Green"
        case "canary":
            analysis = spec.analysis
            top = weights.max_weight(analysis)
            if analysis.step_weights and not analysis.step_weight:
                steps = ",".join(str(w) for w in analysis.step_weights)
                return f"Weight steps: {steps} max: {top}"
            return f"Weight step: {analysis.step_weight} max: {top}"
        case _:
            assert_never(strategy)
