"""Settings Flagger reads differently from how they look, or that would never let a release finish:
each is matched to Flagger or refused with the field and the fix (docs/differences-from-flagger.md)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from flagger_py.errors import Problem
from flagger_py.model import Canary
from flagger_py.model.problems import from_validation_error


def body(spec: dict[str, Any] | None = None, **analysis: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "podinfo"},
        "spec": {
            "provider": "istio",
            "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
            "analysis": {"interval": "1m", "threshold": 5, **analysis},
            **(spec or {}),
        },
    }


def problems(content: dict[str, Any]) -> list[Problem]:
    with pytest.raises(ValidationError) as info:
        Canary.model_validate(content)
    return from_validation_error(info.value)


@pytest.mark.parametrize(
    ("analysis", "start", "fix"),
    [
        ({"stepWeight": 0}, "stepWeight 0 never moves traffic", "set stepWeight between 1 and 100"),
        ({"stepWeights": []}, "stepWeights is empty", "list the weights (e.g. [10, 20, 50])"),
        ({"iterations": 0}, "iterations 0 runs no analysis step", "set iterations to 1 or more"),
        ({"iterations": 0, "match": [{"headers": {"x": {"exact": "1"}}}]}, "iterations 0", "set iterations"),
    ],
)
def test_a_strategy_that_never_finishes_is_refused(analysis: dict[str, Any], start: str, fix: str) -> None:
    """Flagger runs these forever: nextStepWeight is 0 (stepWeight 0, no stepWeights), so the canary stays
    at 0 % and Progressing; 0 iterations is the canary strategy with no step at all."""
    (problem,) = problems(body(**analysis))
    assert problem.path == "spec.analysis"
    assert problem.message.startswith(start)
    assert fix in problem.message
    assert "never finish" in problem.message


@pytest.mark.parametrize("analysis", [{"stepWeight": 0}, {"stepWeights": []}, {"iterations": 0}])
def test_the_kubernetes_router_and_skip_analysis_finish_them_as_in_flagger(analysis: dict[str, Any]) -> None:
    """Flagger gives a kubernetes-provider Canary 10 iterations whatever it says, and skipAnalysis
    promotes before any step: both finish, so both are accepted."""
    assert Canary.model_validate(body({"provider": "kubernetes"}, **analysis))
    assert Canary.model_validate(body({"skipAnalysis": True}, **analysis))


def test_without_a_provider_the_message_says_how_to_mean_the_kubernetes_router() -> None:
    content = body(stepWeight=0)
    del content["spec"]["provider"]
    (problem,) = problems(content)
    assert "set spec.provider: kubernetes" in problem.message


def test_progress_deadline_zero_is_refused_not_read_as_600() -> None:
    """Flagger reads 0 as no time at all (every not-ready check is past the deadline); flagger-py used
    to read it as the default 600 without a word."""
    (problem,) = problems(body({"progressDeadlineSeconds": 0}, stepWeight=10))
    assert problem.path == "spec.progressDeadlineSeconds"
    assert problem.message.startswith("0 gives a rollout no time at all")
    assert "leave the field out for the default 600" in problem.message


def test_progress_deadline_beyond_flaggers_int32_is_refused() -> None:
    (problem,) = problems(body({"progressDeadlineSeconds": 2**31}, stepWeight=10))
    assert problem == Problem(
        "spec.progressDeadlineSeconds",
        "must be at most 2147483647 (got 2147483648): Flagger reads it as a 32-bit integer; "
        "leave the field out for the default 600",
    )
    assert Canary.model_validate(body({"progressDeadlineSeconds": 2**31 - 1}, stepWeight=10))


@pytest.mark.parametrize(
    ("analysis", "path"),
    [
        ({"stepWeight": 10, "threshold": 2**63}, "spec.analysis.threshold"),
        ({"iterations": 2**63}, "spec.analysis.iterations"),
    ],
)
def test_counts_beyond_a_go_int_are_refused(analysis: dict[str, Any], path: str) -> None:
    (problem,) = problems(body(**analysis))
    assert problem == Problem(path, f"must be at most {2**63 - 1} (got {2**63})")


@pytest.mark.parametrize(
    ("metric", "path"),
    [
        ({"thresholdRange": {"max": float("nan")}}, "thresholdRange.max"),
        ({"thresholdRange": {"min": float("inf")}}, "thresholdRange.min"),
        ({"threshold": float("-inf")}, "threshold"),
    ],
)
def test_bounds_must_be_finite(metric: dict[str, Any], path: str) -> None:
    """A NaN bound passes every value (no comparison with NaN is true); Kubernetes' JSON has neither."""
    (problem,) = problems(body(stepWeight=10, metrics=[{"name": "request-duration", **metric}]))
    assert problem.path == f"spec.analysis.metrics[0].{path}"
    assert problem.message.startswith("must be a finite number")


@pytest.mark.parametrize(
    ("analysis", "message"),
    [
        ({"interval": "-1m", "stepWeight": 10}, "must not be negative (got '-1m')"),
        ({"interval": 5, "stepWeight": 10}, "a bare number has no unit, write 5s or 5m"),
        ({"interval": "1m100000000h", "stepWeight": 10}, "must be at most 2562047h47m16.854775807s"),
    ],
)
def test_durations_in_the_spec(analysis: dict[str, Any], message: str) -> None:
    (problem,) = problems(body(**analysis))
    assert problem.path == "spec.analysis.interval"
    assert message in problem.message


def test_a_long_value_is_quoted_short() -> None:
    (problem,) = problems(body(stepWeight=10, threshold="x" * 5000))
    assert problem.path == "spec.analysis.threshold"
    assert len(problem.message) < 120
