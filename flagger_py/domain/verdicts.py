"""Judging one metric result against its check: pass, fail, or no data (which fails the check).

A metric result is what a provider answered: a value, no value (empty result or NaN), or an error.
Bounds of ``thresholdRange`` are inclusive. The deprecated ``threshold`` is a minimum for
``request-success-rate`` and a maximum for everything else, as in Flagger.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from flagger_py.model.canary import Metric

SUCCESS_RATE = "request-success-rate"
DURATION = "request-duration"


@dataclass(frozen=True)
class Value:
    """The provider answered with a number (request-duration: milliseconds)."""

    value: float


@dataclass(frozen=True)
class NoData:
    """The query ran but returned nothing (empty vector, NaN, empty series)."""

    provider: str


@dataclass(frozen=True)
class Failure:
    """The query could not be run (provider down, bad credentials, bad query)."""

    message: str


Result = Value | NoData | Failure


@dataclass(frozen=True)
class Check:
    """The verdict on one metric for one tick."""

    metric: str
    passed: bool
    message: str
    value: float | None = None


def judge(metric: Metric, result: Result, target: str) -> Check:
    """The verdict on ``result`` for ``metric`` of the canary whose target is ``target``."""
    if isinstance(result, Failure):
        return Check(metric.name, False, f"metric {metric.name} could not be queried: {result.message}")
    if isinstance(result, NoData) or math.isnan(result.value):
        provider = result.provider if isinstance(result, NoData) else "prometheus"
        return Check(
            metric.name,
            False,
            f"no values found for {provider} metric {metric.name}: is {target} receiving traffic?",
        )
    value = result.value
    shown = _show(metric.name, value)
    low, high = _bounds(metric)
    if low is not None and value < low:
        return Check(metric.name, False, f"{metric.name} {shown} < {_show(metric.name, low)}", value)
    if high is not None and value > high:
        return Check(metric.name, False, f"{metric.name} {shown} > {_show(metric.name, high)}", value)
    return Check(metric.name, True, f"{metric.name} {shown} within {_range(metric.name, low, high)}", value)


def _bounds(metric: Metric) -> tuple[float | None, float | None]:
    if metric.threshold_range is not None:
        return metric.threshold_range.min, metric.threshold_range.max
    if metric.threshold is not None:
        if metric.name == SUCCESS_RATE:
            return metric.threshold, None
        return None, metric.threshold
    return None, None


def _show(name: str, value: float) -> str:
    if name == DURATION:
        return f"{value:g}ms"
    if name == SUCCESS_RATE:
        return f"{value:g}%"
    return f"{value:g}"


def _range(name: str, low: float | None, high: float | None) -> str:
    if low is None and high is None:
        return "(no bounds)"
    left = "-inf" if low is None else _show(name, low)
    right = "+inf" if high is None else _show(name, high)
    return f"[{left}, {right}]"
