"""Flagger 1.44's own Knative Canaries (its tutorial and e2e suite) pass `flagger-py validate`, the
knative router's check, and `flagger-py simulate` to a promotion."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from flagger_py import cli
from flagger_py.domain import effective
from flagger_py.domain.effective import ControllerDefaults
from flagger_py.engine import admission
from flagger_py.manifest import loader
from flagger_py.model.canary import Canary
from flagger_py.plugins import registry
from flagger_py.ports import RouterContext
from flagger_py.testing.objects import MemoryObjects
from tests.validate.test_flagger_corpus import BY_KEY, CANARIES, SOURCE, needs_source

KNATIVE = [k for k in CANARIES if "knative" in k]


@pytest.mark.shared
@needs_source
def test_flagger_has_knative_examples() -> None:
    assert SOURCE is not None
    assert len(KNATIVE) >= 3, KNATIVE


@pytest.mark.shared
@needs_source
@pytest.mark.parametrize("key", KNATIVE)
def test_flagger_s_knative_canary_validates_checks_and_promotes(key: str, tmp_path: Path) -> None:
    path = tmp_path / "canary.yaml"
    path.write_text(BY_KEY[key].text)
    out, err = io.StringIO(), io.StringIO()
    assert cli.validate([str(path)], out=out, err=err) == cli.EXIT_OK, out.getvalue()
    (document,) = loader.documents(key, BY_KEY[key].text)
    canary = Canary.model_validate(document.content)
    assert canary.spec.provider == "knative"
    assert registry("router").get("knative")(RouterContext(MemoryObjects(), {})).check(canary) is None
    out, err = io.StringIO(), io.StringIO()
    code = cli.run_simulation(str(path), None, "json", out=out, err=err, mesh_provider="knative")
    assert code == cli.EXIT_OK, err.getvalue()
    assert json.loads(out.getvalue())["verdict"]["outcome"] == "promoted"


KNATIVE_CANARY = """
apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: podinfo, namespace: test}
spec:
  provider: knative
  targetRef: {apiVersion: serving.knative.dev/v1, kind: Service, name: podinfo}
  analysis: {interval: 15s, threshold: 5, stepWeight: 10}
"""


TO_DEPLOYMENT = ("apiVersion: serving.knative.dev/v1, kind: Service", "apiVersion: apps/v1, kind: Deployment")
HPA = "  autoscalerRef: {apiVersion: autoscaling/v2, kind: HorizontalPodAutoscaler, name: hpa}\n"
REFUSED = {
    "spec.provider": ("provider: knative", "provider: istio"),
    "spec.targetRef": TO_DEPLOYMENT,
    "spec.autoscalerRef": ("  analysis:", f"{HPA}  analysis:"),
}
"""The three edits of KNATIVE_CANARY (old text, new text) that Flagger's verifyKnativeCanary refuses."""


@pytest.mark.parametrize(("old", "new", "field"), [(*edit, field) for field, edit in REFUSED.items()])
def test_validate_refuses_what_flagger_s_verify_knative_canary_refuses(
    old: str, new: str, field: str, tmp_path: Path
) -> None:
    path = tmp_path / "canary.yaml"
    path.write_text(KNATIVE_CANARY.replace(old, new))
    out, err = io.StringIO(), io.StringIO()
    assert cli.validate([str(path)], out=out, err=err) == cli.EXIT_INVALID
    assert f"Canary/podinfo {field}: " in out.getvalue(), out.getvalue()


def test_the_controller_refuses_a_knative_target_with_another_router_from_the_flag() -> None:
    (document,) = loader.documents("c", KNATIVE_CANARY.replace("  provider: knative\n", ""))
    canary = effective.effective(
        Canary.model_validate(document.content), ControllerDefaults(mesh_provider="istio")
    )
    blocked = admission.check_target(canary)
    assert blocked is not None
    assert blocked.reason == "InvalidTarget"
    assert blocked.message.startswith("-mesh-provider (spec.provider is not set): a Knative Service target")
    knative = effective.effective(
        Canary.model_validate(document.content), ControllerDefaults(mesh_provider="knative")
    )
    assert admission.check_target(knative) is None
