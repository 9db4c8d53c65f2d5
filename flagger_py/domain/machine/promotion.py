"""Promotion: the confirm-promotion gate (``WaitingPromotion`` while it is closed), ``Promoting`` (the
target's spec copied to the primary), and the traffic shift back to the primary (``stepWeightPromotion``,
or all at once) until ``Finalising``."""

from __future__ import annotations

from flagger_py.domain import actions as act
from flagger_py.domain import weights
from flagger_py.domain.machine.context import Tick
from flagger_py.domain.machine.decision import Decision
from flagger_py.domain.machine.gates import hold
from flagger_py.domain.machine.status_change import StatusChange
from flagger_py.domain.observations import Observe
from flagger_py.domain.weights import ALL_PRIMARY, Routes


def awaiting_approval(t: Tick) -> Decision | Observe | None:
    """What the confirm-promotion gate says when it is not open (it held the run, or its outcome is
    needed first); None when it is open."""
    gate = t.hook("confirm-promotion")
    if isinstance(gate, Observe):
        return gate
    if gate.passed:
        return None
    alert = "Canary promotion is waiting for approval."
    return hold(t, "confirm-promotion", "WaitingPromotion", alert, gate)


def promote(t: Tick, before: tuple[act.Action, ...]) -> Decision:
    primary = f"{t.spec.target_ref.name}-primary.{t.settings.namespace}"
    event = t.event(f"Copying {t.target} template spec to {primary}")
    return t.done(*before, event, act.Promote(), status=t.enter("Promoting"))


def shift_to_primary(t: Tick, routes: Routes) -> Decision:
    """One tick of ``Promoting``: traffic back to the primary by ``stepWeightPromotion``; all of it
    there, ``Finalising``."""
    scaler = act.ReconcilePrimaryScaler()
    if t.settings.provider == "kubernetes":
        return t.done(scaler, status=t.enter("Finalising"))
    target = weights.promotion_step(t.spec.analysis, Routes(routes.primary, routes.canary))
    if target.primary >= 100:
        event = t.event("Routing all traffic to primary")
        return t.done(scaler, act.SetRoutes(ALL_PRIMARY), event, status=t.enter("Finalising"))
    event = t.event(f"Advance {t.canary} primary weight {target.primary}")
    status = t.enter("Promoting", StatusChange(canary_weight=target.canary))
    return t.done(scaler, act.SetRoutes(target), event, status=status)
