"""Flagger 1.44's built-in queries, read from its Go source (pkg/metrics/observers/<mesh>.go), so a test
can compare ours with Flagger's own text instead of a copy of it."""

from __future__ import annotations

import re

from flagger_py.model.canary import Canary, Metric
from flagger_py.queries import builtin, template
from tests import prerequisites

_ENTRY = re.compile(r'"(?P<key>[a-z-]+)":\s*`(?P<query>[^`]*)`')


def queries(mesh: str, variable: str) -> dict[str, str]:
    """The ``map[string]string`` named ``variable`` in observers/<mesh>.go, by metric name."""
    source = prerequisites.flagger_source()
    text = (source / "pkg" / "metrics" / "observers" / f"{mesh}.go").read_text(encoding="utf-8")
    start = text.index(f"var {variable} = map[string]string{{")
    body = text[start : text.index("\n}\n", start)]
    found = {m["key"]: m["query"] for m in _ENTRY.finditer(body)}
    assert set(found) == {"request-success-rate", "request-duration"}, sorted(found)
    return found


def sample() -> tuple[Canary, Metric]:
    """A canary as Flagger's observer tests render them: podinfo in namespace default, 1m windows."""
    canary = Canary.model_validate(
        {
            "metadata": {"name": "podinfo", "namespace": "default"},
            "spec": {
                "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
                "service": {"port": 9898},
                "analysis": {"interval": "1m", "threshold": 5, "stepWeight": 10},
            },
        }
    )
    return canary, Metric.model_validate({"name": "request-success-rate", "interval": "1m"})


def rendered(query: str) -> str:
    canary, metric = sample()
    return template.render(query, template.Variables.of(canary, metric))


def ours(observer: str, canary: Canary, metric: str) -> str:
    """Our built-in ``metric`` query of ``observer``, rendered for ``canary`` as the analyzer renders it."""
    found = builtin.observer_for(observer)
    values = found.variables(template.Variables.of(canary, Metric.model_validate({"name": metric})))
    return template.render(found.query(metric), values)


def same_promql(text: str) -> str:
    """A query with what PromQL ignores taken out: whitespace, and a trailing comma in a label matcher
    list (Flagger's kuma queries end ``service=~"...",}``)."""
    return re.sub(r",}", "}", re.sub(r"\s+", "", text))
