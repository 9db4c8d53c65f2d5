"""The edge cases of flagger-behavior.md §3.10 that belong to the state machine, each marked COPIED
(we behave as Flagger 1.44) or FIXED (a deliberate difference, DESIGN.md §6).

The other §3.10 items live in other layers and are tested there as those layers are built:
replicas-only changes not triggering a run (the workload adapter's revision hash), empty alert
severity (notifiers), template metric interval default and double evaluation (metric analysis),
the primary scaled-to-zero pointer bug (workload readiness), session-affinity cookies (routers),
replicas without leader election (operator).
"""

from __future__ import annotations

from flagger_py.domain import actions as act
from flagger_py.domain.observations import HookOutcome, Readiness
from flagger_py.domain.weights import ALL_PRIMARY
from tests.domain.world import World, fails, hooks, spec

ONLY_RECONCILE = (act.ReconcileRoutes(),)  # a steady tick only keeps the router objects in line


def phase(world: World) -> str:
    return world.status.phase


def initialized(world: World) -> World:
    world.step()
    world.revision = "rev-2"
    return world


def test_fixed_rollback_hooks_are_evaluated_in_waiting() -> None:
    world = initialized(World(spec(stepWeight=10, webhooks=hooks("confirm-rollout", "rollback"))))
    world.hook_script = {"confirm-rollout": fails(), "rollback": lambda _t: HookOutcome(True)}
    world.step()
    assert phase(world) == "Waiting"  # the closed gate holds the new revision
    world.step()
    assert phase(world) == "Failed"  # Flagger would wait here forever


def test_fixed_progress_deadline_rollback_alerts() -> None:
    world = initialized(World(spec(stepWeight=10)))
    world.run(2)
    world.canary = Readiness(False, "ProgressDeadlineExceeded", failed=True)
    decision = world.step()
    alerts = [a for a in decision.actions if isinstance(a, act.Notify)]
    assert alerts
    assert alerts[0].severity == "error"
    assert "Progress deadline exceeded" in alerts[0].message


def test_fixed_weight_shown_during_waiting_promotion() -> None:
    world = initialized(World(spec(stepWeight=100, webhooks=hooks("confirm-promotion"))))
    world.hook_script = {"confirm-promotion": fails()}
    world.run(4)
    assert (world.status.phase, world.status.canary_weight) == ("WaitingPromotion", 100)


def test_copied_pre_rollout_runs_at_weight_zero_and_the_first_step_follows_in_the_same_tick() -> None:
    world = initialized(World(spec(stepWeight=25, webhooks=hooks("pre-rollout"))))
    world.run(2)
    assert world.status.canary_weight == 25
    assert world.asked.count("pre-rollout") == 1
    assert "metrics" not in world.asked  # no metrics on the pre-rollout tick


def test_copied_failed_checks_are_cumulative_and_one_per_tick() -> None:
    world = initialized(World(spec(stepWeight=10, threshold=3, webhooks=hooks("rollout"))))
    world.run(2)
    flaps = iter([False, True, False, True])
    world.hook_script = {"rollout": lambda _t: HookOutcome(next(flaps), "flap")}
    world.run(4)
    assert world.status.failed_checks == 2  # a passing tick never resets them


def test_copied_manual_revert_to_the_primary_spec_starts_nothing() -> None:
    world = World(spec(stepWeight=10))
    world.step()
    world.revision = "rev-1"
    assert world.step().actions == ONLY_RECONCILE


def test_copied_a_failed_revision_is_not_retried_until_it_changes() -> None:
    world = initialized(World(spec(stepWeight=10, threshold=1, webhooks=hooks("rollout"))))
    world.run(2)
    world.hook_script = {"rollout": fails()}
    world.run(2)
    assert world.status.phase == "Failed"
    world.hook_script = {}
    assert world.step().actions == ONLY_RECONCILE
    assert world.routes == ALL_PRIMARY
