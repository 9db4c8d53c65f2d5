"""The engine on the in-memory cluster: what the adapters see, tick by tick."""

from __future__ import annotations

from typing import Any

from flagger_py.domain import verdicts
from flagger_py.domain.effective import ControllerDefaults, effective
from flagger_py.domain.weights import ALL_CANARY, ALL_PRIMARY, Routes
from flagger_py.engine.tick import TickResult, run_once
from flagger_py.errors import ProviderUnavailable
from flagger_py.model.canary import Canary
from flagger_py.testing.memory import MemoryCluster


def canary(**analysis: Any) -> Canary:
    spec = analysis.pop("spec", {})
    return Canary.model_validate(
        {
            "metadata": {"name": "podinfo", "namespace": "test"},
            "spec": {
                "provider": analysis.pop("provider", "istio"),
                "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
                "service": {"port": 9898},
                "analysis": {"interval": "30s", "threshold": 2, **analysis},
                **spec,
            },
        }
    )


class Story:
    """A canary on a MemoryCluster, ticked by the real engine on a virtual clock."""

    def __init__(self, obj: Canary, cluster: MemoryCluster | None = None) -> None:
        self.canary = obj
        self.cluster = cluster or MemoryCluster()

    async def tick(self) -> TickResult:
        result = await run_once(effective(self.canary, ControllerDefaults()), self.cluster.deps)
        self.canary = self.canary.model_copy(update={"status": result.decision.status})
        self.cluster.clock.advance(result.requeue_after)
        return result

    async def ticks(self, count: int) -> list[tuple[str, Routes]]:
        out: list[tuple[str, Routes]] = []
        for _ in range(count):
            await self.tick()
            assert self.canary.status is not None
            out.append((self.canary.status.phase, self.cluster.router.routes))
        return out

    @property
    def phase(self) -> str:
        assert self.canary.status is not None
        return self.canary.status.phase

    async def initialized(self) -> Story:
        await self.ticks(2)
        assert self.phase == "Initialized"
        self.cluster.workloads.new_revision("rev-1")
        return self


async def test_initialization_creates_the_primary_and_scales_the_target_down() -> None:
    story = Story(canary(stepWeight=50))
    await story.ticks(2)
    workloads = story.cluster.workloads
    assert workloads.primary_revision == "rev-0"
    assert not workloads.canary_scaled
    assert story.cluster.status.writes == 2
    assert story.cluster.notifier.sent[-1][1:] == (
        "info",
        "New Deployment detected, initialization completed.",
    )


async def test_promotion_copies_the_target_into_the_primary() -> None:
    story = await Story(canary(stepWeight=50)).initialized()
    timeline = await story.ticks(7)
    assert [p for p, _ in timeline] == [
        "Progressing",
        "Progressing",
        "Progressing",
        "Promoting",
        "Finalising",
        "Succeeded",
        "Succeeded",
    ]
    assert story.cluster.workloads.primary_revision == "rev-1"
    assert not story.cluster.workloads.canary_scaled
    assert story.cluster.router.routes == ALL_PRIMARY


async def test_quiet_ticks_write_nothing() -> None:
    story = Story(canary(stepWeight=50))
    await story.ticks(2)
    writes = story.cluster.status.writes
    await story.ticks(5)
    assert story.cluster.status.writes == writes


async def test_rollback_on_failing_metric() -> None:
    story = await Story(
        canary(
            stepWeight=20,
            metrics=[{"name": "request-success-rate", "interval": "1m", "thresholdRange": {"min": 99}}],
        )
    ).initialized()
    await story.ticks(2)
    story.cluster.analyzer.series = lambda _name, _t: verdicts.Value(80.0)
    await story.ticks(3)
    assert story.phase == "Failed"
    assert story.cluster.router.routes == ALL_PRIMARY
    assert story.cluster.workloads.primary_revision == "rev-0"  # primary untouched
    assert ("error", "Failed checks threshold reached 2") in [
        (s, m) for _, s, m in story.cluster.notifier.sent
    ]


async def test_no_data_is_a_failed_check_with_a_clear_message() -> None:
    story = await Story(
        canary(stepWeight=20, metrics=[{"name": "request-success-rate", "interval": "1m"}])
    ).initialized()
    await story.ticks(2)
    story.cluster.analyzer.series = lambda _name, _t: verdicts.NoData("prometheus")
    await story.tick()
    warnings = [m for _, kind, m in story.cluster.events.emitted if kind == "Warning"]
    assert warnings[-1] == (
        "Halt advancement no values found for prometheus metric request-success-rate probably "
        "podinfo.test is not receiving traffic: no values found"
    )


async def test_webhook_gates_each_type() -> None:
    hooks = [
        {"name": n, "type": n, "url": "http://loadtester.test/"}
        for n in (
            "confirm-rollout",
            "pre-rollout",
            "rollout",
            "confirm-traffic-increase",
            "confirm-promotion",
        )
    ]
    story = await Story(canary(stepWeight=50, webhooks=hooks)).initialized()
    closed: set[str] = {"confirm-rollout"}
    story.cluster.webhooks.script = lambda name, _t: (name not in closed, "gate closed")
    assert (await story.ticks(1))[-1][0] == "Waiting"
    closed = {"confirm-traffic-increase"}
    assert (await story.ticks(2))[-1] == ("Progressing", ALL_PRIMARY)  # analysis started, traffic held
    closed = {"confirm-promotion"}
    timeline = await story.ticks(3)
    assert timeline[-1] == ("WaitingPromotion", ALL_CANARY)
    closed = set()
    assert (await story.ticks(1))[-1][0] == "Promoting"
    called = {kind for _, kind, _, _, _ in story.cluster.webhooks.log}
    assert called == {
        "confirm-rollout",
        "pre-rollout",
        "rollout",
        "confirm-traffic-increase",
        "confirm-promotion",
    }


async def test_primary_not_ready_during_promotion_waits_then_finishes() -> None:
    story = await Story(canary(stepWeight=50)).initialized()
    story.cluster.workloads.primary_ready_after = 90
    timeline = [p for p, _ in await story.ticks(9)]
    # the primary rolls out for 90 s after the promotion: two 30 s ticks wait for it
    promoted = timeline.index("Promoting")
    assert timeline[promoted:] == ["Promoting", "Promoting", "Promoting", "Finalising", "Succeeded"]


async def test_config_change_triggers_a_run() -> None:
    story = Story(canary(stepWeight=50))
    story.cluster.workloads.configs = {"configmap/podinfo": "1111"}
    await story.ticks(2)
    story.cluster.workloads.new_revision("rev-0", configs={"configmap/podinfo": "2222"})
    await story.tick()
    assert story.phase == "Progressing"


async def test_a_failing_action_stops_the_tick_and_keeps_the_status() -> None:
    story = await Story(canary(stepWeight=50)).initialized()
    await story.ticks(2)
    before = story.canary.status

    async def broken(_canary: Canary, _routes: Routes) -> None:
        raise ProviderUnavailable("VirtualService podinfo: connection refused")

    story.cluster.router.set_routes = broken  # type: ignore[method-assign,assignment]
    result = await run_once(effective(story.canary, ControllerDefaults()), story.cluster.deps)
    assert result.error == "SetRoutes failed: VirtualService podinfo: connection refused"
    assert story.cluster.status.status == before
    assert story.cluster.events.emitted[-1][1:] == ("Warning", result.error)


async def test_skip_analysis() -> None:
    story = await Story(canary(stepWeight=10, spec={"skipAnalysis": True})).initialized()
    await story.ticks(2)
    assert story.phase == "Succeeded"
    assert story.cluster.workloads.primary_revision == "rev-1"


async def test_blue_green_and_mirroring_reach_the_router() -> None:
    story = await Story(canary(iterations=2, mirror=True)).initialized()
    await story.ticks(2)
    assert story.cluster.router.routes == Routes(100, 0, mirrored=True)
    await story.ticks(2)
    assert story.cluster.router.routes == ALL_CANARY


async def test_ab_testing_routes_matching_requests_for_each_iteration() -> None:
    story = await Story(
        canary(iterations=2, match=[{"headers": {"x-canary": {"exact": "insider"}}}])
    ).initialized()
    timeline = await story.ticks(4)
    assert [p for p, _ in timeline] == ["Progressing", "Progressing", "Progressing", "Promoting"]
    assert timeline[1][1] == ALL_CANARY  # the router applies analysis.match: only insiders reach the canary


async def test_new_revision_mid_run_restarts_from_zero() -> None:
    story = await Story(canary(stepWeight=20)).initialized()
    await story.ticks(3)
    assert story.cluster.router.routes == Routes(60, 40)
    story.cluster.workloads.new_revision("rev-2")
    await story.tick()
    assert story.cluster.router.routes == ALL_PRIMARY
    assert story.canary.status is not None
    assert (story.phase, story.canary.status.last_applied_spec) == ("Progressing", "rev-2")
