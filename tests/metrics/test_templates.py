"""Query templating: every variable, strictness, every MetricTemplate example of shared/, and the
built-in queries of every observer."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from flagger_py.errors import PluginNotFound, ProviderConfigError
from flagger_py.model.canary import Canary, Metric
from flagger_py.queries import builtin, template
from tests.paths import REFERENCE


def canary(**spec: Any) -> Canary:
    return Canary.model_validate(
        {
            "metadata": {"name": "podinfo", "namespace": "test"},
            "spec": {
                "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
                "analysis": {"interval": "1m", "threshold": 5, "stepWeight": 10},
                **spec,
            },
        }
    )


def metric(**fields: Any) -> Metric:
    return Metric.model_validate({"name": "errors", "templateRef": {"name": "errors"}, **fields})


def test_every_variable() -> None:
    c = canary(
        service={"port": 80, "name": "web"},
        ingressRef={"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": "public"},
    )
    values = template.Variables.of(c, metric(interval="30s", templateVariables={"direction": "inbound"}))
    query = (
        "{{ name }} {{namespace}} {{ target }} {{ service }} {{ ingress }} {{ route }} {{ interval }}"
        " {{ variables.direction }}"
    )
    assert template.render(query, values) == "podinfo test podinfo web public podinfo 30s inbound"


def test_template_metric_interval_defaults_to_1m() -> None:
    """DESIGN.md §6.7 (Flagger renders an empty string)."""
    assert template.render("[{{ interval }}]", template.Variables.of(canary(), metric())) == "[1m]"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "{{ variables.region }}",
            "query uses {{ variables.region }} but templateVariables has no 'region' (it has: none)",
        ),
        ("{{ .Name }}", "query uses {{ .Name }}: not a known variable"),
        ("{{ target | upper }}", "query uses {{ target | upper }}: not a known variable"),
    ],
)
def test_undefined_variables_are_errors(query: str, message: str) -> None:
    with pytest.raises(ProviderConfigError) as info:
        template.render(query, template.Variables.of(canary(), metric()))
    assert message in str(info.value)


def reference_templates() -> list[tuple[str, str]]:
    found = []
    for path in sorted(REFERENCE.rglob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if (
                isinstance(doc, dict)
                and doc.get("kind") == "MetricTemplate"
                and (doc.get("spec") or {}).get("query")
            ):
                found.append((f"{path.name}:{doc['metadata']['name']}", doc["spec"]["query"]))
    return found


TEMPLATES = reference_templates()


@pytest.mark.shared
@pytest.mark.parametrize(("key", "query"), TEMPLATES, ids=[k for k, _ in TEMPLATES])
def test_every_reference_template_renders(key: str, query: str) -> None:
    values = template.Variables.of(
        canary(), metric(interval="1m", templateVariables={"direction": "inbound"})
    )
    rendered = template.render(query, values)
    assert "{{" not in rendered
    assert "variables." not in rendered


@pytest.mark.shared
def test_reference_templates_exist() -> None:
    assert len(TEMPLATES) >= 8


@pytest.mark.parametrize("observer", sorted(builtin.OBSERVERS))
def test_builtin_queries_render(observer: str) -> None:
    values = template.Variables.of(canary(), metric(interval="1m"))
    for name in ("request-success-rate", "request-duration"):
        rendered = template.render(builtin.OBSERVERS[observer].query(name), values)
        assert "{{" not in rendered
        assert rendered.count("(") == rendered.count(")")
        assert "[1m]" in rendered


@pytest.mark.parametrize(
    ("provider", "global_provider", "family"),
    [
        (None, "istio", "istio"),
        ("nginx", "istio", "nginx"),
        ("gatewayapi:v1", "istio", "kubernetes"),
        ("appmesh:v1beta2", "istio", "appmesh"),
        ("contour", "linkerd", "linkerd"),  # a global linkerd provider forces linkerd queries
        ("gloo:v1", "istio", "gloo"),  # Flagger matches gloo and appmesh by prefix
        ("smi:v1alpha3:osm", "istio", "istio"),  # Flagger's observer factory: smi:* gets Istio's queries
        ("smi:v1alpha3", "smi:v1alpha3:linkerd", "linkerd"),
        (None, "crossover", "istio"),
        ("osm", "istio", "osm"),
    ],
)
def test_observer_choice(provider: str | None, global_provider: str, family: str) -> None:
    assert builtin.observer_for(provider, global_provider) is builtin.OBSERVERS[family]


@pytest.mark.parametrize(
    ("provider", "family"),
    [("gatewayapi:v1", "kubernetes"), ("kubernetes", "istio"), ("istio", "istio"), ("appmesh", "appmesh")],
)
def test_service_targets_use_flaggers_service_observer_names(provider: str, family: str) -> None:
    """Flagger appends ``:service`` for a Service target: gatewayapi keeps its (prefix) queries, the
    exact names fall back to Istio's (``kubernetes:service`` included, as Flagger 1.44 does)."""
    assert builtin.metrics_provider(provider, "istio", service_target=True) == f"{provider}:service"
    assert builtin.observer_for(provider, "istio", service_target=True) is builtin.OBSERVERS[family]


def test_unknown_observer_is_an_error_not_istio() -> None:
    with pytest.raises(PluginNotFound, match="unknown metrics observer 'isito'"):
        builtin.observer_for("isito")
