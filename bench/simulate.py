"""How long flagger-py simulate takes for a long analysis (prints its figures; not a test)."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import yaml

from flagger_py.model.canary import Canary
from flagger_py.simulator.runner import simulate
from flagger_py.simulator.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent


def long_canary() -> Canary:
    """The bundled canary, slowed to 1% a minute: a 100-step, ~2-hour analysis."""
    doc = next(
        d
        for d in yaml.safe_load_all((ROOT / "examples/podinfo-canary.yaml").read_text())
        if d["kind"] == "Canary"
    )
    doc["spec"]["analysis"].update({"stepWeight": 1, "maxWeight": 100})
    return Canary.model_validate(doc)


def main() -> None:
    canary = long_canary()
    scenario = Scenario.model_validate(yaml.safe_load((ROOT / "examples/scenarios/healthy.yaml").read_text()))
    timings, ticks = [], 0
    for _ in range(5):
        start = time.perf_counter()
        result = simulate(canary, scenario)
        timings.append(time.perf_counter() - start)
        ticks = len(result.ticks)
    median = statistics.median(timings)
    print(f"simulated: {result.verdict.text} ({ticks} ticks)")
    print(f"wall time: {median * 1000:.0f} ms median of 5 ({median / ticks * 1e6:.0f} µs per tick)")


if __name__ == "__main__":
    main()
