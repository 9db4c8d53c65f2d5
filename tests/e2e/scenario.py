"""The steps every scenario shares: the app and the user's routing objects applied, the Canary
initialized; a new version rolled out while clients send requests and a recorder follows the steps;
the figures recorded."""

from __future__ import annotations

import time
from typing import Any

from . import app, results
from .release import TARGET, Release, rows
from .routers import Router
from .traffic import Clients, Window, measured_steps, timeline

# Flagger's built-in checks: their queries depend on the router (Traefik's service counters for
# traefik, the pods' request histogram for gatewayapi and kubernetes).
METRICS = [
    {"name": "request-success-rate", "interval": "15s", "thresholdRange": {"min": 99}},
    {"name": "request-duration", "interval": "15s", "thresholdRange": {"max": 500}},
]


def initialized(run: Release, router: Router, analysis: dict[str, Any]) -> None:
    api = run.cluster.api
    api.apply(app.deployment(run.namespace, TARGET, "v1"))
    for obj in router.objects(run):
        api.apply(obj)
    api.apply(run.canary(router.provider, analysis, service=router.service(run)))
    run.start_controller()
    run.wait_phase("Initialized", 120)
    run.wait_serving("v1")


def canary_analysis(**fields: Any) -> dict[str, Any]:
    return {"threshold": 2, "maxWeight": 50, "stepWeight": 10, "metrics": METRICS, **fields}


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
    clients: list[Clients],
    windows: list[Window],
    steps: str | None = None,
) -> None:
    answers = sorted(a for c in clients for a in c.answers)
    failures = sum(c.failures() for c in clients)
    row = results.Row(scenario, router.provider, run.controller_name, outcome, took, bad_to_primary,
                      failures, len(answers), steps_cell(windows) if steps is None else steps)  # fmt: skip
    results.record(row, timeline(windows, answers))


def follow(
    run: Release, weights: Any, end: str, clients: list[Clients] | None = None, **version: Any
) -> tuple[list[Window], list[Clients], float]:
    """Roll out v2 (with ``version``'s faults) while ``clients`` (default: one steady stream) send
    requests; return the step windows, the clients and the seconds from the new revision to phase
    ``end``. ``weights`` reads what the proxy applies (see Recorder)."""
    clients = clients or [run.clients()]
    for c in clients:
        c.start()
    recorder = run.recorder(weights).start()
    started = time.monotonic()
    run.new_version("v2", **version)
    try:
        run.wait_phase(end, 300)
        took = time.monotonic() - started
        time.sleep(3)  # what clients get right after the end counts too
    finally:
        windows = recorder.stop()
        for c in clients:
            c.stop()
    print(rows(windows))
    return windows, clients, took
