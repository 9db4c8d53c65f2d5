"""The canary state machine: ``decide(settings, spec, status, observations, now)``, one tick, purely.

One call looks at one tick. It returns either a ``Decision`` (the next status, the actions to run in
order, and when to tick again) or ``Observe`` (one more thing it needs to know first). The order of
checks is Flagger 1.44's (flagger-behavior.md §3.2); the deliberate differences of DESIGN.md §6 are
marked where they happen.

Promises: pure (a function of its arguments); every phase change goes through ``status_change.enter``,
which refuses one that ``domain.phases.TRANSITIONS`` does not allow. Each decision has its own module,
so the place a decision is made is the module named after it:

- ``dispatch``: ``decide()``, which step the phase runs, and what every tick adds;
- ``initialization``: a new Canary, until its primary is ready (``Initializing`` → ``Initialized``);
- ``between_runs``: looking for a new revision, the confirm-rollout gate, the start of a run;
- ``running``: a run in progress: readiness, restart on a new revision, rollback hooks, the phase's step;
- ``analysis``: failed-checks threshold, pre-rollout / rollout hooks and metrics, then the strategy's step;
- ``canary_step`` (weights) and ``iteration_step`` (blue/green, A/B testing);
- ``promotion``: the confirm-promotion gate, promoting, and the traffic shift back to the primary;
- ``ends``: Succeeded (promoted or skipped), rolled back (Failed) and failed promotion;
- ``gates``: a closed gate holding the run; ``context``: what a tick knows (``Tick``); ``decision``:
  what it returns; ``status_change``: the typed change of status and its one way in.
"""

from flagger_py.domain.machine.decision import Decision
from flagger_py.domain.machine.dispatch import decide

__all__ = ["Decision", "decide"]
