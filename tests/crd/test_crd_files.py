"""Shape of the CRD files: every Flagger 1.44 field, printer columns, names, status, our additions."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest
import yaml

from flagger_py.crd import schema
from tests.paths import CRDS, REFERENCE, REPO


def flagger_crds() -> dict[str, Any]:
    return {d["spec"]["names"]["kind"]: d for d in yaml.safe_load_all((REFERENCE / "crd.yaml").read_text())}


def ours() -> dict[str, Any]:
    return {d["spec"]["names"]["kind"]: d for d in schema.crd_documents()}


def paths(node: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    """Every property path of a schema, through objects, lists and maps."""
    for name, sub in node.get("properties", {}).items():
        yield f"{prefix}.{name}"
        yield from paths(sub, f"{prefix}.{name}")
    if isinstance(node.get("items"), Mapping):
        yield from paths(node["items"], prefix + "[]")
    if isinstance(node.get("additionalProperties"), Mapping):
        yield from paths(node["additionalProperties"], prefix + "{}")


def version_of(crd: Mapping[str, Any]) -> Mapping[str, Any]:
    (version,) = crd["spec"]["versions"]
    return version  # type: ignore[no-any-return]


@pytest.mark.shared
@pytest.mark.parametrize("kind", ["Canary", "MetricTemplate", "AlertProvider"])
def test_every_flagger_field_is_present(kind: str) -> None:
    theirs = set(paths(version_of(flagger_crds()[kind])["schema"]["openAPIV3Schema"]))
    mine = set(paths(version_of(ours()[kind])["schema"]["openAPIV3Schema"]))
    assert theirs - mine == set()


@pytest.mark.parametrize("kind", ["Canary", "MetricTemplate", "AlertProvider"])
def test_names_scope_and_subresources(kind: str) -> None:
    crd = ours()[kind]
    names = crd["spec"]["names"]
    assert crd["spec"]["group"] == "flagger.app"
    assert crd["spec"]["scope"] == "Namespaced"
    assert names["categories"] == ["all"]
    assert names["shortNames"]
    version = version_of(crd)
    assert (version["name"], version["served"], version["storage"]) == ("v1beta1", True, True)
    assert version["subresources"] == {"status": {}}


@pytest.mark.shared
def test_canary_printer_columns() -> None:
    columns = [c["name"] for c in version_of(ours()["Canary"])["additionalPrinterColumns"]]
    for wanted in (
        "Status",
        "Weight",
        "FailedChecks",
        "Interval",
        "Mirror",
        "StepWeight",
        "StepWeights",
        "MaxWeight",
        "LastTransitionTime",
    ):
        assert wanted in columns
    assert set(columns) >= {
        c["name"] for c in version_of(flagger_crds()["Canary"])["additionalPrinterColumns"]
    }


def test_status_additions() -> None:
    status = version_of(ours()["Canary"])["schema"]["openAPIV3Schema"]["properties"]["status"]["properties"]
    assert status["observedGeneration"]["type"] == "integer"
    assert "observedGeneration" in status["conditions"]["items"]["properties"]
    assert "Ready" in status["conditions"]["description"]


def test_cheap_invariants_in_the_schema() -> None:
    analysis = version_of(ours()["Canary"])["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"][
        "analysis"
    ]
    props = analysis["properties"]
    assert [set(b["required"]) for b in analysis["oneOf"]] == [
        {"interval", "threshold", "iterations"},
        {"interval", "threshold", "stepWeight"},
        {"interval", "threshold", "stepWeights"},
    ]
    for weight in ("stepWeight", "maxWeight", "stepWeightPromotion", "mirrorWeight"):
        assert (props[weight]["minimum"], props[weight]["maximum"]) == (0, 100)
    assert (props["stepWeights"]["items"]["minimum"], props["stepWeights"]["items"]["maximum"]) == (0, 100)
    assert props["interval"]["pattern"].startswith("^[0-9]+")
    rules = props["sessionAffinity"]["x-kubernetes-validations"]
    assert rules[0]["rule"].startswith("!has(self.primaryCookieName)")


def test_every_property_is_described() -> None:
    for kind, crd in ours().items():
        root = version_of(crd)["schema"]["openAPIV3Schema"]
        for path, node in _nodes(root):
            if path.endswith((".metadata", "{}", "[]")) or "oneOf" in path:
                continue
            assert node.get("description"), f"{kind}{path} has no description"


def _nodes(node: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Mapping[str, Any]]]:
    for name, sub in node.get("properties", {}).items():
        yield f"{prefix}.{name}", sub
        yield from _nodes(sub, f"{prefix}.{name}")
    if isinstance(node.get("items"), Mapping):
        yield from _nodes(node["items"], prefix + "[]")
    if isinstance(node.get("additionalProperties"), Mapping):
        yield from _nodes(node["additionalProperties"], prefix + "{}")


def test_chart_carries_an_identical_copy() -> None:
    for path in sorted(CRDS.glob("*.yaml")):
        copy = REPO / "charts" / "flagger-py" / "crds" / path.name
        assert copy.read_text() == path.read_text(), f"{copy} differs from {path}: copy crds/ into the chart"
