"""Metric verdicts: inclusive thresholdRange, the deprecated threshold, no data, errors."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flagger_py.domain import verdicts
from flagger_py.domain.verdicts import Failure, NoData, Value
from flagger_py.model.canary import Canary, Metric

CANARY = Canary.model_validate(
    {
        "metadata": {"name": "podinfo", "namespace": "test"},
        "spec": {
            "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
            "analysis": {"interval": "1m", "threshold": 5, "stepWeight": 10},
        },
    }
)


def metric(**fields: Any) -> Metric:
    return Metric.model_validate({"name": "request-success-rate", "interval": "1m", **fields})


@pytest.mark.parametrize(
    ("fields", "value", "passed"),
    [
        ({"thresholdRange": {"min": 99}}, 99.0, True),  # bounds are inclusive
        ({"thresholdRange": {"min": 99}}, 98.9, False),
        ({"thresholdRange": {"min": 99, "max": 100}}, 100.0, True),
        ({"name": "request-duration", "thresholdRange": {"max": 500}}, 500.0, True),
        ({"name": "request-duration", "thresholdRange": {"max": 500}}, 501.0, False),
        # Deprecated threshold: a minimum for the success rate, a maximum for everything else.
        ({"threshold": 99}, 98.0, False),
        ({"threshold": 99}, 99.5, True),
        ({"name": "request-duration", "threshold": 500}, 501.0, False),
        ({"name": "errors", "templateRef": {"name": "errors"}, "threshold": 5}, 4.0, True),
        # Neither threshold nor thresholdRange: Flagger's threshold 0 (a number defaulting to 0).
        ({"name": "errors", "templateRef": {"name": "errors"}}, 0.0, True),
        ({"name": "errors", "templateRef": {"name": "errors"}}, 0.1, False),
        ({"name": "request-duration"}, 1.0, False),
        ({}, 0.0, True),  # a success rate with no threshold passes at any value
        # Flagger truncates a built-in request-duration to whole milliseconds before comparing.
        ({"name": "request-duration", "thresholdRange": {"max": 500}}, 500.9, True),
    ],
)
def test_value_against_bounds(fields: dict[str, Any], value: float, passed: bool) -> None:
    assert verdicts.judge(metric(**fields), Value(value), CANARY).passed is passed


def test_messages() -> None:
    check = verdicts.judge(metric(thresholdRange={"min": 99}), Value(95.5), CANARY)
    assert check.message == "request-success-rate 95.5% < 99%"
    check = verdicts.judge(metric(name="request-duration", thresholdRange={"max": 500}), Value(120), CANARY)
    assert check.message == "request-duration 120ms within [-inf, 500ms]"


def test_no_data_fails_and_says_why() -> None:
    check = verdicts.judge(metric(thresholdRange={"min": 99}), NoData("prometheus"), CANARY)
    assert not check.passed
    assert check.message == (
        "no values found for prometheus metric request-success-rate: is podinfo receiving traffic?"
    )
    assert not verdicts.judge(metric(thresholdRange={"min": 99}), Value(math.nan), CANARY).passed


def test_provider_failure_fails_the_check() -> None:
    check = verdicts.judge(metric(thresholdRange={"min": 99}), Failure("connection refused"), CANARY)
    assert not check.passed
    assert "connection refused" in check.message


finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9)


@given(low=finite, high=finite, value=finite)
def test_range_is_inclusive_and_exact(low: float, high: float, value: float) -> None:
    low, high = min(low, high), max(low, high)
    check = verdicts.judge(metric(thresholdRange={"min": low, "max": high}), Value(value), CANARY)
    assert check.passed == (low <= value <= high)


@given(low=st.none() | finite, high=st.none() | finite, value=finite)
def test_open_bounds(low: float | None, high: float | None, value: float) -> None:
    if low is not None and high is not None:
        low, high = min(low, high), max(low, high)
    bounds = {k: v for k, v in (("min", low), ("max", high)) if v is not None}
    check = verdicts.judge(metric(thresholdRange=bounds), Value(value), CANARY)
    assert check.passed == ((low is None or value >= low) and (high is None or value <= high))


@given(
    threshold=finite,
    value=finite,
    name=st.sampled_from(["request-success-rate", "request-duration", "errors"]),
)
def test_deprecated_threshold_is_a_minimum_for_success_rate_only(
    threshold: float, value: float, name: str
) -> None:
    custom = {"templateRef": {"name": "errors"}} if name == "errors" else {}
    check = verdicts.judge(metric(name=name, threshold=threshold, **custom), Value(value), CANARY)
    if name == "request-duration":  # compared in whole milliseconds, as Flagger's observers return it
        value, threshold = float(math.trunc(value)), float(math.trunc(threshold))
    assert check.passed == (value >= threshold if name == "request-success-rate" else value <= threshold)


@pytest.mark.parametrize(
    ("fields", "result", "event"),
    [
        # Texts of Flagger 1.44's pkg/controller/scheduler_metrics.go, byte for byte.
        (
            {"thresholdRange": {"min": 99}},
            Value(95.456),
            "Halt podinfo.test advancement success rate 95.46% < 99%",
        ),
        (
            {"thresholdRange": {"max": 99.5}},
            Value(100),
            "Halt podinfo.test advancement success rate 100.00% > 99.5%",
        ),
        ({"threshold": 99}, Value(90), "Halt podinfo.test advancement success rate 90.00% < 99%"),
        (
            {"name": "request-duration", "thresholdRange": {"max": 500}},
            Value(1500.7),
            "Halt podinfo.test advancement request duration 1.5s > 500ms",
        ),
        (
            {"name": "request-duration", "thresholdRange": {"min": 10}},
            Value(0.4),
            "Halt podinfo.test advancement request duration 0s < 10ms",
        ),
        (
            {"name": "errors", "query": "sum(x)", "thresholdRange": {"max": 1000000}},
            Value(2e6),
            "Halt podinfo.test advancement errors 2000000.00 > 1e+06",
        ),
        (
            {"name": "errors", "templateRef": {"name": "e"}, "threshold": 1.5},
            Value(2),
            "Halt podinfo.test advancement errors 2.00 > 1.5",
        ),
        (
            {"thresholdRange": {"min": 99}},
            NoData("istio"),
            "Halt advancement no values found for istio metric request-success-rate probably podinfo.test "
            "is not receiving traffic: no values found",
        ),
        (
            {"name": "request-duration", "threshold": 5},
            NoData("linkerd"),
            "Halt advancement no values found for linkerd metric request-duration probably podinfo.test "
            "is not receiving traffic",
        ),
        (
            {"name": "errors", "query": "sum(x)"},
            NoData("prometheus"),
            "Halt advancement no values found for metric: errors",
        ),
        (
            {"name": "errors", "templateRef": {"name": "e"}},
            NoData("datadog"),
            "Halt advancement no values found for custom metric: errors: no values found",
        ),
        ({"thresholdRange": {"min": 99}}, Failure("boom"), "Prometheus query failed: boom"),
        ({"name": "errors", "query": "sum(x)"}, Failure("boom"), "Prometheus query failed for errors: boom"),
        (
            {"name": "errors", "templateRef": {"name": "e"}},
            Failure("boom"),
            "Metric query failed for errors: boom",
        ),
    ],
)
def test_failed_checks_are_worded_as_flaggers_events(
    fields: dict[str, Any], result: verdicts.Result, event: str
) -> None:
    check = verdicts.judge(metric(**fields), result, CANARY)
    assert not check.passed
    assert check.event == event


def test_passing_checks_have_no_event() -> None:
    assert verdicts.judge(metric(thresholdRange={"min": 99}), Value(99.5), CANARY).event == ""
