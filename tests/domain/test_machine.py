"""decide() tick by tick: the scenarios of Flagger's scheduler tests and its documented behaviour
(flagger-behavior.md §2-§4), with the deliberate differences of DESIGN.md §6 named where they apply."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from flagger_py.domain import actions as act
from flagger_py.domain.observations import HookOutcome, Readiness
from flagger_py.domain.verdicts import Check
from flagger_py.domain.weights import ALL_CANARY, ALL_PRIMARY, Routes
from flagger_py.model.canary import CanaryStatus
from tests.domain.world import World, fails, hooks, spec, until

ONLY_RECONCILE = (act.ReconcileRoutes(),)  # a steady tick only keeps the router objects in line


def status_of(world: World) -> CanaryStatus:
    """The current status (a function, so that type checkers do not narrow it across ticks)."""
    return world.status


def phase(world: World) -> str:
    """The current phase (a function, so that type checkers do not narrow it across ticks)."""
    return world.status.phase


def initialized(world: World) -> World:
    world.step()
    assert phase(world) == "Initialized"
    world.revision = "rev-2"
    return world


def test_initialization_waits_for_the_primary() -> None:
    world = World(spec(stepWeight=10), primary=Readiness(False, "0 of 1 updated replicas are available"))
    first = world.step()
    assert phase(world) == "Initializing"
    assert act.EnsurePrimary() in first.actions
    assert act.ScaleToZero() not in first.actions
    world.primary = Readiness(True)
    second = world.step()
    assert phase(world) == "Initialized"
    assert world.status.last_applied_spec == world.status.last_promoted_spec == "rev-1"
    assert act.ScaleToZero() in second.actions
    assert act.ReconcileRoutes() in second.actions
    alert = next(a for a in second.actions if isinstance(a, act.Notify))
    assert (alert.severity, alert.message) == ("info", "New Deployment detected, initialization completed.")
    assert dict(alert.details) == {
        "Target": "Deployment/podinfo.test",
        "Failed checks threshold": "2",
        "Progress deadline": "600s",
        "Traffic routing": "Weight step: 10 max: 100",
    }
    promoted = next(c for c in world.status.conditions if c.type == "Promoted")
    assert (promoted.status, promoted.reason) == ("True", "Initialized")


def test_steady_state_does_nothing() -> None:
    world = World(spec(stepWeight=10))
    world.step()
    quiet = world.step()
    assert quiet.actions == ONLY_RECONCILE
    assert phase(world) == "Initialized"


def test_canary_release_promotes_after_one_more_tick_at_max_weight() -> None:
    world = initialized(World(spec(stepWeight=10, maxWeight=50, webhooks=hooks("pre-rollout", "rollout"))))
    timeline = world.run(9)
    assert timeline == [
        ("Progressing", 0),  # new revision: scale up, analysis starts next tick
        ("Progressing", 10),  # pre-rollout hooks pass; first step in the same tick
        ("Progressing", 20),
        ("Progressing", 30),
        ("Progressing", 40),
        ("Progressing", 50),
        ("Promoting", 50),  # one more passing tick at max weight; traffic stays while the primary rolls out
        ("Finalising", 0),
        ("Succeeded", 0),
    ]
    assert world.routes == ALL_PRIMARY
    assert world.status.last_promoted_spec == "rev-2"
    assert world.actions_of(act.RecordRelease) == [act.RecordRelease("promoted")]
    assert act.CallWebhooks("post-rollout", "Succeeded") in world.log[-1][3]
    assert world.asked.count("pre-rollout") == 1


def test_step_weights() -> None:
    world = initialized(World(spec(stepWeights=[1, 5, 25, 80])))
    weights = [w for _, w in world.run(6)]
    assert weights == [0, 1, 5, 25, 80, 80]
    assert phase(world) == "Promoting"


def test_failed_checks_roll_back_at_the_next_tick() -> None:
    failing = lambda _tick: (Check("request-success-rate", False, "request-success-rate 80% < 99%", 80.0),)  # noqa: E731
    world = initialized(
        World(
            spec(
                stepWeight=10,
                threshold=2,
                metrics=[{"name": "request-success-rate", "interval": "1m", "thresholdRange": {"min": 99}}],
            )
        )
    )
    world.run(2)  # Progressing, then the first step (no metrics on the pre-rollout tick)
    assert world.status.canary_weight == 10
    world.metrics = failing
    world.run(2)
    assert (world.status.failed_checks, world.status.canary_weight) == (2, 10)  # one failed check per tick
    decision = world.step()
    assert phase(world) == "Failed"
    assert world.routes == ALL_PRIMARY
    assert act.ScaleToZero() in decision.actions
    assert act.Notify("error", "Failed checks threshold reached 2") in decision.actions
    assert world.step().actions == ONLY_RECONCILE  # the same failed revision is not retried
    world.revision = "rev-3"
    assert world.step().status.phase == "Progressing"


def test_metrics_are_not_queried_when_a_rollout_hook_fails() -> None:
    world = initialized(
        World(
            spec(
                stepWeight=10,
                webhooks=hooks("rollout"),
                metrics=[{"name": "request-success-rate", "interval": "1m"}],
            )
        )
    )
    world.run(2)
    world.hook_script = {"rollout": fails("load test failed")}
    world.asked.clear()
    world.step()
    assert "metrics" not in world.asked
    assert world.status.failed_checks == 1


def test_new_revision_mid_run_restarts_the_analysis() -> None:
    world = initialized(World(spec(stepWeight=10)))
    world.run(4)
    assert world.status.canary_weight == 30
    world.revision = "rev-3"
    decision = world.step()
    assert (phase(world), world.status.canary_weight) == ("Progressing", 0)
    assert act.SetRoutes(ALL_PRIMARY) in decision.actions
    assert world.status.last_applied_spec == "rev-3"


def test_config_change_triggers_a_run() -> None:
    world = World(spec(stepWeight=10), configs={"configmap/podinfo": "aaaa"})
    world.step()
    world.configs = {"configmap/podinfo": "bbbb"}
    assert world.step().status.phase == "Progressing"
    assert world.status.tracked_configs == {"configmap/podinfo": "bbbb"}


def test_confirm_rollout_gate() -> None:
    world = initialized(World(spec(stepWeight=10, webhooks=hooks("confirm-rollout"))))
    world.hook_script = {"confirm-rollout": until(4)}
    first = world.step()
    assert phase(world) == "Waiting"
    assert act.Notify("warn", "Canary is waiting for approval.") in first.actions
    second = world.step()
    assert phase(world) == "Waiting"
    assert not [a for a in second.actions if isinstance(a, act.Notify)]  # alerted once
    world.step()
    assert phase(world) == "Progressing"


def test_rollback_webhook_is_honoured_in_waiting() -> None:
    """DESIGN.md §6.5 (Flagger never evaluates rollback hooks in Waiting)."""
    world = initialized(World(spec(stepWeight=10, webhooks=hooks("confirm-rollout", "rollback"))))
    world.hook_script = {"confirm-rollout": fails(), "rollback": fails("not signalling")}
    world.step()
    assert phase(world) == "Waiting"
    world.hook_script = {"confirm-rollout": fails(), "rollback": lambda _t: HookOutcome(True)}
    decision = world.step()
    assert phase(world) == "Failed"
    assert act.Notify("warn", "Rolling back manual webhook invoked") in decision.actions  # Flagger's alert
    assert act.EmitEvent("Warning", "Rolling back podinfo.test manual webhook invoked") in decision.actions


def test_rollback_webhook_during_analysis() -> None:
    world = initialized(World(spec(stepWeight=10, webhooks=hooks("rollback"))))
    world.hook_script = {"rollback": fails("not signalling")}
    world.run(3)
    world.hook_script = {"rollback": lambda _t: HookOutcome(True)}
    world.step()
    assert phase(world) == "Failed"
    assert world.routes == ALL_PRIMARY


def test_confirm_traffic_increase_holds_the_weight() -> None:
    world = initialized(World(spec(stepWeight=10, webhooks=hooks("confirm-traffic-increase"))))
    world.hook_script = {"confirm-traffic-increase": until(5)}
    assert [w for _, w in world.run(4)] == [0, 0, 0, 10]
    warnings = [a for a in world.actions_of(act.Notify) if a.severity == "warn"]
    assert len(warnings) == 2  # every held tick, as Flagger


def test_confirm_promotion_waits_with_the_real_weight() -> None:
    """DESIGN.md §6.6: canaryWeight shows the real weight during WaitingPromotion."""
    world = initialized(World(spec(stepWeight=50, webhooks=hooks("confirm-promotion"))))
    world.hook_script = {"confirm-promotion": until(7)}
    timeline = world.run(6)
    assert timeline == [
        ("Progressing", 0),
        ("Progressing", 50),
        ("Progressing", 100),
        ("WaitingPromotion", 100),
        ("WaitingPromotion", 100),  # analysis keeps running while promotion is paused
        ("Promoting", 100),
    ]


def test_blue_green() -> None:
    world = initialized(World(spec(iterations=3, provider="istio")))
    timeline = world.run(8)
    assert timeline == [
        ("Progressing", 0),
        ("Progressing", 0),  # iteration 1 (pre-rollout tick)
        ("Progressing", 0),
        ("Progressing", 0),  # iteration 3
        ("Progressing", 100),  # all traffic to the new version for one more analysis tick
        ("Promoting", 100),
        ("Finalising", 0),
        ("Succeeded", 0),
    ]


def test_blue_green_on_kubernetes_never_switches_traffic() -> None:
    world = initialized(
        World(spec(stepWeight=10, provider="kubernetes"))
    )  # forced to blue/green, 10 iterations
    world.run(13)  # scale up, 10 forced iterations, one more tick, then promotion
    assert phase(world) == "Promoting"
    assert not [a for a in world.actions_of(act.SetRoutes) if a.routes.canary > 0]


def test_ab_testing() -> None:
    world = initialized(World(spec(iterations=2, match=[{"headers": {"x-canary": {"exact": "insider"}}}])))
    timeline = world.run(4)
    assert [p for p, _ in timeline] == ["Progressing", "Progressing", "Progressing", "Promoting"]
    assert act.SetRoutes(ALL_CANARY) in world.actions_of(act.SetRoutes)


def test_mirroring_takes_one_pre_step() -> None:
    world = initialized(World(spec(stepWeight=20, mirror=True)))
    world.run(2)
    assert world.routes == Routes(100, 0, mirrored=True)
    assert world.status.canary_weight == 0
    world.step()
    assert world.routes == Routes(80, 20)


def test_blue_green_mirrors_the_whole_run() -> None:
    world = initialized(World(spec(iterations=2, mirror=True)))
    world.run(3)
    assert world.routes.mirrored
    world.run(1)
    assert world.routes == ALL_CANARY


def test_skip_analysis_promotes_in_one_tick() -> None:
    world = initialized(World(spec(stepWeight=10, spec={"skipAnalysis": True})))
    world.step()
    decision = world.step()
    assert phase(world) == "Succeeded"
    assert act.Promote() in decision.actions
    assert act.RecordRelease("skipped") in decision.actions


def test_canary_progress_deadline_rolls_back_with_an_alert() -> None:
    """DESIGN.md §6.3: Flagger rolls back silently here."""
    world = initialized(World(spec(stepWeight=10)))
    world.run(2)
    world.canary = Readiness(False, "ProgressDeadlineExceeded", failed=True)
    decision = world.step()
    assert phase(world) == "Failed"
    assert any(isinstance(a, act.Notify) and a.severity == "error" for a in decision.actions)


def test_unready_canary_halts_without_moving_traffic() -> None:
    world = initialized(World(spec(stepWeight=10)))
    world.run(2)
    world.canary = Readiness(False, "1 of 2 updated replicas are available")
    decision = world.step()
    assert world.status.canary_weight == 10
    assert not [a for a in decision.actions if isinstance(a, act.SetRoutes)]


def test_primary_failing_during_promotion_keeps_traffic_on_the_canary() -> None:
    world = initialized(World(spec(stepWeight=50)))
    world.run(4)
    assert phase(world) == "Promoting"
    world.primary = Readiness(False, "ProgressDeadlineExceeded", failed=True)
    decision = world.step()
    assert (phase(world), world.status.canary_weight) == ("Failed", 100)
    assert world.routes == ALL_CANARY
    assert (
        act.Notify("error", "Promotion failed, primary not ready: ProgressDeadlineExceeded")
        in decision.actions
    )


def test_primary_not_ready_during_promotion_waits() -> None:
    world = initialized(World(spec(stepWeight=50)))
    world.run(4)
    world.primary = Readiness(False, "waiting for rollout to finish")
    world.step()
    assert phase(world) == "Promoting"


def test_promotion_traffic_shift() -> None:
    world = initialized(World(spec(stepWeight=50, stepWeightPromotion=30)))
    timeline = world.run(8)
    assert [p for p, _ in timeline][3:] == ["Promoting", "Promoting", "Promoting", "Promoting", "Finalising"]
    shifts = [a.routes.primary for a in world.actions_of(act.SetRoutes)][-4:]
    assert shifts == [30, 60, 90, 100]


def test_failed_pre_rollout_alerts() -> None:
    """DESIGN.md §6.3."""
    world = initialized(World(spec(stepWeight=10, webhooks=hooks("pre-rollout"))))
    world.hook_script = {"pre-rollout": fails("smoke test failed")}
    world.run(2)
    assert world.status.failed_checks == 1
    assert any(a.severity == "warn" for a in world.actions_of(act.Notify))


def test_suspend_does_nothing_but_say_so() -> None:
    world = World(spec(stepWeight=10, spec={"suspend": True}))
    assert world.step().actions == (act.EmitEvent("Normal", "skipping canary run as object is suspended"),)
    assert phase(world) == ""


outcomes = st.sampled_from([True, False])


@settings(max_examples=150, deadline=None)
@given(
    step=st.integers(min_value=1, max_value=60),
    threshold=st.integers(min_value=1, max_value=4),
    metric_results=st.lists(outcomes, min_size=30, max_size=30),
    canary_ready=st.lists(outcomes, min_size=30, max_size=30),
    gate=st.lists(outcomes, min_size=30, max_size=30),
)
def test_invariants(
    step: int, threshold: int, metric_results: list[bool], canary_ready: list[bool], gate: list[bool]
) -> None:
    """Never promote with failedChecks >= threshold; never send traffic to an unready canary
    (asserted inside World.apply); the same inputs always give the same decision (World.step)."""
    world = World(
        spec(
            stepWeight=step,
            threshold=threshold,
            webhooks=hooks("confirm-promotion"),
            metrics=[{"name": "request-success-rate", "interval": "1m"}],
        ),
        metrics=lambda t: (Check("request-success-rate", metric_results[t % 30], "m", 99.0),),
        hook_script={"confirm-promotion": lambda t: HookOutcome(gate[t % 30])},
    )
    world.step()
    world.revision = "rev-2"
    for tick in range(30):
        world.canary = Readiness(canary_ready[tick])
        before = world.status
        decision = world.step()
        if act.Promote() in decision.actions:
            assert before.failed_checks < threshold
        assert 0 <= world.status.canary_weight <= 100


def test_session_affinity_cookies_live_for_one_run() -> None:
    sticky = {"cookieName": "flagger-cookie", "primaryCookieName": "flagger-primary"}
    world = initialized(World(spec(stepWeight=50, sessionAffinity=sticky)))
    world.step()
    cookie = world.status.session_affinity_cookie
    assert cookie is not None
    assert cookie.startswith("flagger-cookie=")
    assert len(cookie.split("=")[1]) == 10
    assert (world.status.primary_session_affinity_cookie or "").startswith("flagger-primary=")
    world.run(3)
    assert world.status.session_affinity_cookie == cookie  # stable for the whole run
    world.run(3)
    assert phase(world) == "Succeeded"
    ended = status_of(world)
    assert ended.session_affinity_cookie is None
    assert ended.previous_session_affinity_cookie == cookie
    world.revision = "rev-3"
    world.step()
    assert status_of(world).session_affinity_cookie not in (None, cookie)  # a new run, a new cookie
