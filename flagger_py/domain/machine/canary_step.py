"""The canary strategy's step (``stepWeight`` / ``stepWeights``): mirroring first with ``mirror``, the
confirm-traffic-increase gate, the next weight; at max weight, the promotion."""

from __future__ import annotations

from flagger_py.domain import actions as act
from flagger_py.domain import weights
from flagger_py.domain.machine.context import Tick
from flagger_py.domain.machine.decision import Decision
from flagger_py.domain.machine.gates import hold
from flagger_py.domain.machine.promotion import awaiting_approval, promote
from flagger_py.domain.machine.status_change import StatusChange
from flagger_py.domain.observations import Observe
from flagger_py.domain.weights import Routes


def canary_step(t: Tick, routes: Routes, before: tuple[act.Action, ...]) -> Decision | Observe:
    analysis = t.spec.analysis
    if weights.at_max_weight(analysis, routes):
        held = awaiting_approval(t)
        return promote(t, before) if held is None else held
    if analysis.mirror and routes.canary == 0 and not routes.mirrored:
        mirrored = Routes(100, 0, mirrored=True)
        return t.done(*before, act.SetRoutes(mirrored), t.event(f"Start traffic mirroring for {t.canary}"))
    if not routes.mirrored:
        gate = t.hook("confirm-traffic-increase")
        if isinstance(gate, Observe):
            return gate
        if not gate.passed:
            alert = "Canary traffic increase is waiting for approval."
            return hold(t, "confirm-traffic-increase", "Progressing", alert, gate, every_tick=True)
    target = weights.advance(analysis, Routes(routes.primary, routes.canary))
    status = t.enter("Progressing", StatusChange(canary_weight=target.canary))
    message = f"Advance {t.canary} canary weight {target.canary}"
    return t.done(*before, act.SetRoutes(target), t.event(message), status=status)
