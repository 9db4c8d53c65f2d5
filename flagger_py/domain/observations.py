"""What the engine observed for one tick, and what decide() may ask it to observe next.

decide() is called with what is known so far; when it needs more (the primary's readiness, the
routes, the outcome of one kind of webhook, the metrics) it answers ``Observe`` and the engine calls
it again with that added. Webhooks therefore run exactly when Flagger would run them, and metrics
are queried only when analysis actually reaches them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from flagger_py.domain.verdicts import Check
from flagger_py.domain.weights import Routes

HookKind = Literal[
    "confirm-rollout",
    "pre-rollout",
    "rollout",
    "confirm-traffic-increase",
    "confirm-promotion",
    "rollback",
]


@dataclass(frozen=True)
class Readiness:
    """Whether a workload is ready; ``failed`` when it will not become ready (deadline exceeded)."""

    ready: bool
    message: str = ""
    failed: bool = False


READY = Readiness(True)


@dataclass(frozen=True)
class HookOutcome:
    """The combined outcome of the webhooks of one kind, called in order until the first failure.

    For ``rollback`` hooks, ``passed`` means "a hook asked for a rollback".
    """

    passed: bool
    message: str = ""
    muted: bool = False
    hook: str = ""
    """The hook that failed (a gate) or asked for a rollback; empty when none did."""
    error: str = ""
    """What the failing hook answered."""
    passed_hooks: tuple[str, ...] = ()
    """The hooks that passed before it (for ``rollback``: the ones that did not ask), in order."""


@dataclass(frozen=True)
class Availability:
    """Whether the metric providers the canary uses answer (Flagger's IsOnline), at initialization."""

    problem: str = ""
    """Why one of them does not (the first found), or empty when all answer."""


@dataclass(frozen=True)
class Observations:
    """Everything decide() may look at; None means 'not observed this tick'."""

    revision: str
    configs: Mapping[str, str] = field(default_factory=dict)
    primary: Readiness | None = None
    canary: Readiness | None = None
    routes: Routes | None = None
    hooks: Mapping[HookKind, HookOutcome] = field(default_factory=dict)
    metrics: tuple[Check, ...] | None = None
    providers: Availability | None = None

    def with_hook(self, kind: HookKind, outcome: HookOutcome) -> Observations:
        return replace(self, hooks={**self.hooks, kind: outcome})


@dataclass(frozen=True)
class Observe:
    """decide() needs one more observation before it can decide."""

    what: Literal["primary", "canary", "routes", "metrics", "providers"] | HookKind


@dataclass(frozen=True)
class Instant:
    """A point in time as the engine's clock gives it."""

    seconds: float
    """Seconds since the epoch."""
    text: str
    """The same instant in RFC 3339, as status fields and conditions write it."""
