"""Flagger's prefix forms of provider names select the router Flagger's factory selects."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml

from flagger_py import cli
from flagger_py.errors import PluginNotFound
from flagger_py.model.provider_names import router_name
from flagger_py.plugins import registry
from tests.paths import REFERENCE


@pytest.mark.parametrize(
    ("provider", "router"),
    [
        ("smi:v1alpha1:linkerd", "smi:v1alpha1"),
        ("smi:v1alpha2:osm", "smi:v1alpha2"),
        ("smi:v1alpha3:linkerd", "smi:v1alpha3"),
        ("appmesh:v1beta2:mesh", "appmesh:v1beta2"),
        ("gloo:v1", "gloo"),
        ("gatewayapi:v1beta1", "gatewayapi:v1beta1"),
        ("gatewayapi:v1:envoy", "gatewayapi:v1"),
        ("appmesh", "appmesh"),  # Flagger's old App Mesh router is chosen by exact name
        ("istio", "istio"),
    ],
)
def test_prefix_forms(provider: str, router: str) -> None:
    routers = registry("router")
    assert router_name(provider) == router
    assert routers.has(provider)
    assert routers.get(provider) is routers.get(router)


def test_a_name_that_selects_nothing_is_still_an_error() -> None:
    routers = registry("router")
    assert not routers.has("smi")
    with pytest.raises(PluginNotFound):
        routers.get("smi")


def test_simulate_accepts_the_prefix_forms_of_mesh_provider(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Flagger's CRD takes only exact names in spec.provider; ``-mesh-provider`` takes the prefix forms."""
    path = tmp_path / "canary.yaml"
    path.write_text(
        """apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: podinfo, namespace: test}
spec:
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
  service: {port: 9898}
  analysis: {interval: 1m, threshold: 5, maxWeight: 50, stepWeight: 10}
"""
    )
    out, err = io.StringIO(), io.StringIO()
    assert cli.validate([str(path)], out=out, err=err) == cli.EXIT_OK, out.getvalue()
    capsys.readouterr()
    assert cli.main(["simulate", str(path), "--mesh-provider", "smi:v1alpha1:linkerd"]) == 0


@pytest.mark.shared
def test_every_router_of_flagger_is_installed() -> None:
    """Every provider Flagger 1.44's CRD allows in spec.provider is a router ``plugins list`` shows."""
    crd = next(
        d
        for d in yaml.safe_load_all((REFERENCE / "crd.yaml").read_text())
        if d and d["spec"]["names"]["kind"] == "Canary"
    )
    spec = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    flaggers = set(spec["properties"]["provider"]["enum"])
    assert len(flaggers) == 19
    assert flaggers <= set(registry("router").names())
    out = io.StringIO()
    assert cli.list_plugins(out) == 0
    listed = {line.split()[1] for line in out.getvalue().splitlines() if line.startswith("router ")}
    assert flaggers <= listed
