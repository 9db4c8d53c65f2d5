"""The simulation as text (a timeline for people) or JSON (for tools).

The JSON is strict (RFC 8259): a number that JSON cannot write, such as a metric value of NaN or
infinity from a scenario, is the string Prometheus writes for it: ``"NaN"``, ``"+Inf"``, ``"-Inf"``.
"""

from __future__ import annotations

import json
import math
from typing import Any

from flagger_py.model.duration import format_seconds
from flagger_py.simulator.runner import Simulation


def text(sim: Simulation) -> str:
    settings = sim.settings
    strategy = settings.strategy
    interval = format_seconds(settings.interval)
    lines = [
        f"Canary {settings}: {strategy}, interval {interval}, threshold {settings.threshold}"
        f" — scenario: {sim.scenario.description}",
        "",
        f"{'time':>8}  {'phase':<17}{'weight':>6}  {'failed':>6}",
    ]
    legend = (
        "weight: share of traffic on the canary; m = mirrored; match = only requests matching analysis.match"
    )
    for tick in sim.ticks:
        status = tick.status
        weight = f"{tick.routes.canary}%" + ("m" if tick.routes.mirrored else "")
        if strategy == "ab-testing" and tick.routes.canary == 100:
            weight = "match"  # only requests matching analysis.match reach the canary
        lines.append(
            f"{format_seconds(tick.at):>8}  {status.phase or 'new':<17}{weight:>6}  {status.failed_checks:>6}"
        )
        lines.extend(f"{'':>10}{note.text}" for note in tick.notes)
    lines += ["", legend, f"verdict: {sim.verdict.text}"]
    return "\n".join(lines) + "\n"


def as_json(sim: Simulation) -> str:
    ticks: list[dict[str, Any]] = []
    for tick in sim.ticks:
        ticks.append(
            {
                "at": tick.at,
                "time": format_seconds(tick.at),
                "phase": tick.status.phase,
                "weights": {
                    "primary": tick.routes.primary,
                    "canary": tick.routes.canary,
                    "mirrored": tick.routes.mirrored,
                },
                "canaryWeight": tick.status.canary_weight,
                "iterations": tick.status.iterations,
                "failedChecks": tick.status.failed_checks,
                "notes": [{"kind": n.kind, "text": n.text, **n.data} for n in tick.notes],
            }
        )
    verdict = {
        "outcome": sim.verdict.outcome,
        "text": sim.verdict.text,
        "at": sim.verdict.at,
        "stoppedBy": sim.verdict.stopped_by,
    }
    document = {
        "canary": f"{sim.canary.metadata.name}.{sim.canary.metadata.namespace or 'default'}",
        "scenario": sim.scenario.description,
        "ticks": ticks,
        "verdict": verdict,
    }
    return json.dumps(_strict(document), indent=2, allow_nan=False) + "\n"


def _strict(value: Any) -> Any:
    """``value`` with every float JSON cannot write replaced by its Prometheus spelling."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")
    if isinstance(value, dict):
        return {key: _strict(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_strict(item) for item in value]
    return value
