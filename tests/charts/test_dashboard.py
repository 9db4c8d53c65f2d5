"""The Grafana dashboard: every panel's query runs on a real Prometheus scraping the controller's own
/metrics (a real Telemetry after a promoted and a rolled-back release) and Istio-shaped series, and
every panel shows data. The canaries are named apart from their targets: Flagger's series carry the
target's name, ours the Canary's, and the Target variable joins the two."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flagger_py.domain import actions as act
from flagger_py.domain.machine import Decision
from flagger_py.domain.observations import READY, Observations
from flagger_py.domain.verdicts import Check
from flagger_py.domain.weights import Routes
from flagger_py.engine.tick import TickResult
from flagger_py.model.canary import Canary, CanaryStatus
from flagger_py.operator.telemetry import Telemetry
from flagger_py.testing.prometheus import Exporter, Prometheus
from tests.paths import CHARTS

DASHBOARD = json.loads((CHARTS / "flagger-py" / "dashboards" / "flagger-py.json").read_text())
VARIABLES = {
    "$namespace": "test",
    "$canary": "web",
    "$target": "podinfo",
    "$__rate_interval": "1m",
    "$__range": "1h",
}
TARGETS = {"web": "podinfo", "other": "api"}


def canary(name: str, phase: str = "Progressing") -> Canary:
    since = (datetime.now(UTC) - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Canary.model_validate(
        {
            "metadata": {"name": name, "namespace": "test"},
            "spec": {
                "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": TARGETS[name]},
                "analysis": {"interval": "1m", "threshold": 5, "stepWeight": 10},
            },
            "status": {
                "phase": phase,
                "conditions": [
                    {
                        "type": "Reconciling",
                        "status": "True",
                        "reason": "Progressing",
                        "lastTransitionTime": since,
                    }
                ],
            },
        }
    )


def telemetry() -> Telemetry:
    t = Telemetry()
    t.info.labels("0.1.0", "istio").set(1)
    t.count_canaries(lambda: [("test", "web"), ("test", "other")])
    t.count_requests(lambda: {"get": 10, "patch": 4})
    t.count_dropped(lambda: 0)
    for name, outcome, phase in (("web", "promoted", "Succeeded"), ("other", "rolled back", "Failed")):
        meta = {"name": name, "namespace": "test"}
        body = {"metadata": meta, "spec": {"targetRef": {"name": TARGETS[name]}}}
        t.status_written({**body, "status": {"phase": "Progressing", "canaryWeight": 20, "failedChecks": 1}})
        t.record_check(canary(name), Check("request-success-rate", True, "", 99.5))
        seen = Observations(revision="r", routes=Routes(80, 20), canary=READY)
        step = Decision(CanaryStatus(phase="Progressing"), (act.SetRoutes(Routes(80, 20)),), 60.0)
        t.ticked(canary(name), TickResult(step, seen), 0.02)  # an analysis tick
        before = "Finalising" if outcome == "promoted" else "Progressing"
        end = Decision(CanaryStatus(phase=phase), (act.RecordRelease(outcome),), 60.0)  # type: ignore[arg-type]
        t.ticked(canary(name, before), TickResult(end, seen), 0.02)
    t.loop_lag.set(0.003)
    return t


def istio(started: float) -> Callable[[], str]:
    def text() -> str:
        n = int((time.monotonic() - started) * 100) + 100
        lines = []
        for workload in ("podinfo", "podinfo-primary"):
            labels = 'reporter="destination",destination_workload_namespace="test",'
            labels += f'destination_workload="{workload}"'
            lines.append(f'istio_requests_total{{{labels},response_code="200"}} {n}')
            lines.append(f'istio_requests_total{{{labels},response_code="503"}} {n // 50}')
            for le, share in (("100", 0.5), ("250", 0.9), ("+Inf", 1.0)):
                lines.append(
                    f'istio_request_duration_milliseconds_bucket{{{labels},le="{le}"}} {int(n * share)}'
                )
        return "\n".join(lines) + "\n"

    return text


def targets() -> list[dict[str, Any]]:
    return [t for p in DASHBOARD["panels"] for t in p.get("targets", [])]


def substituted(expr: str) -> str:
    for name, value in sorted(VARIABLES.items(), key=lambda kv: -len(kv[0])):
        expr = expr.replace(name, value)
    return expr


def test_every_panel_query_runs_and_shows_data(prometheus: Callable[[list[str]], Prometheus]) -> None:
    controller = telemetry()
    with Exporter(lambda: controller.render().decode()) as own, Exporter(istio(time.monotonic())) as mesh:
        prom = prometheus([own.address, mesh.address])
        prom.wait_for_scrape()
        time.sleep(3)  # a few scrapes, so rate() has two samples
        empty = []
        for target in targets():
            expr = substituted(target["expr"])
            assert "$" not in expr, f"unknown variable in {target['expr']}"
            if not prom.query(expr)["result"]:
                empty.append(expr)
    assert not empty, "panels without data:\n" + "\n".join(empty)


def test_variables_read_series_the_controller_exports() -> None:
    exported = {m.name for m in telemetry().registry.collect()}
    for variable in DASHBOARD["templating"]["list"]:
        if variable["type"] == "query":
            metric = variable["definition"].split("(", 1)[1].split("{")[0].split(",")[0].strip()
            assert metric in exported, variable["name"]


def test_the_target_variable_is_the_target_of_the_chosen_canary(
    prometheus: Callable[[list[str]], Prometheus],
) -> None:
    controller = telemetry()
    variable = next(v for v in DASHBOARD["templating"]["list"] if v["name"] == "target")
    selector = variable["definition"].removeprefix("label_values(").rsplit(",", 1)[0]
    with Exporter(lambda: controller.render().decode()) as own:
        prom = prometheus([own.address])
        prom.wait_for_scrape()
        found = prom.query(substituted(selector))["result"]
    assert [r["metric"]["target"] for r in found] == ["podinfo"]


def test_panels_are_laid_out_without_overlap() -> None:
    cells: set[tuple[int, int]] = set()
    for panel in DASHBOARD["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        for x in range(grid["x"], grid["x"] + grid["w"]):
            for y in range(grid["y"], grid["y"] + grid["h"]):
                assert (x, y) not in cells, f"{panel['title']} overlaps another panel"
                cells.add((x, y))
