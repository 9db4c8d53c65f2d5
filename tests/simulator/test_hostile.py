"""flagger-py simulate on hostile input: settings Flagger reads differently, values JSON cannot write,
numbers and nesting past every sensible bound, limits of the virtual clock. Bad input is one line
naming the file and field (exit 1) or the argument (exit 2); never a traceback or a silent default."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path
from typing import Any

import pytest

from flagger_py import cli
from flagger_py.simulator import load, render, runner
from flagger_py.simulator.scenario import Scenario
from tests.paths import REPO

EXAMPLES = REPO / "examples"
CANARY = (EXAMPLES / "podinfo-canary.yaml").read_text()


def run(canary: Path | str, scenario: Path | None = None, output: str = "text") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run_simulation(str(canary), str(scenario) if scenario else None, output, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def canary_with(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    text = CANARY
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    return write(tmp_path, "canary.yaml", text)


def strict_json(text: str) -> Any:
    """JSON as RFC 8259 has it: NaN and Infinity are not JSON."""

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_max_weight_zero_walks_the_canary_to_100_as_flagger_does(tmp_path: Path) -> None:
    """Flagger: maxWeight 0 means 100. flagger-py used to promote at 0 %, the canary never tested."""
    path = canary_with(tmp_path, ("maxWeight: 50", "maxWeight: 0"))
    code, out, err = run(path, output="json")
    assert (code, err) == (0, "")
    document = strict_json(out)
    weights = [t["weights"]["canary"] for t in document["ticks"]]
    assert max(weights) == 100
    assert weights.index(100) < len(weights) - 1
    assert document["verdict"]["outcome"] == "promoted"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ("stepWeight: 10", "stepWeight: 0"),
            "spec.analysis: stepWeight 0 never moves traffic to the canary",
        ),
        (("stepWeight: 10", "stepWeights: []"), "spec.analysis: stepWeights is empty"),
        (
            ("progressDeadlineSeconds: 300", "progressDeadlineSeconds: 0"),
            "spec.progressDeadlineSeconds: 0 gives",
        ),
        (
            ("interval: 1m\n    threshold", "interval: 1m100000000h\n    threshold"),
            "spec.analysis.interval: must be at most",
        ),
        (
            ("interval: 1m\n    threshold", "interval: 6000000000m\n    threshold"),
            "spec.analysis.interval: must be at most",
        ),
        (("threshold: 5", "threshold: " + "9" * 4400), "spec.analysis.threshold: "),
    ],
)
def test_canaries_that_would_not_finish_or_cannot_be_read_are_one_line(
    tmp_path: Path, edit: tuple[str, str], message: str
) -> None:
    """Before: stepWeight 0 and [] ran to 'no verdict after 4h', 0 s of deadline became 600 s, a huge
    interval was infinity (a traceback from format_seconds), a 4,400-digit number a traceback from YAML."""
    code, out, err = run(canary_with(tmp_path, edit))
    assert (code, out) == (1, "")
    (line,) = err.splitlines()
    assert line.startswith(f"{tmp_path / 'canary.yaml'}:1 {message}")


def test_a_kubernetes_canary_with_step_weight_zero_runs_ten_iterations_as_in_flagger(tmp_path: Path) -> None:
    path = canary_with(
        tmp_path, ("provider: istio", "provider: kubernetes"), ("stepWeight: 10", "stepWeight: 0")
    )
    code, out, err = run(path)
    assert (code, err) == (0, "")
    assert "iteration 10/10" in out
    assert out.splitlines()[-1].startswith("verdict: promoted")


def test_json_never_writes_infinity_or_nan(tmp_path: Path) -> None:
    """Values JSON cannot write are Prometheus' spellings: "+Inf", "-Inf", "NaN" (json.dumps wrote
    Infinity, which no strict JSON reader takes)."""
    scenario = write(
        tmp_path, "s.yaml", "metrics:\n  request-duration: {value: -.inf}\n  error-rate: {value: .inf}\n"
    )
    code, out, err = run(EXAMPLES / "podinfo-canary.yaml", scenario, "json")
    assert (code, err) == (0, "")
    document = strict_json(out)
    values = {n["name"]: n["value"] for t in document["ticks"] for n in t["notes"] if n["kind"] == "metric"}
    assert (values["request-duration"], values["error-rate"]) == ("-Inf", "+Inf")
    assert document["verdict"]["outcome"] == "rolled back"
    assert document["verdict"]["stoppedBy"] is None
    sim = runner.simulate(load.canary_from(str(EXAMPLES / "podinfo-canary.yaml")), Scenario())
    odd = runner.Note("metric", "odd", {"value": float("nan"), "nested": [float("inf")]})
    first = dataclasses.replace(sim.ticks[0], notes=(odd,))
    notes = strict_json(render.as_json(dataclasses.replace(sim, ticks=(first,))))["ticks"][0]["notes"]
    assert notes == [{"kind": "metric", "text": "odd", "value": "NaN", "nested": ["+Inf"]}]
    assert "NaN" in (REPO / "docs" / "simulator.md").read_text()


def test_a_4400_digit_seed_is_one_line(tmp_path: Path) -> None:
    scenario = write(
        tmp_path,
        "s.yaml",
        "metrics:\n  request-duration:\n    value: 1\n    noise: {stddev: 1, seed: " + "9" * 4400 + "}\n",
    )
    code, out, err = run(EXAMPLES / "podinfo-canary.yaml", scenario)
    assert (code, out) == (1, "")
    (line,) = err.splitlines()
    field = "metrics.request-duration.noise.seed"
    assert line == f"{scenario} {field}: is too large a number (got a number of 4400 digits)"


def test_a_deeply_nested_scenario_is_one_line(tmp_path: Path) -> None:
    """Past the manifest loader's nesting bound, its message with the line (no RecursionError)."""
    scenario = write(tmp_path, "s.yaml", "description: " + "[" * 5000 + "]" * 5000 + "\n")
    code, out, err = run(EXAMPLES / "podinfo-canary.yaml", scenario)
    assert (code, out) == (1, "")
    (line,) = err.splitlines()
    assert line.startswith(f"{scenario}: nested more than")
    assert "(line 1)" in line


def test_a_directory_as_scenario_is_an_argument_error(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("duration: 1h\n")
    (tmp_path / "b.yaml").write_text("duration: 2h\n")
    err = io.StringIO()
    code = cli.run_simulation(
        str(EXAMPLES / "podinfo-canary.yaml"), str(tmp_path), "text", out=io.StringIO(), err=err
    )
    assert code == cli.EXIT_UNREADABLE == 2
    assert err.getvalue() == (
        f"flagger-py simulate: --scenario: {tmp_path} is a directory; give the path of one scenario file\n"
    )


def test_an_interval_longer_than_the_scenario_says_so(tmp_path: Path) -> None:
    """The longest interval Go holds is valid: one tick, then a verdict that names the interval."""
    path = canary_with(tmp_path, ("interval: 1m\n    threshold", "interval: 153722820m\n    threshold"))
    code, out, err = run(path)
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == (
        "verdict: no verdict after 4h: still Initialized; analysis.interval (2562047h) is longer than "
        "the scenario: lengthen its duration to see the analysis"
    )


GATED = CANARY.replace(
    "    webhooks:\n",
    "    webhooks:\n      - name: gate\n        type: confirm-rollout\n        url: http://flagger-loadtester.test/gate\n",
    1,
).replace("interval: 1m\n    threshold", "interval: 10s\n    threshold", 1)


def test_a_release_that_never_ends_stops_at_the_tick_limit_and_says_so(tmp_path: Path) -> None:
    """A closed gate and the longest duration Go holds: without a bound, 900 million ticks."""
    canary = write(tmp_path, "canary.yaml", GATED)
    scenario = write(tmp_path, "s.yaml", "duration: 2562047h\nwebhooks: {gate: {fail: always}}\n")
    code, out, err = run(canary, scenario, "json")
    assert (code, err) == (0, "")
    document = strict_json(out)
    assert len(document["ticks"]) == runner.MAX_TICKS == 10_000
    verdict = document["verdict"]
    assert (verdict["outcome"], verdict["stoppedBy"]) == ("undecided", "ticks")
    assert verdict["text"] == (
        "no verdict: stopped after 10000 ticks at 27h46m30s, the most one simulation runs: still Waiting; "
        "shorten the scenario's duration or lengthen analysis.interval"
    )


def test_the_tick_limit_is_a_parameter_and_a_duration_stop_is_named(tmp_path: Path) -> None:
    canary = write(tmp_path, "canary.yaml", GATED)
    scenario = write(tmp_path, "s.yaml", "duration: 5m\nwebhooks: {gate: {fail: always}}\n")
    code, out, _ = run(canary, scenario, "json")
    assert code == 0
    assert strict_json(out)["verdict"]["stoppedBy"] == "duration"
    parsed = load.canary_from(str(canary))
    short = runner.simulate(parsed, load.scenario_from(str(scenario), parsed), max_ticks=3)
    assert (len(short.ticks), short.verdict.stopped_by) == (3, "ticks")
    with pytest.raises(ValueError, match="max_ticks must be at least 1"):
        runner.simulate(parsed, load.scenario_from(None, parsed), max_ticks=0)


def test_the_progress_deadline_comes_from_the_spec(tmp_path: Path) -> None:
    """A broken canary fails when the Canary's deadline passes (not the default 600 s)."""
    canary = canary_with(tmp_path, ("progressDeadlineSeconds: 300", "progressDeadlineSeconds: 120"))
    scenario = write(tmp_path, "s.yaml", "readiness: {broken: [canary]}\n")
    code, out, _ = run(canary, scenario, "json")
    assert code == 0
    verdict = strict_json(out)["verdict"]
    assert verdict["outcome"] == "rolled back"
    assert verdict["at"] <= 120 + 2 * 60
