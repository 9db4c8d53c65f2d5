"""Property-based fuzzing of ``flagger-py simulate``: random scenarios (durations, seeds, nested
structures, wrong types, huge numbers) and random Canary analysis settings.

The properties, for every input: no exception escapes (so no traceback); the exit code is 0 or 1;
a rejection is one or more lines, each naming the file and a field the input set; a run is bounded
(at most MAX_TICKS ticks, and when it stops there its verdict says so). The tick limit is lowered
here so that each example stays fast; test_hostile.py checks the real one.
"""

from __future__ import annotations

import io
import json
import math
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flagger_py import cli
from flagger_py.simulator import runner
from tests.paths import REPO

EXAMPLE = REPO / "examples" / "podinfo-canary.yaml"
BASE_CANARY: dict[str, Any] = next(yaml.safe_load_all(EXAMPLE.read_text()))
METRICS = [m["name"] for m in BASE_CANARY["spec"]["analysis"]["metrics"]]
HOOKS = [w["name"] for w in BASE_CANARY["spec"]["analysis"]["webhooks"]]
TICKS = 200
FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass(frozen=True)
class Literal:
    """Text written into the YAML as it is: a number too long for Python to print, say."""

    text: str


def to_yaml(value: Any) -> str:
    """Flow-style YAML of ``value``, strings double-quoted by PyYAML, numbers written out in full."""
    if isinstance(value, Literal):
        return value.text
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if isinstance(value, str):
        quoted: str = yaml.safe_dump(value, default_style='"', width=2**30)
        return quoted.removesuffix("\n").removesuffix("\n...")
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{to_yaml(str(k))}: {to_yaml(v)}" for k, v in value.items()) + "}"
    return "[" + ", ".join(to_yaml(item) for item in value) + "]"


def nested(depth: int, leaf: Any) -> Any:
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"x": value}
    return value


def texts(size: int) -> st.SearchStrategy[str]:
    """Any text YAML can hold (no lone surrogates: no YAML file can contain one)."""
    return st.text(st.characters(exclude_categories=["Cs"]), max_size=size)


huge_numbers = st.one_of(
    st.integers(min_value=-(10**400), max_value=10**400),
    st.integers(min_value=4301, max_value=5000).map(lambda n: Literal("9" * n)),
    st.sampled_from([2**63, 2**64, 2**31, -1, 0]),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-1000, max_value=1000),
    huge_numbers,
    st.floats(allow_nan=True, allow_infinity=True),
    texts(12),
)
junk = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(texts(6), children, max_size=3),
    max_leaves=12,
) | st.builds(nested, st.integers(min_value=1, max_value=60), scalars)


def mostly(valid: st.SearchStrategy[Any], hostile: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``valid`` seven times in ten, else ``hostile``: most examples run, the rest probe the checks."""
    return st.integers(min_value=0, max_value=9).flatmap(lambda n: valid if n < 7 else hostile)


durations = st.one_of(
    st.builds(
        lambda n, unit: f"{n}{unit}",
        st.integers(min_value=0, max_value=10**25),
        st.sampled_from(["ns", "us", "ms", "s", "m", "h"]),
    ),
    st.sampled_from(
        ["0s", "30s", "1m", "5m30s", "1h", "-1h", "5", "forever", "", "2562047h47m16.854775807s"]
    ),
    st.sampled_from(["1m100000000h", "2562047h47m16.854775808s", "1." + "9" * 40 + "h"]),
    scalars,
)
times = mostly(st.integers(min_value=0, max_value=6 * 3600).map(lambda s: f"{s}s"), durations)
numbers = mostly(st.floats(min_value=-1e6, max_value=1e6) | st.integers(-(10**6), 10**6), scalars)
noise = st.fixed_dictionaries(
    {
        "stddev": mostly(st.floats(min_value=0, max_value=100), numbers),
        "seed": mostly(st.integers(0, 2**64), huge_numbers),
    }
)
metric_script = mostly(
    st.one_of(
        st.fixed_dictionaries({"value": numbers}, optional={"noise": noise}),
        st.fixed_dictionaries(
            {
                "ramp": st.fixed_dictionaries(
                    {"from": numbers, "to": numbers, "end": times}, optional={"start": times}
                )
            }
        ),
        st.fixed_dictionaries(
            {"steps": st.lists(st.fixed_dictionaries({"at": times, "value": numbers}), max_size=4)},
            optional={"noise": noise},
        ),
        st.fixed_dictionaries({"noData": st.booleans()}),
    ),
    junk,
)
window = mostly(st.fixed_dictionaries({"from": times, "to": times}), junk)
webhook_script = st.fixed_dictionaries(
    {},
    optional={
        "fail": mostly(st.sampled_from(["always", "never"]) | st.lists(window, max_size=3), junk),
        "message": mostly(texts(30), junk),
    },
)
scenarios = st.fixed_dictionaries(
    {},
    optional={
        "description": mostly(texts(40), junk),
        "duration": mostly(st.integers(min_value=1, max_value=4 * 3600).map(lambda s: f"{s}s"), durations),
        "revisions": mostly(st.lists(times, min_size=1, max_size=4), junk),
        "progressDeadline": times,
        "readiness": mostly(
            st.fixed_dictionaries(
                {},
                optional={
                    "primary": times,
                    "canary": times,
                    "broken": mostly(st.lists(st.sampled_from(["primary", "canary"]), max_size=2), junk),
                },
            ),
            junk,
        ),
        "metrics": mostly(
            st.dictionaries(st.sampled_from(METRICS), metric_script, max_size=3),
            st.dictionaries(st.sampled_from([*METRICS, "latency"]), junk, max_size=3) | junk,
        ),
        "webhooks": mostly(
            st.dictionaries(st.sampled_from(HOOKS), webhook_script, max_size=2),
            st.dictionaries(st.sampled_from([*HOOKS, "load-tst"]), junk, max_size=2) | junk,
        ),
    },
)
scenarios = mostly(scenarios, st.builds(lambda s, extra: {**s, "unknownField": extra}, scenarios, junk))


def run(canary: Path, scenario: Path | None, output: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with mock.patch.object(runner, "MAX_TICKS", TICKS):
        code = cli.run_simulation(str(canary), str(scenario) if scenario else None, output, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def check_run(code: int, out: str, err: str, output: str) -> None:
    """A run that went through: nothing on stderr, valid strict JSON or a verdict line, bounded."""
    assert err == ""
    if output == "text":
        assert out.splitlines()[-1].startswith("verdict: ")
        return

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in the JSON output")

    document = json.loads(out, parse_constant=refuse)
    ticks, verdict = document["ticks"], document["verdict"]
    assert 1 <= len(ticks) <= TICKS
    if verdict["stoppedBy"] == "ticks":
        assert len(ticks) == TICKS
        assert verdict["text"].startswith(f"no verdict: stopped after {TICKS} ticks")
    assert (verdict["stoppedBy"] is None) == (verdict["outcome"] != "undecided")


def refusal(document: dict[str, Any], output: str, *, as_scenario: bool) -> tuple[Path, list[str]]:
    """Simulate ``document`` from a file: the scenario of the example Canary, or the Canary itself.
    A run that goes through is checked and has no refusal lines; a refused one has nothing on
    stdout and at least one line on stderr. Answers the file's path and those lines."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("scenario.yaml" if as_scenario else "canary.yaml")
        path.write_text(to_yaml(document) + "\n")
        code, out, err = run(EXAMPLE, path, output) if as_scenario else run(path, None, output)
    assert code in (cli.EXIT_OK, cli.EXIT_INVALID), err
    if code == cli.EXIT_OK:
        check_run(code, out, err, output)
        return path, []
    assert out == ""
    lines = err.splitlines()
    assert lines
    return path, lines


def first_field(text: str) -> str:
    return re.split(r"[.\[:( ]", text, maxsplit=1)[0]


@FUZZ
@given(scenario=scenarios, output=st.sampled_from(["text", "json"]))
def test_no_scenario_makes_simulate_crash_hang_or_answer_without_a_field(
    scenario: dict[str, Any], output: str
) -> None:
    path, lines = refusal(scenario, output, as_scenario=True)
    for line in lines:
        assert line.startswith(f"{path} ") or line.startswith(f"{path}: "), line
        rest = line.removeprefix(str(path)).removeprefix(":").strip()
        assert first_field(rest) in scenario, line  # names a field the scenario set
        assert len(line) < len(str(path)) + 400, line  # one readable line, whatever the input


def percent(valid: st.SearchStrategy[int] | None = None) -> st.SearchStrategy[Any]:
    return mostly(valid or st.integers(0, 100), st.integers(-5, 120) | huge_numbers | scalars)


ANALYSIS_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "interval": mostly(st.sampled_from(["1s", "10s", "30s", "1m", "90s", "5m", "0s", "1ms"]), durations),
    "threshold": mostly(st.integers(0, 20), huge_numbers | scalars),
    "maxWeight": percent(),
    "stepWeightPromotion": percent(),
    "mirror": mostly(st.booleans(), scalars),
    "mirrorWeight": percent(),
    "primaryReadyThreshold": percent(),
    "canaryReadyThreshold": percent(),
    "match": mostly(st.just([{"headers": {"x-canary": {"exact": "insider"}}}]), junk),
    "sessionAffinity": mostly(st.just({"cookieName": "flagger-cookie"}), junk),
}
STRATEGIES: dict[str, st.SearchStrategy[Any]] = {
    "iterations": mostly(st.integers(0, 30), huge_numbers | scalars),
    "stepWeight": percent(),
    "stepWeights": mostly(
        st.lists(st.integers(0, 100), max_size=5, unique=True).map(sorted),
        st.lists(st.integers(-5, 120)) | junk,
    ),
}
SPEC_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "provider": mostly(
        st.sampled_from(["istio", "kubernetes", "nginx"]), st.sampled_from(["Istio", ""]) | scalars
    ),
    "progressDeadlineSeconds": mostly(st.integers(0, 10**4), huge_numbers | scalars),
    "skipAnalysis": mostly(st.booleans(), scalars),
}


@st.composite
def canaries(draw: st.DrawFn) -> tuple[dict[str, Any], set[str]]:
    """The example Canary with some analysis and spec settings replaced; and the names replaced."""
    changed: set[str] = set()
    analysis = {k: v for k, v in BASE_CANARY["spec"]["analysis"].items() if k != "stepWeight"}
    strategies = st.lists(st.sampled_from(sorted(STRATEGIES)), min_size=1, max_size=2, unique=True)
    for name in draw(mostly(strategies.map(lambda names: names[:1]), strategies)):
        analysis[name] = draw(STRATEGIES[name])
        changed.add(name)
    for name in draw(st.lists(st.sampled_from(sorted(ANALYSIS_FIELDS)), max_size=4, unique=True)):
        analysis[name] = draw(ANALYSIS_FIELDS[name])
        changed.add(name)
    spec = {**BASE_CANARY["spec"], "analysis": analysis}
    for name in draw(st.lists(st.sampled_from(sorted(SPEC_FIELDS)), max_size=2, unique=True)):
        spec[name] = draw(SPEC_FIELDS[name])
        changed.add(name)
    if not draw(st.booleans()):
        spec.pop("progressDeadlineSeconds", None)
    return {**BASE_CANARY, "spec": spec}, changed


@FUZZ
@given(canary=canaries(), output=st.sampled_from(["text", "json"]))
def test_no_analysis_setting_makes_simulate_crash_hang_or_answer_without_a_field(
    canary: tuple[dict[str, Any], set[str]], output: str
) -> None:
    content, changed = canary
    path, lines = refusal(content, output, as_scenario=False)
    for line in lines:
        assert line.startswith(f"{path}:1 spec"), line  # the document, then the field's path
        assert any(name in line for name in changed), line  # names a field the fuzzer set
        assert len(line) < len(str(path)) + 500, line
