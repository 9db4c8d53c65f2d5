"""The iteration strategies' step (``iterations``): blue/green (mirrored with ``mirror``) and A/B
testing (requests matching ``analysis.match`` to the canary). One iteration per passing tick; then the
confirm-promotion gate; blue/green routes all traffic to the new version for one more tick, then
promotes (the ``kubernetes`` provider switches no traffic before promotion)."""

from __future__ import annotations

from flagger_py.domain import actions as act
from flagger_py.domain.machine.context import Tick
from flagger_py.domain.machine.decision import Decision
from flagger_py.domain.machine.promotion import awaiting_approval, promote
from flagger_py.domain.machine.status_change import StatusChange
from flagger_py.domain.observations import Observe
from flagger_py.domain.weights import ALL_CANARY, Routes


def iteration_step(
    t: Tick, routes: Routes, before: tuple[act.Action, ...], *, ab: bool
) -> Decision | Observe:
    wanted = t.settings.iterations
    done = t.status.iterations
    kubernetes = t.settings.provider == "kubernetes"
    if done < wanted:
        out = list(before)
        if ab:
            out.append(act.SetRoutes(ALL_CANARY))
        elif t.spec.analysis.mirror and not kubernetes and not routes.mirrored:
            out.append(act.SetRoutes(Routes(100, 0, mirrored=True)))
        out.append(t.event(f"Advance {t.canary} canary iteration {done + 1}/{wanted}"))
        return t.done(*out, status=t.enter("Progressing", StatusChange(iterations=done + 1)))
    held = awaiting_approval(t)
    if held is not None:
        return held
    if ab or done > wanted:
        return promote(t, before)
    # Blue/green: all traffic to the new version for one more analysis tick, then promote.
    out = list(before)
    weight = 0
    if not kubernetes:
        verb = "Stop traffic mirroring and route" if routes.mirrored else "Routing"
        out += [act.SetRoutes(ALL_CANARY), t.event(f"{verb} all traffic to canary")]
        weight = 100
    status = t.enter("Progressing", StatusChange(iterations=done + 1, canary_weight=weight))
    return t.done(*out, status=status)
