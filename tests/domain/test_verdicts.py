"""Metric verdicts: inclusive thresholdRange, the deprecated threshold, no data, errors."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flagger_py.domain import verdicts
from flagger_py.domain.verdicts import Failure, NoData, Value
from flagger_py.model.canary import Metric


def metric(**fields: Any) -> Metric:
    return Metric.model_validate({"name": "request-success-rate", "interval": "1m", **fields})


@pytest.mark.parametrize(
    ("fields", "value", "passed"),
    [
        ({"thresholdRange": {"min": 99}}, 99.0, True),  # bounds are inclusive
        ({"thresholdRange": {"min": 99}}, 98.9, False),
        ({"thresholdRange": {"min": 99, "max": 100}}, 100.0, True),
        ({"name": "request-duration", "thresholdRange": {"max": 500}}, 500.0, True),
        ({"name": "request-duration", "thresholdRange": {"max": 500}}, 500.1, False),
        # Deprecated threshold: a minimum for the success rate, a maximum for everything else.
        ({"threshold": 99}, 98.0, False),
        ({"threshold": 99}, 99.5, True),
        ({"name": "request-duration", "threshold": 500}, 501.0, False),
        ({"name": "errors", "templateRef": {"name": "errors"}, "threshold": 5}, 4.0, True),
        ({"name": "errors", "templateRef": {"name": "errors"}}, 1e9, True),  # no bounds: always passes
    ],
)
def test_value_against_bounds(fields: dict[str, Any], value: float, passed: bool) -> None:
    assert verdicts.judge(metric(**fields), Value(value), "podinfo").passed is passed


def test_messages() -> None:
    check = verdicts.judge(metric(thresholdRange={"min": 99}), Value(95.5), "podinfo")
    assert check.message == "request-success-rate 95.5% < 99%"
    check = verdicts.judge(
        metric(name="request-duration", thresholdRange={"max": 500}), Value(120), "podinfo"
    )
    assert check.message == "request-duration 120ms within [-inf, 500ms]"


def test_no_data_fails_and_says_why() -> None:
    check = verdicts.judge(metric(thresholdRange={"min": 99}), NoData("prometheus"), "podinfo")
    assert not check.passed
    assert check.message == (
        "no values found for prometheus metric request-success-rate: is podinfo receiving traffic?"
    )
    assert not verdicts.judge(metric(thresholdRange={"min": 99}), Value(math.nan), "podinfo").passed


def test_provider_failure_fails_the_check() -> None:
    check = verdicts.judge(metric(thresholdRange={"min": 99}), Failure("connection refused"), "podinfo")
    assert not check.passed
    assert "connection refused" in check.message


finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9)


@given(low=finite, high=finite, value=finite)
def test_range_is_inclusive_and_exact(low: float, high: float, value: float) -> None:
    low, high = min(low, high), max(low, high)
    check = verdicts.judge(metric(thresholdRange={"min": low, "max": high}), Value(value), "podinfo")
    assert check.passed == (low <= value <= high)


@given(low=st.none() | finite, high=st.none() | finite, value=finite)
def test_open_bounds(low: float | None, high: float | None, value: float) -> None:
    if low is not None and high is not None:
        low, high = min(low, high), max(low, high)
    bounds = {k: v for k, v in (("min", low), ("max", high)) if v is not None}
    check = verdicts.judge(metric(thresholdRange=bounds), Value(value), "podinfo")
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
    check = verdicts.judge(metric(name=name, threshold=threshold, **custom), Value(value), "podinfo")
    assert check.passed == (value >= threshold if name == "request-success-rate" else value <= threshold)
