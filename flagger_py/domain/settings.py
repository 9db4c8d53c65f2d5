"""Effective analysis settings: Flagger's defaults and clamps applied to what the user wrote."""

from __future__ import annotations

from typing import Literal

from flagger_py.model.canary import Analysis, CanarySpec

Strategy = Literal["canary", "blue-green", "ab-testing"]

DEFAULT_INTERVAL_SECONDS = 60.0
MIN_INTERVAL_SECONDS = 10.0
DEFAULT_PROGRESS_DEADLINE_SECONDS = 600
KUBERNETES_DEFAULT_ITERATIONS = 10


def interval_seconds(analysis: Analysis) -> float:
    """Tick period of a resolved Canary (``effective.resolve`` bounds it by ``-min-interval``, whose
    default is Flagger's fixed 10 s)."""
    return analysis.interval.seconds


def threshold(analysis: Analysis) -> int:
    """Failed checks that trigger a rollback; values under 1 count as 1."""
    return max(1, analysis.threshold)


def strategy(analysis: Analysis, provider: str | None) -> Strategy:
    """A/B with match and iterations, blue/green with iterations, canary otherwise.

    The kubernetes provider cannot split traffic, so it always runs blue/green.
    """
    if provider == "kubernetes":
        return "blue-green"
    if analysis.iterations and analysis.match:
        return "ab-testing"
    if analysis.iterations:
        return "blue-green"
    return "canary"


def iterations(analysis: Analysis, provider: str | None) -> int:
    """Analysis ticks of a blue/green or A/B run (kubernetes provider: 10 when unset)."""
    count = analysis.iterations or 0
    if provider == "kubernetes" and count < 1:
        return KUBERNETES_DEFAULT_ITERATIONS
    return count


def progress_deadline_seconds(spec: CanarySpec) -> int:
    """Seconds a rollout may take before the release fails: progressDeadlineSeconds, else 600
    (0 is refused by the model: Flagger would allow no time at all)."""
    seconds = spec.progress_deadline_seconds
    return DEFAULT_PROGRESS_DEADLINE_SECONDS if seconds is None else seconds


def ready_threshold(percent: int | None) -> int:
    """Percentage of replicas that must be available; default 100."""
    return 100 if percent is None else percent
