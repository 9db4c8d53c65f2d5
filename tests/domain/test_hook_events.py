"""Webhook Events in Flagger 1.44's words (pkg/controller/scheduler_hooks.go, scheduler.go)."""

from __future__ import annotations

import pytest

from flagger_py.domain import actions as act
from flagger_py.domain import hook_events
from flagger_py.domain.observations import HookOutcome

HELD = HookOutcome(False, "gate: 403 closed", hook="gate", error="403 closed", passed_hooks=("first",))


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("confirm-rollout", "Halt podinfo.test advancement waiting for approval gate"),
        (
            "confirm-traffic-increase",
            "Halt podinfo.test advancement waiting for traffic increase approval gate",
        ),
        ("confirm-promotion", "Halt podinfo.test advancement waiting for promotion approval gate"),
        ("pre-rollout", "Halt podinfo.test advancement pre-rollout check gate failed 403 closed"),
        ("rollout", "Halt podinfo.test advancement external check gate failed 403 closed"),
        ("rollback", "Rollback check gate passed"),
    ],
)
def test_failures(kind: hook_events.Kind, text: str) -> None:
    assert hook_events.failure(kind, HELD, "podinfo.test") == text


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("confirm-rollout", "Confirm-rollout check first passed"),
        ("confirm-traffic-increase", "Confirm-traffic-increase check first passed"),
        ("confirm-promotion", "Confirm-promotion check first passed"),
        ("pre-rollout", "Pre-rollout check first passed"),
        ("post-rollout", "Post-rollout check first passed"),
        ("rollback", "Rollback hook first not signaling a rollback"),
    ],
)
def test_passes(kind: hook_events.Kind, text: str) -> None:
    assert hook_events.passes(kind, HELD) == (act.EmitEvent("Normal", text),)


def test_rollout_hooks_have_no_pass_event() -> None:
    assert hook_events.passes("rollout", HookOutcome(True, passed_hooks=("load-test",))) == ()


def test_post_rollout_events() -> None:
    assert hook_events.post_rollout(HELD) == (
        act.EmitEvent("Normal", "Post-rollout check first passed"),
        act.EmitEvent("Warning", "Post-rollout hook gate failed 403 closed"),
    )
    assert hook_events.post_rollout(HookOutcome(True)) == ()
