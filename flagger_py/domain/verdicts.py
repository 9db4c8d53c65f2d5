"""Judging one metric result against its check: pass, fail, or no data (which fails the check).

A metric result is what a provider answered: a value, no value (empty result or NaN), or an error.
Bounds of ``thresholdRange`` are inclusive. The deprecated ``threshold`` is a minimum for the
built-in ``request-success-rate`` and a maximum for everything else, as in Flagger.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import assert_never

from flagger_py.domain import goformat
from flagger_py.model.canary import Canary, Metric

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
    """The verdict on one metric for one tick.

    ``message`` is ours (simulate, status, alerts); ``event`` is the Kubernetes Event of a failed
    check worded exactly as Flagger words it (alert rules and dashboards match on those texts).
    """

    metric: str
    passed: bool
    message: str
    value: float | None = None
    event: str = ""


def judge(metric: Metric, result: Result, canary: Canary) -> Check:
    """The verdict on ``result`` for ``metric`` of ``canary``.

    A metric with neither ``thresholdRange`` nor ``threshold`` is judged against a threshold of 0, as
    Flagger does (its ``threshold`` field is a number that defaults to 0): a success rate passes at any
    value, any other metric fails above 0. A built-in ``request-duration`` is compared in whole
    milliseconds, as Flagger's observers truncate it.
    """
    kind = _kind(metric)
    match result:
        case Failure(message=message):
            text = f"metric {metric.name} could not be queried: {message}"
            return Check(metric.name, False, text, event=_failure_event(kind, metric.name, message))
        case NoData(provider=provider):
            return _no_data(metric, kind, provider, canary)
        case Value(value=value) if math.isnan(value):
            return _no_data(metric, kind, "prometheus", canary)
        case Value(value=value):
            return _bounded(metric, kind, value, canary)
        case _:
            assert_never(result)


def _no_data(metric: Metric, kind: str, provider: str, canary: Canary) -> Check:
    target = canary.spec.target_ref.name
    namespace = canary.metadata.namespace or "default"
    return Check(
        metric.name,
        False,
        f"no values found for {provider} metric {metric.name}: is {target} receiving traffic?",
        event=_no_data_event(kind, metric.name, provider, f"{target}.{namespace}"),
    )


def _bounded(metric: Metric, kind: str, measured: float, canary: Canary) -> Check:
    """The verdict on a value against the metric's bounds."""
    value = measured
    low, high = _bounds(metric)
    if kind == DURATION:  # Flagger: time.Duration(int64(ms)) against time.Duration(threshold) ms
        value = _whole(value)
        low = None if low is None else _whole(low)
        high = None if high is None else _whole(high)
    shown = _show(metric.name, value)
    halt = f"Halt {canary.metadata.name}.{canary.metadata.namespace or 'default'} advancement"
    if low is not None and value < low:
        message = f"{metric.name} {shown} < {_show(metric.name, low)}"
        return Check(
            metric.name, False, message, measured, f"{halt} {_flagger(kind, metric.name, value, '<', low)}"
        )
    if high is not None and value > high:
        message = f"{metric.name} {shown} > {_show(metric.name, high)}"
        return Check(
            metric.name, False, message, measured, f"{halt} {_flagger(kind, metric.name, value, '>', high)}"
        )
    within = f"{metric.name} {shown} within {_range(metric.name, low, high)}"
    return Check(metric.name, True, within, measured)


def _whole(value: float) -> float:
    """``value`` truncated to an integer as Go's conversion to time.Duration does (infinities kept)."""
    return float(math.trunc(value)) if math.isfinite(value) else value


def _kind(metric: Metric) -> str:
    """Which of Flagger's three checks judges the metric: a built-in, an inline query or a template."""
    if metric.template_ref is not None:
        return "template"
    if metric.query:
        return "query"
    return metric.name


def _flagger(kind: str, name: str, value: float, op: str, bound: float) -> str:
    """Flagger's wording of a value out of bounds (after ``Halt <canary>.<ns> advancement``)."""
    if kind == SUCCESS_RATE:
        return f"success rate {value:.2f}% {op} {goformat.float_v(bound)}%"
    if kind == DURATION:
        return f"request duration {goformat.milliseconds_v(value)} {op} {goformat.milliseconds_v(bound)}"
    return f"{name} {value:.2f} {op} {goformat.float_v(bound)}"


def _no_data_event(kind: str, name: str, provider: str, target: str) -> str:
    if kind == SUCCESS_RATE:
        return (
            f"Halt advancement no values found for {provider} metric {name} probably {target} "
            "is not receiving traffic: no values found"
        )
    if kind == DURATION:
        return (
            f"Halt advancement no values found for {provider} metric {name} probably {target} "
            "is not receiving traffic"
        )
    if kind == "query":
        return f"Halt advancement no values found for metric: {name}"
    return f"Halt advancement no values found for custom metric: {name}: no values found"


def _failure_event(kind: str, name: str, message: str) -> str:
    if kind in (SUCCESS_RATE, DURATION):
        return f"Prometheus query failed: {message}"
    if kind == "query":
        return f"Prometheus query failed for {name}: {message}"
    return f"Metric query failed for {name}: {message}"


def _bounds(metric: Metric) -> tuple[float | None, float | None]:
    if metric.threshold_range is not None:
        return metric.threshold_range.min, metric.threshold_range.max
    threshold = metric.threshold or 0.0
    if metric.name == SUCCESS_RATE and metric.query is None and metric.template_ref is None:
        return threshold, None
    return None, threshold


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
