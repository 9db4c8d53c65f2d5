"""Releases on real traffic, for each router Traefik implements: ``traefik`` (its CRD provider) and
``gatewayapi:v1`` (its Gateway API provider). Each scenario asserts the outcome, the weights the
pods really served at every step, and what clients got; its figures go to results.py's table."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from . import app, controllers, results
from .conftest import Env
from .release import TARGET, Release, release, rows
from .routers import ROUTERS, Router
from .traffic import Clients, Window, assert_steps, measured_steps, timeline

pytestmark = pytest.mark.timeout(600)

METRICS = {
    "traefik": [
        {"name": "request-success-rate", "interval": "15s", "thresholdRange": {"min": 99}},
        {"name": "request-duration", "interval": "15s", "thresholdRange": {"max": 500}},
    ],
}


@pytest.fixture(params=sorted(ROUTERS))
def router(request: pytest.FixtureRequest) -> Router:
    return ROUTERS[request.param]


@pytest.fixture(params=controllers.NAMES)
def run(env: Env, request: pytest.FixtureRequest) -> Iterator[Release]:
    with release(env, request.param) as made:
        yield made


def initialized(run: Release, router: Router, analysis: dict[str, Any]) -> None:
    api = run.cluster.api
    api.apply(app.deployment(run.namespace, TARGET, "v1"))
    for obj in router.objects(run):
        api.apply(obj)
    api.apply(run.canary(router.provider, analysis, service=router.service(run)))
    run.start_controller()
    run.wait_phase("Initialized", 120)
    run.wait_serving("v1")


def canary_analysis(router: Router, **fields: Any) -> dict[str, Any]:
    return {"threshold": 2, "maxWeight": 50, "stepWeight": 10, "metrics": METRICS["traefik"], **fields}


def steps_cell(windows: list[Window]) -> str:
    steps = measured_steps(windows)
    return ", ".join(f"{w}→{steps[w].canary_share:.1f}" for w in sorted(steps) if w)


def record(
    run: Release,
    router: Router,
    scenario: str,
    outcome: str,
    took: float,
    bad_to_primary: float | None,
    clients: Clients,
    windows: list[Window],
) -> None:
    row = results.Row(scenario, router.provider, run.controller_name, outcome, took, bad_to_primary,
                      clients.failures(), len(clients.answers), steps_cell(windows))  # fmt: skip
    results.record(row, timeline(windows, clients.answers))


def follow(run: Release, router: Router, end: str, **version: Any) -> tuple[list[Window], Clients, float]:
    """Roll out a new version while clients send requests; return the step windows, the clients and
    the seconds from the new revision to phase ``end``."""
    clients = run.clients().start()
    recorder = run.recorder(router.weight(run)).start()
    started = time.monotonic()
    run.new_version("v2", **version)
    try:
        run.wait_phase(end, 300)
        took = time.monotonic() - started
        time.sleep(3)  # what clients get right after the end counts too
    finally:
        windows = recorder.stop()
        clients.stop()
    print(rows(windows))
    return windows, clients, took


def test_progressive_canary_is_promoted_with_the_declared_weights_on_the_wire(
    run: Release, router: Router
) -> None:
    initialized(run, router, canary_analysis(router, threshold=5, webhooks=[run.load_webhook()]))
    windows, clients, took = follow(run, router, "Succeeded")
    assert_steps(windows, [10, 20, 30, 40, 50])
    slow = "\n".join(run.env.traefik.slow_or_failed(run.host))
    assert clients.failures() == 0, f"{clients.describe_failures(windows)}\nTraefik:\n{slow}"
    run.wait_serving("v2")
    record(run, router, "progressive canary, good version", "promoted", took, None, clients, windows)


@pytest.mark.parametrize(
    ("fault", "version"),
    [("5xx", {"error_rate": 0.3}), ("latency", {"latency": "700ms"})],
)
def test_bad_version_is_rolled_back_and_only_the_canary_share_of_clients_saw_it(
    run: Release, router: Router, fault: str, version: dict[str, Any]
) -> None:
    initialized(run, router, canary_analysis(router, webhooks=[run.load_webhook()]))
    windows, clients, took = follow(run, router, "Failed", **version)
    # Traffic is back on the primary: the proxy applies weight 0, and clients get v1 only.
    assert router.weight(run)() in (0, None)
    run.wait_serving("v1")
    bad = [t for t, _, v in clients.answers if v == "v2"]
    assert bad, "the bad version received traffic before it was stopped"
    back = next((w.started for w in windows if w.phase == "Failed" and w.weight == 0), None)
    assert back is not None, rows(windows)
    assert not [a for a in clients.answers if a[2] == "v2" and a[0] > back + 2.0], "v2 served after rollback"
    assert all(w.weight <= 10 for w in windows), "never past the first step"
    if fault == "5xx":
        late = [a for a in clients.answers if a[1] >= 500 and a[0] > back + 2.0]
        assert not late, f"errors after traffic went back to the primary: {late}"
    record(run, router, f"bad version ({fault})", "rolled back", took, back - bad[0], clients, windows)
