"""Traffic weight math of the canary strategy and of the promotion traffic shift.

Weights are integer percentages; the primary and the canary always sum to 100.
"""

from __future__ import annotations

from dataclasses import dataclass

from flagger_py.model.canary import Analysis


@dataclass(frozen=True)
class Routes:
    """What the router sends where: primary and canary percentages, and whether traffic is mirrored."""

    primary: int
    canary: int
    mirrored: bool = False

    def __post_init__(self) -> None:
        if not (0 <= self.primary <= 100 and 0 <= self.canary <= 100 and self.primary + self.canary == 100):
            raise ValueError(f"weights must be 0-100 and sum to 100 (got {self.primary}/{self.canary})")


ALL_PRIMARY = Routes(100, 0)
ALL_CANARY = Routes(0, 100)


def max_weight(analysis: Analysis) -> int:
    """Highest canary weight of the analysis (Flagger's maxWeight()): with stepWeights the last step;
    else maxWeight when above 0; else 100. ``maxWeight: 0`` is 100, as in Flagger (not a promotion
    at 0 %)."""
    if analysis.step_weights and not analysis.step_weight:
        return min(100, analysis.step_weights[-1])
    return analysis.max_weight or 100


def next_step_weight(analysis: Analysis, canary_weight: int) -> int:
    """How much weight the next passing tick adds (Flagger's nextStepWeight).

    stepWeight wins when set. With stepWeights: from 0 the first step; from a listed step, the gap to
    the next one; past the list (or off it), whatever is left to 100; never more than is left.
    """
    if analysis.step_weight or not analysis.step_weights:
        return analysis.step_weight or 0
    steps = analysis.step_weights
    left = 100 - canary_weight
    if left == 0:
        return 1
    if canary_weight == 0:
        return min(left, steps[0])
    for index, step in enumerate(steps[:-1]):
        if canary_weight == step:
            return min(left, steps[index + 1] - canary_weight)
    return left


def advance(analysis: Analysis, routes: Routes) -> Routes:
    """The routes after one passing tick below max weight (overshoot allowed, as Flagger does)."""
    step = next_step_weight(analysis, routes.canary)
    canary = min(100, routes.canary + step)
    return Routes(100 - canary, canary)


def promotion_step(analysis: Analysis, routes: Routes) -> Routes:
    """The routes after one tick of the promotion traffic shift (stepWeightPromotion; 0 = all at once)."""
    step = analysis.step_weight_promotion or 0
    if step <= 0:
        return ALL_PRIMARY
    primary = min(100, routes.primary + step)
    return Routes(primary, 100 - primary)


def at_max_weight(analysis: Analysis, routes: Routes) -> bool:
    """True when the canary has reached max weight: the next passing tick promotes."""
    return routes.canary >= max_weight(analysis)
