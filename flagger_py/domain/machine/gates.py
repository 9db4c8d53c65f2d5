"""A closed gate (confirm-rollout, confirm-traffic-increase, confirm-promotion) holding the run."""

from __future__ import annotations

from flagger_py.domain import actions as act
from flagger_py.domain import hook_events
from flagger_py.domain.machine.context import Tick
from flagger_py.domain.machine.decision import Decision
from flagger_py.domain.observations import HookKind, HookOutcome
from flagger_py.model.canary import Phase


def hold(
    t: Tick, kind: HookKind, phase: Phase, alert: str, gate: HookOutcome, every_tick: bool = False
) -> Decision:
    """Stay in or enter ``phase``, and alert unless the hook is muted: once on entering a waiting
    phase, or every tick (``every_tick``, the traffic-increase gate)."""
    alerting = every_tick or t.status.phase != phase
    out: list[act.Action] = [t.event(hook_events.failure(kind, gate, t.canary), warning=True)]
    if alerting and not gate.muted:
        out.append(act.Notify("warn", alert))
    return t.done(*out, status=t.enter(phase))
