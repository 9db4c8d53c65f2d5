"""What a tick decided: the next status, the actions to run in order, and when to tick again."""

from __future__ import annotations

from dataclasses import dataclass

from flagger_py.domain import actions as act
from flagger_py.model.canary import CanaryStatus


@dataclass(frozen=True)
class Decision:
    """The outcome of a tick."""

    status: CanaryStatus
    actions: tuple[act.Action, ...]
    requeue_after: float
