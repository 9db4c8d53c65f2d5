"""/metrics against Flagger 1.44's own recorder, series by series.

``flagger_exposition/flagger-1.44.prom`` is what Flagger's ``pkg/metrics`` Recorder exposes after the
recorder calls its controller makes for the scenario below (``flagger_exposition/main.go`` makes them
and prints the exposition). Here the same scenario runs through flagger-py's Telemetry, fed the way the
operator feeds it (tick results, checks, written statuses). Every Canary's name differs from its
target's, since Flagger labels its series with ``spec.targetRef.name``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from flagger_py.domain import actions as act
from flagger_py.domain.machine import Decision
from flagger_py.domain.observations import READY, Observations
from flagger_py.domain.verdicts import Check
from flagger_py.domain.weights import ALL_CANARY, ALL_PRIMARY, Routes
from flagger_py.engine.tick import TickResult
from flagger_py.model.canary import Canary, CanaryStatus
from flagger_py.operator.telemetry import Telemetry

FLAGGER = Path(__file__).parent / "flagger_exposition" / "flagger-1.44.prom"
Family = tuple[str, str, dict[tuple[str, frozenset[tuple[str, str]]], float]]


def families(text: str) -> dict[str, Family]:
    """name -> (type, help, {(sample, labels): value}); bucket bounds compared as numbers (Go
    writes ``le="1"`` where Python writes ``le="1.0"``)."""
    out: dict[str, Family] = {}
    for family in text_string_to_metric_families(text):
        samples = {}
        for sample in family.samples:
            labels = {k: (repr(float(v)) if k == "le" else v) for k, v in sample.labels.items()}
            samples[(sample.name, frozenset(labels.items()))] = sample.value
        out[family.name] = (family.type, family.documentation, samples)
    return out


def canary(name: str, target: str, analysis: dict[str, Any], **spec: Any) -> Canary:
    return Canary.model_validate(
        {
            "metadata": {"name": name, "namespace": "test"},
            "spec": {
                "provider": "istio",
                "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
                "analysis": {"interval": "1m", "threshold": 2, **analysis},
                **spec,
            },
        }
    )


def at(c: Canary, phase: str, **status: Any) -> Canary:
    return c.model_copy(update={"status": CanaryStatus(phase=phase, **status)})


def result(
    phase: str, *actions: act.Action, routes: Routes | None = None, analysing: bool = False, **status: Any
) -> TickResult:
    """A tick as the engine reports it: the routes it read, whether the canary was ready (the engine
    looks only when it gets that far), and the decision."""
    obs = Observations(revision="r2", primary=READY, routes=routes, canary=READY if analysing else None)
    return TickResult(Decision(CanaryStatus(phase=phase, **status), actions, 60.0), obs)


def scenario() -> Telemetry:
    t = Telemetry()
    t.info.labels("1.44.0", "istio").set(1)
    t.count_canaries(lambda: [("test", n) for n in ("web-release", "api-canary", "shop-ab", "legacy-bg")])

    web = canary("web-release", "podinfo", {"iterations": 3})
    t.ticked(at(web, ""), result("Initialized"), 0.4)
    t.ticked(at(web, "Initialized"), result("Progressing"), 0.01)
    t.record_check(web, Check("request-duration", True, "", 250.0))
    t.ticked(
        at(web, "Progressing"), result("Progressing", routes=ALL_PRIMARY, analysing=True, iterations=1), 0.02
    )
    rollback = (act.SetRoutes(ALL_PRIMARY), act.ScaleToZero(), act.RecordRelease("rolled back"))
    t.ticked(
        at(web, "Progressing", failed_checks=2),
        result("Failed", *rollback, routes=ALL_PRIMARY, analysing=True),
        0.07,
    )
    t.status_written(
        {
            "metadata": {"name": "web-release", "namespace": "test"},
            "spec": {"targetRef": {"name": "podinfo"}},
            "status": {"phase": "Failed"},
        }
    )

    api = canary("api-canary", "api", {"stepWeight": 10}, skipAnalysis=True)
    skipped = (act.SetRoutes(ALL_PRIMARY), act.Promote(), act.RecordRelease("skipped"))
    t.ticked(at(api, "Progressing"), result("Succeeded", *skipped, routes=ALL_PRIMARY, analysing=True), 0.2)

    match = [{"headers": {"x-user": {"exact": "insider"}}}]
    shop = canary("shop-ab", "shop", {"iterations": 2, "match": match})
    t.record_check(shop, Check("error-rate", True, "", 1.5))
    step = act.SetRoutes(ALL_CANARY)
    t.ticked(
        at(shop, "Progressing"),
        result("Progressing", step, routes=ALL_PRIMARY, analysing=True, iterations=1),
        0.3,
    )

    legacy = canary("legacy-bg", "legacy", {"iterations": 3}, provider="kubernetes")
    iterating = result("Progressing", routes=ALL_PRIMARY, analysing=True, iterations=2)
    t.ticked(at(legacy, "Progressing", iterations=1), iterating, 0.05)
    promoted = (act.ScaleToZero(), act.RecordRelease("promoted"))
    t.ticked(
        at(legacy, "Finalising"), result("Succeeded", *promoted, routes=ALL_PRIMARY, analysing=True), 0.01
    )
    return t


def test_flaggers_series_are_exposed_as_flaggers_recorder_exposes_them() -> None:
    flagger = families(FLAGGER.read_text())
    ours = families(scenario().render().decode())
    assert {n for n in ours if not n.startswith("flagger_py_")} == set(flagger)
    for name, (kind, help_text, samples) in flagger.items():
        assert ours[name][0] == kind, name
        assert ours[name][1] == help_text, name
        assert ours[name][2] == samples, name


def test_the_fixture_is_flaggers_text_for_canaries_named_apart_from_their_targets() -> None:
    text = FLAGGER.read_text()
    assert 'flagger_canary_status{name="podinfo",namespace="test"} 2' in text
    assert "web-release" not in text
    assert "flagger_canary_failures_total{analysis_status=" in text
