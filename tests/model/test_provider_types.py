"""Provider types: Flagger's names, or a plugin's name qualified by its domain; the CRDs say the same."""

from __future__ import annotations

import pytest
import yaml
from pydantic import ValidationError

from flagger_py.model import provider_types
from flagger_py.model.alert_provider import AlertProviderSpec
from flagger_py.model.metric_template import MetricProviderSpec
from tests.paths import CRDS


@pytest.mark.parametrize("name", [*provider_types.METRIC_PROVIDERS, "example.com/jsonpoint", "a.b/c-d"])
def test_a_metric_provider_type_is_a_built_in_or_a_qualified_plugin_name(name: str) -> None:
    assert MetricProviderSpec.model_validate({"type": name}).type == name


@pytest.mark.parametrize(
    "name", ["prometheus2", "jsonpoint", "Example.com/x", "example/x", "example.com/", "example.com/x/y", ""]
)
def test_anything_else_is_refused_with_both_forms_named(name: str) -> None:
    with pytest.raises(ValidationError, match="or a plugin's name qualified by its domain"):
        MetricProviderSpec.model_validate({"type": name})
    with pytest.raises(ValidationError, match="slack, msteams, discord, rocket, gchat, or a plugin's"):
        AlertProviderSpec.model_validate({"type": name, "address": "https://chat.example.com/x"})


@pytest.mark.parametrize(
    ("crd", "path", "built_in"),
    [
        ("metrictemplates.yaml", ("spec", "provider", "type"), provider_types.METRIC_PROVIDERS),
        ("alertproviders.yaml", ("spec", "type"), provider_types.NOTIFIERS),
    ],
)
def test_the_crd_keeps_flagger_s_enum_and_admits_the_same_plugin_names(
    crd: str, path: tuple[str, ...], built_in: tuple[str, ...]
) -> None:
    (document,) = yaml.safe_load_all((CRDS / crd).read_text())
    node = document["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    for key in path:
        node = node["properties"][key]
    assert node["anyOf"] == [{"enum": list(built_in)}, {"pattern": provider_types.PLUGIN_NAME}]
