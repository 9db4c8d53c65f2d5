"""Weight math of the canary strategy and the promotion shift (flagger-behavior.md §3.3, §3.5)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flagger_py.domain import weights
from flagger_py.domain.weights import Routes
from flagger_py.model.canary import Analysis


def analysis(**fields: Any) -> Analysis:
    return Analysis.model_validate({"interval": "1m", "threshold": 5, **fields})


def walk(a: Analysis) -> list[int]:
    """Canary weights of successive passing ticks until max weight."""
    routes, seen = weights.ALL_PRIMARY, []
    while not weights.at_max_weight(a, routes):
        routes = weights.advance(a, routes)
        seen.append(routes.canary)
    return seen


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"stepWeight": 10}, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]),
        ({"stepWeight": 10, "maxWeight": 50}, [10, 20, 30, 40, 50]),
        # Overshoot, as Flagger: max 50 with step 20 goes 20, 40, 60.
        ({"stepWeight": 20, "maxWeight": 50}, [20, 40, 60]),
        ({"stepWeight": 30}, [30, 60, 90, 100]),
        ({"stepWeights": [1, 2, 10, 80]}, [1, 2, 10, 80]),
        ({"stepWeights": [5, 10, 100]}, [5, 10, 100]),
    ],
)
def test_weight_sequence(fields: dict[str, Any], expected: list[int]) -> None:
    assert walk(analysis(**fields)) == expected


@pytest.mark.parametrize(
    ("steps", "current", "step"),
    [
        ([10, 20, 50], 0, 10),
        ([10, 20, 50], 10, 10),
        ([10, 20, 50], 20, 30),
        ([10, 20, 50], 50, 50),  # past the list: what is left to 100
        ([10, 20, 50], 35, 65),  # off the list: what is left to 100
        ([10, 20, 50], 100, 1),  # nothing left: Flagger answers 1
        ([60, 80], 0, 60),
    ],
)
def test_next_step_weight_with_step_weights(steps: list[int], current: int, step: int) -> None:
    assert weights.next_step_weight(analysis(stepWeights=steps), current) == step


def test_max_weight() -> None:
    assert weights.max_weight(analysis(stepWeight=10)) == 100
    assert weights.max_weight(analysis(stepWeight=10, maxWeight=40)) == 40
    assert weights.max_weight(analysis(stepWeights=[5, 25, 45])) == 45


def test_max_weight_zero_is_100_as_in_flagger() -> None:
    """Flagger's maxWeight() takes maxWeight only when above 0: 0 walks the canary up to 100 %
    (flagger-py used to promote at 0 %, with no traffic ever on the canary)."""
    a = analysis(stepWeight=25, maxWeight=0)
    assert weights.max_weight(a) == 100
    assert not weights.at_max_weight(a, weights.ALL_PRIMARY)
    assert walk(a) == [25, 50, 75, 100]


@pytest.mark.parametrize(
    ("promotion", "start", "expected"),
    [
        (None, Routes(50, 50), [100]),
        (0, Routes(50, 50), [100]),
        (20, Routes(50, 50), [70, 90, 100]),
        (30, Routes(0, 100), [30, 60, 90, 100]),
    ],
)
def test_promotion_shift(promotion: int | None, start: Routes, expected: list[int]) -> None:
    a = analysis(stepWeight=10, stepWeightPromotion=promotion)
    routes, seen = start, []
    while routes.primary < 100:
        routes = weights.promotion_step(a, routes)
        seen.append(routes.primary)
    assert seen == expected


def test_routes_must_sum_to_100() -> None:
    with pytest.raises(ValueError, match="sum to 100"):
        Routes(50, 40)


steps = st.integers(min_value=1, max_value=100)
step_lists = st.lists(st.integers(min_value=1, max_value=100), min_size=1, max_size=6, unique=True).map(
    sorted
)


@given(step=steps, max_weight=st.integers(min_value=0, max_value=100))
def test_linear_walk_always_sums_to_100_and_reaches_max(step: int, max_weight: int) -> None:
    a = analysis(stepWeight=step, maxWeight=max_weight)
    seen = walk(a)
    assert len(seen) <= 100
    assert all(0 < w <= 100 for w in seen)
    assert seen == sorted(seen)
    assert not seen or seen[-1] >= max_weight


@given(steps=step_lists)
def test_step_weights_walk_visits_every_step(steps: list[int]) -> None:
    seen = walk(analysis(stepWeights=steps))
    assert seen == steps


@given(step=st.integers(min_value=0, max_value=100), canary=st.integers(min_value=0, max_value=100))
def test_promotion_never_moves_traffic_to_the_canary(step: int, canary: int) -> None:
    before = Routes(100 - canary, canary)
    after = weights.promotion_step(analysis(stepWeight=10, stepWeightPromotion=step), before)
    assert after.primary >= before.primary
    assert after.primary + after.canary == 100
