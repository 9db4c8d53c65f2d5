"""flagger-py simulate: golden timelines of the bundled examples, JSON output, bad scenario files."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
import yaml

from flagger_py import cli
from tests.paths import REPO

EXAMPLES = REPO / "examples"
GOLDEN = Path(__file__).parent / "golden"
CASES = [
    ("podinfo-canary", None),
    ("podinfo-canary", "healthy"),
    ("podinfo-canary", "latency-regression"),
    ("podinfo-canary", "flapping-webhook"),
    ("podinfo-abtest", None),
    ("podinfo-bluegreen", None),
    ("podinfo-no-provider", None),
]


def simulate(*args: str, **defaults: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    canary, *rest = args
    scenario = rest[0] if rest else None
    output = rest[1] if len(rest) > 1 else "text"
    code = cli.run_simulation(canary, scenario, output, out=out, err=err, **defaults)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(("example", "scenario"), CASES, ids=[f"{e}:{s or 'default'}" for e, s in CASES])
def test_golden_timeline(example: str, scenario: str | None) -> None:
    scenario_path = str(EXAMPLES / "scenarios" / f"{scenario}.yaml") if scenario else None
    code, out, err = simulate(str(EXAMPLES / f"{example}.yaml"), *([scenario_path] if scenario_path else []))
    assert (code, err) == (0, "")
    golden = GOLDEN / f"{example}--{scenario or 'default'}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(out)
    assert out == golden.read_text(), f"regenerate with UPDATE_GOLDEN=1 if the change is intended: {golden}"


def test_verdicts_of_the_bundled_scenarios() -> None:
    verdicts = {}
    for name in ("healthy", "latency-regression", "flapping-webhook"):
        _, out, _ = simulate(
            str(EXAMPLES / "podinfo-canary.yaml"), str(EXAMPLES / "scenarios" / f"{name}.yaml")
        )
        verdicts[name] = out.splitlines()[-1]
    assert verdicts == {
        "healthy": "verdict: promoted after 8m",
        "latency-regression": "verdict: rolled back at 11m10s at 40% after 5 failed checks",
        "flapping-webhook": "verdict: promoted after 10m",
    }


def test_json_output() -> None:
    code, out, _ = simulate(
        str(EXAMPLES / "podinfo-canary.yaml"), str(EXAMPLES / "scenarios" / "latency-regression.yaml"), "json"
    )
    assert code == 0
    document = json.loads(out)
    assert document["verdict"]["outcome"] == "rolled back"
    weights = [t["weights"]["canary"] for t in document["ticks"]]
    assert max(weights) == 40
    failing = [n for t in document["ticks"] for n in t["notes"] if n["kind"] == "metric" and not n["passed"]]
    assert len(failing) == 5
    assert all(n["name"] == "request-duration" and n["value"] > 500 for n in failing)


def test_a_long_analysis_finishes() -> None:
    """A 2-hour analysis (interval 1m, step 1%) runs to the end (its speed is measured in bench/)."""
    canary = (EXAMPLES / "podinfo-canary.yaml").read_text().replace("maxWeight: 50", "maxWeight: 100")
    canary = canary.replace("stepWeight: 10", "stepWeight: 1")
    path = REPO / ".pytest_cache" / "long-canary.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(canary)
    code, out, _ = simulate(str(path))
    assert code == 0
    assert out.splitlines()[-1] == "verdict: promoted after 1h43m"


BAD_SCENARIOS = {
    "metrics: {request-duration: {}}": (
        "metrics.request-duration: set exactly one of value, ramp, steps or noData (got none)"
    ),
    "metrics: {request-duration: {value: 1, ramp: {from: 1, to: 2, end: 1m}}}": (
        "metrics.request-duration: set exactly one of value, ramp, steps or noData (got value, ramp)"
    ),
    "metrics: {latency: {value: 1}}": (
        "metrics.latency: the canary has no metric named 'latency' "
        "(it has: request-success-rate, request-duration, error-rate)"
    ),
    "webhooks: {load-tst: {fail: always}}": (
        "webhooks.load-tst: the canary has no webhook named 'load-tst' (it has: smoke-test, load-test)"
    ),
    "duration: forever": "duration: must be a duration such as 30s, 1m or 1m30s (got 'forever')",
    "revisions: [5 minutes]": "revisions[0]: must be a duration such as 30s, 1m or 1m30s (got '5 minutes')",
    "readiness: {canary: 10s, broken: [cannary]}": (
        "readiness.broken[0]: must be one of: 'primary' or 'canary' (got 'cannary')"
    ),
    "webhooks: {load-test: {fail: sometimes}}": (
        "webhooks.load-test.fail: must be always, never, or a list of {from, to} windows (got 'sometimes')"
    ),
    "metrics: {request-duration: {steps: []}}": (
        "metrics.request-duration: steps must list at least one {at, value} point"
    ),
    "metrics: {request-duration: {ramp: {from: 1, to: 2, start: 5m, end: 1m}}}": (
        "metrics.request-duration.ramp: end (1m) must come after start (5m)"
    ),
    "unknown: 1": "unknown: unknown field",
    "- a list": "a scenario must be a mapping (see docs/simulator.md)",
    # A window is [from, to) of time since the start: no window crosses midnight.
    "webhooks: {load-test: {fail: [{from: 5m, to: 4m}]}}": (
        "webhooks.load-test.fail[0]: to (4m) must come after from (5m); a window is [from, to) "
        "of time since the start, so write the earlier time as from"
    ),
    "webhooks: {load-test: {fail: [{from: 4m, to: 4m}]}}": (
        "webhooks.load-test.fail[0]: to (4m) must come after from (4m)"
    ),
    "webhooks: {load-test: {fail: [5]}}": "webhooks.load-test.fail[0]: must be a mapping (got 5)",
    "webhooks: {load-test: {fail: 5}}": (
        "webhooks.load-test.fail: must be always, never, or a list of {from, to} windows (got 5)"
    ),
    "duration: -1h": "duration: must not be negative (got '-1h')",
    "duration: 0s": "duration: must be longer than 0s (got 0s); leave it out for the default 4h",
    "duration: 5": (
        "duration: must be a duration such as 30s, 1m or 1m30s (got 5): a bare number has no unit, "
        "write 5s or 5m"
    ),
    "duration: 100000000h": (
        "duration: must be at most 2562047h47m16.854775807s, Go's longest duration (got '100000000h')"
    ),
    "readiness: {canary: -30s}": "readiness.canary: must not be negative (got '-30s')",
    "revisions: [0s, 5h]": (
        "revisions[1] (5h) comes after the scenario's duration (4h), so it would never happen; "
        "lengthen duration or drop it"
    ),
    "metrics: {request-duration: {value: 1, noise: {stddev: 1, seed: 18446744073709551616}}}": (
        "metrics.request-duration.noise.seed: must be at most 18446744073709551615 (got 18446744073709551616)"
    ),
    "metrics: {request-duration: {ramp: {from: .inf, to: 1, end: 1m}}}": (
        "metrics.request-duration.ramp.from: must be a finite number (got inf)"
    ),
    "description: " + "[" * 90 + "]" * 90: "description: must be a string (got [[[[...]]]])",
    "a: 1\n---\nb: 2": "holds 2 YAML documents; a scenario is one (remove the extra ---)",
}


@pytest.mark.parametrize("text", sorted(BAD_SCENARIOS))
def test_bad_scenarios_get_clear_messages(text: str, tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(text + "\n")
    code, out, err = simulate(str(EXAMPLES / "podinfo-canary.yaml"), str(path))
    assert (code, out) == (1, "")
    assert BAD_SCENARIOS[text] in err
    assert err.startswith(str(path))
    assert len(err.splitlines()) == 1, err


def test_invalid_canary_is_reported_like_validate() -> None:
    code, _, err = simulate(str(REPO / "tests" / "validate" / "broken" / "04-step-weight-over-100.yaml"))
    assert code == 1
    assert "spec.analysis.stepWeight: must be between 0 and 100 (got 150)" in err


def test_missing_file() -> None:
    code, _, err = simulate(str(EXAMPLES / "nope.yaml"))
    assert code == 2
    assert "no such file" in err


def test_mesh_provider_flag_runs_a_provider_less_canary_as_the_controller_would() -> None:
    """-mesh-provider kubernetes: a stepWeight Canary without spec.provider is blue/green (no weight is
    ever set on a router that cannot split) and promotes; under the default (istio) it shifts weights."""
    path = str(EXAMPLES / "podinfo-no-provider.yaml")
    code, out, err = simulate(path, mesh_provider="kubernetes")
    assert (code, err) == (0, "")
    assert out.splitlines()[0].startswith("Canary podinfo.test: blue-green, interval 15s")
    assert out.splitlines()[-1] == "verdict: promoted after 3m30s"
    assert "iteration 10/10" in out
    assert "canary weight" not in out
    assert "Routing all traffic" not in out
    assert "10%" not in out
    assert "100%" not in out
    _, istio, _ = simulate(path)
    assert istio.splitlines()[0].startswith("Canary podinfo.test: canary, interval 15s")
    assert "Advance podinfo.test canary weight 30" in istio
    assert istio.splitlines()[-1].startswith("verdict: promoted")


def test_min_interval_flag_bounds_the_interval_as_the_controller_does() -> None:
    path = str(EXAMPLES / "podinfo-no-provider.yaml")
    _, default, _ = simulate(path, mesh_provider="kubernetes", min_interval="20s")
    assert default.splitlines()[0].startswith("Canary podinfo.test: blue-green, interval 20s")


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ({"mesh-provider": "isito"}, "--mesh-provider: no router named 'isito' is installed; available: "),
        ({"min-interval": "ten"}, "--min-interval: must be a duration such as 30s, 1m or 1m30s (got 'ten')"),
        (
            {"min-interval": "0s"},
            "--min-interval: must be longer than 0s (got '0s'); the controller's default is 10s",
        ),
        ({"min-interval": "1m100000000h"}, "--min-interval: must be at most 2562047h47m16.854775807s"),
    ],
)
def test_bad_controller_flags_are_refused(flags: dict[str, str], message: str) -> None:
    err = io.StringIO()
    code = cli.run_simulation(
        str(EXAMPLES / "podinfo-no-provider.yaml"),
        None,
        "text",
        out=io.StringIO(),
        err=err,
        mesh_provider=flags.get("mesh-provider", "istio"),
        min_interval=flags.get("min-interval", "10s"),
    )
    assert code == 2
    assert message in err.getvalue()


def test_a_canary_its_router_cannot_route_is_refused_naming_the_field(tmp_path: Path) -> None:
    canary = yaml.safe_load((EXAMPLES / "podinfo-no-provider.yaml").read_text())
    canary["spec"]["analysis"] |= {"iterations": 5, "match": [{"headers": {"x-canary": {"exact": "1"}}}]}
    for key in ("stepWeight", "maxWeight", "stepWeights"):
        canary["spec"]["analysis"].pop(key, None)
    path = tmp_path / "ab.yaml"
    path.write_text(yaml.safe_dump(canary))
    err = io.StringIO()
    code = cli.run_simulation(str(path), None, "text", out=io.StringIO(), err=err, mesh_provider="kubernetes")
    assert code == 1
    refusal = "spec.analysis.match: provider kubernetes cannot do a/b testing"
    assert err.getvalue().startswith(f"{path}:1 {refusal}")
    istio = cli.run_simulation(str(path), None, "text", out=io.StringIO(), err=io.StringIO())
    assert istio == 0
