"""Every phase change decide() makes is one ``phases.TRANSITIONS`` allows: random worlds (any strategy
and provider, gates, readiness, metrics, new revisions, suspend and skipAnalysis flipped mid-run) driven
tick by tick, each observed phase change checked against the table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flagger_py.domain import phases
from flagger_py.domain.machine import Decision
from flagger_py.domain.observations import HookKind, HookOutcome, Readiness
from flagger_py.domain.verdicts import Check
from flagger_py.model.canary import CanarySpec
from tests.domain.world import World, hooks, spec

KINDS: tuple[HookKind, ...] = get_args(HookKind)
T = TypeVar("T")
UNREADY = st.sampled_from([Readiness(False, "rolling out"), Readiness(False, "deadline exceeded", True)])

MATCH = [{"headers": {"x-canary": {"exact": "1"}}}]
STEPS = st.lists(st.integers(1, 100), min_size=1, max_size=4)
strategies = st.one_of(
    st.builds(lambda w, top: {"stepWeight": w, "maxWeight": top}, st.integers(1, 60), st.integers(0, 100)),
    st.builds(lambda ws: {"stepWeights": sorted(set(ws))}, STEPS),
    st.builds(lambda n: {"iterations": n}, st.integers(1, 3)),
    st.builds(lambda n: {"iterations": n, "match": MATCH}, st.integers(1, 3)),
)


@st.composite
def canary_specs(draw: st.DrawFn) -> CanarySpec:
    analysis: dict[str, Any] = draw(strategies)
    analysis["threshold"] = draw(st.integers(1, 3))
    analysis["stepWeightPromotion"] = draw(st.sampled_from([0, 30, 50]))
    analysis["mirror"] = draw(st.booleans())
    if draw(st.booleans()):
        analysis["metrics"] = [{"name": "request-success-rate", "interval": "1m"}]
    analysis["webhooks"] = hooks(*draw(st.sets(st.sampled_from(KINDS))))
    if draw(st.booleans()):
        analysis["sessionAffinity"] = {"cookieName": "flagger-cookie"}
    provider = draw(st.sampled_from(["istio", "kubernetes"]))
    return spec(provider=provider, spec={"skipAnalysis": draw(st.booleans())}, **analysis)


class Lenient(World):
    """A world whose canary may break at any time: World.apply refuses traffic to an unready canary,
    but a failed promotion routes to the canary whatever its readiness, as Flagger does."""

    def apply(self, decision: Decision) -> None:
        self.status = decision.status


@settings(max_examples=80, deadline=None)
@given(canary=canary_specs(), trouble=st.sampled_from([0, 1, 3]), data=st.data())
def test_every_phase_change_is_in_the_table(canary: CanarySpec, trouble: int, data: st.DataObject) -> None:
    """``trouble`` in 10 is how often something goes wrong in a tick (gentle worlds reach promotion)."""
    world = Lenient(canary)

    def bad() -> bool:
        return data.draw(st.integers(0, 9)) < trouble

    for tick in range(30):
        if data.draw(st.integers(0, 9)) == 0:
            world.revision = f"rev-{tick}"
        if bad() and bad():
            field = data.draw(st.sampled_from(["suspend", "skip_analysis"]))
            world.spec = world.spec.model_copy(update={field: not getattr(world.spec, field)})
        world.primary = data.draw(UNREADY) if bad() else Readiness(True)
        world.canary = data.draw(UNREADY) if bad() else Readiness(True)
        outcomes = {kind: HookOutcome(bad() == (kind == "rollback"), "closed", hook=kind) for kind in KINDS}
        world.hook_script = {kind: _always(outcome) for kind, outcome in outcomes.items()}
        world.metrics = _always((Check("request-success-rate", not bad(), "m", 99.0),))
        before = world.status.phase
        world.step()  # a change the table refuses raises phases.IllegalTransition inside decide()
        assert phases.can_transition(before, world.status.phase), (before, world.status.phase)


def _always(value: T) -> Callable[[int], T]:
    return lambda _tick: value


def test_skip_analysis_set_while_waiting_for_promotion_ends_the_run() -> None:
    world = World(spec(stepWeight=50, webhooks=hooks("confirm-promotion")))
    world.hook_script = {"confirm-promotion": lambda _t: HookOutcome(False, "closed")}
    world.step()
    world.revision = "rev-2"
    phases_seen = [phase for phase, _weight in world.run(4)]
    assert phases_seen[-1] == "WaitingPromotion"
    world.spec = world.spec.model_copy(update={"skip_analysis": True})
    assert world.step().status.phase == "Succeeded"


def test_a_change_the_table_refuses_is_a_programming_error() -> None:
    with pytest.raises(phases.IllegalTransition, match="'Failed' -> 'Promoting'"):
        phases.check("Failed", "Promoting")
