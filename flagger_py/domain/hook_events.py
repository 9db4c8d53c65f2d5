"""The Kubernetes Events of webhook outcomes, worded as Flagger 1.44's scheduler_hooks.go and
scheduler.go word them (alert rules and dashboards match on these texts).

``passes`` are the Normal Events of the hooks that passed (Flagger records one per hook each time it
runs one: ``Pre-rollout check load-test passed``); ``failure`` is the Warning Event of the hook that
held the release, failed or asked for a rollback. ``rollout`` hooks (Flagger's external checks) have
no pass Event, as in Flagger.
"""

from __future__ import annotations

from typing import Literal, assert_never

from flagger_py.domain import actions as act
from flagger_py.domain.observations import HookKind, HookOutcome

Kind = HookKind | Literal["post-rollout"]

_PASSED: dict[str, str] = {
    "confirm-rollout": "Confirm-rollout check {} passed",
    "confirm-traffic-increase": "Confirm-traffic-increase check {} passed",
    "confirm-promotion": "Confirm-promotion check {} passed",
    "pre-rollout": "Pre-rollout check {} passed",
    "post-rollout": "Post-rollout check {} passed",
    "rollback": "Rollback hook {} not signaling a rollback",
}
_WAITING = {
    "confirm-rollout": "waiting for approval",
    "confirm-traffic-increase": "waiting for traffic increase approval",
    "confirm-promotion": "waiting for promotion approval",
}


def passes(kind: Kind, outcome: HookOutcome) -> tuple[act.EmitEvent, ...]:
    """One Normal Event per hook of ``kind`` that passed (none for ``rollout`` hooks)."""
    text = _PASSED.get(kind)
    if text is None:
        return ()
    return tuple(act.EmitEvent("Normal", text.format(name)) for name in outcome.passed_hooks)


def failure(kind: Kind, outcome: HookOutcome, canary: str) -> str:
    """The Warning text for the hook that held, failed or (``rollback``) asked for a rollback;
    ``canary`` is ``<name>.<namespace>``."""
    name = outcome.hook
    match kind:
        case "confirm-rollout" | "confirm-traffic-increase" | "confirm-promotion":
            return f"Halt {canary} advancement {_WAITING[kind]} {name}"
        case "pre-rollout":
            return f"Halt {canary} advancement pre-rollout check {name} failed {outcome.error}"
        case "rollout":
            return f"Halt {canary} advancement external check {name} failed {outcome.error}"
        case "post-rollout":
            return f"Post-rollout hook {name} failed {outcome.error}"
        case "rollback":
            return f"Rollback check {name} passed"
        case _:
            assert_never(kind)


def post_rollout(outcome: HookOutcome) -> tuple[act.EmitEvent, ...]:
    """The Events after the post-rollout hooks ran: one per pass, and the failure if one failed."""
    out = passes("post-rollout", outcome)
    if not outcome.passed and outcome.hook:
        out += (act.EmitEvent("Warning", failure("post-rollout", outcome, "")),)
    return out
