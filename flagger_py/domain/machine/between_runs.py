"""Between runs (``Initialized``, ``Succeeded``, ``Failed``, ``Waiting``): a new revision, the rollback
hooks while ``Waiting``, the confirm-rollout gate, and the start of a run (``new_run``)."""

from __future__ import annotations

from flagger_py.domain import actions as act
from flagger_py.domain import affinity
from flagger_py.domain.machine.context import Tick
from flagger_py.domain.machine.decision import Decision
from flagger_py.domain.machine.ends import rollback_if_asked
from flagger_py.domain.machine.gates import hold
from flagger_py.domain.machine.status_change import StatusChange
from flagger_py.domain.observations import Observe
from flagger_py.model.canary import CanaryStatus


def between_runs(t: Tick) -> Decision | Observe:
    waiting = t.status.phase == "Waiting"
    if not waiting and not t.revision_changed:
        return t.done()
    if waiting:  # DESIGN.md §6.5: rollback webhooks are honoured in Waiting too
        asked = rollback_if_asked(t)
        if asked is not None:
            return asked
    gate = t.hook("confirm-rollout")
    if isinstance(gate, Observe):
        return gate
    if not gate.passed:
        return hold(t, "confirm-rollout", "Waiting", "Canary is waiting for approval.", gate)
    return t.done(
        t.event(f"New revision detected! Scaling up {t.target}"),
        act.Notify("info", "New revision detected, progressing canary analysis.", t.details),
        act.ResumeScaler(),
        act.ScaleFromZero(),
        status=new_run(t),
    )


def new_run(t: Tick) -> CanaryStatus:
    """Progressing from zero on the observed revision (a new run, or a restart mid-run)."""
    cookies = None
    if t.spec.analysis.session_affinity is not None:
        # Sticky sessions: routers pin clients who reached the canary with these.
        cookies = affinity.for_run(t.spec.analysis.session_affinity, t.canary, t.obs.revision)
    change = StatusChange(
        canary_weight=0,
        iterations=0,
        failed_checks=0,
        applied=t.observed,
        cookies=cookies,
    )
    return t.enter("Progressing", change)
