"""The chart's CanaryFailed alert, run by ``promtool test rules`` on the series a real Telemetry exports
after a rollback of a Canary named apart from its target: the alert names the Canary and its target."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from flagger_py.domain import actions as act
from flagger_py.domain.machine import Decision
from flagger_py.domain.observations import READY, Observations
from flagger_py.domain.weights import ALL_PRIMARY
from flagger_py.engine.tick import TickResult
from flagger_py.model.canary import Canary, CanaryStatus
from flagger_py.operator.telemetry import Telemetry
from tests.charts.helm import find, objects, template


def rolled_back() -> Telemetry:
    t = Telemetry()
    canary = Canary.model_validate(
        {
            "metadata": {"name": "web", "namespace": "test"},
            "spec": {
                "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
                "analysis": {"interval": "1m", "threshold": 2, "iterations": 3},
            },
            "status": {"phase": "Progressing", "failedChecks": 2},
        }
    )
    end = Decision(
        CanaryStatus(phase="Failed"), (act.SetRoutes(ALL_PRIMARY), act.RecordRelease("rolled back")), 60.0
    )
    t.ticked(canary, TickResult(end, Observations(revision="r", routes=ALL_PRIMARY, canary=READY)), 0.1)
    body = {"metadata": {"name": "web", "namespace": "test"}, "spec": {"targetRef": {"name": "podinfo"}}}
    t.status_written({**body, "status": {"phase": "Failed", "failedChecks": 2}})
    return t


def series(t: Telemetry, *names: str) -> list[dict[str, str]]:
    """``input_series`` for promtool: the exported samples of ``names``, constant for 10 minutes."""
    out = []
    for family in text_string_to_metric_families(t.render().decode()):
        for sample in family.samples:
            if sample.name in names:
                labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
                out.append({"series": f"{sample.name}{{{labels}}}", "values": f"{sample.value:g}x10"})
    return out


def test_canary_failed_names_the_canary_and_its_target(tmp_path: Path) -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.fail("promtool missing: scripts/system-deps.sh installs the prometheus package that has it")
    rule = find(objects(template("flagger-py", "flagger-py-full.yaml")), "PrometheusRule")
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": rule["spec"]["groups"]}))
    failed = next(r for r in rule["spec"]["groups"][0]["rules"] if r["alert"] == "CanaryFailed")
    labels = {"severity": "warning", "namespace": "test", "name": "web", "target": "podinfo"}
    summary = "Canary test/web (target podinfo) failed and was rolled back"
    tests = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": series(rolled_back(), "flagger_py_canary_phase", "flagger_canary_status"),
                "alert_rule_test": [
                    {
                        "eval_time": "5m",
                        "alertname": "CanaryFailed",
                        "exp_alerts": [
                            {
                                "exp_labels": labels,
                                "exp_annotations": {
                                    "summary": summary,
                                    "description": failed["annotations"]["description"]
                                    .replace("{{ $labels.namespace }}", "test")
                                    .replace("{{ $labels.name }}", "web"),
                                },
                            }
                        ],
                    }
                ],
            }
        ],
    }
    (tmp_path / "tests.yaml").write_text(yaml.safe_dump(tests))
    result = subprocess.run(
        [promtool, "test", "rules", "tests.yaml"], capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'flagger_canary_status{name="podinfo",namespace="test"}' in str(tests)  # Flagger's: the target
