"""Which routers and fields a Canary with a core Service target can use (workload.service_routing),
and the same verdict from admission and from flagger-py validate."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from flagger_py import cli
from flagger_py.desired import service_routing
from flagger_py.domain import effective
from flagger_py.domain.conditions import Blocked
from flagger_py.domain.effective import ControllerDefaults
from flagger_py.engine import admission
from flagger_py.manifest.check import check_document
from flagger_py.model.canary import Canary
from flagger_py.plugins import registry
from tests.paths import REPO


def body(
    provider: str | None = "gatewayapi:v1", api_version: str = "v1", kind: str = "Service", **spec: Any
) -> dict[str, Any]:
    content: dict[str, Any] = {
        "apiVersion": "flagger.app/v1beta1",
        "kind": "Canary",
        "metadata": {"name": "podinfo", "namespace": "test"},
        "spec": {
            "targetRef": {"apiVersion": api_version, "kind": kind, "name": "podinfo"},
            "service": {"port": 9898},
            "analysis": {"interval": "1m", "threshold": 2, "stepWeight": 10},
            **spec,
        },
    }
    if provider is not None:
        content["spec"]["provider"] = provider
    return content


def spec(content: dict[str, Any]) -> Canary:
    return Canary.model_validate(content)


def test_every_installed_router_is_either_allowed_or_refused_with_a_reason() -> None:
    """The table covers the built-in routers: none is refused only for being unknown."""
    installed = set(registry("router").names())
    assert installed <= service_routing.ROUTERS | set(service_routing.REFUSED)
    assert not service_routing.ROUTERS & set(service_routing.REFUSED)


@pytest.mark.parametrize("provider", sorted(service_routing.ROUTERS))
def test_routers_that_route_by_service_name_are_allowed(provider: str) -> None:
    assert service_routing.problems(spec(body(provider)).spec, provider) == []


@pytest.mark.parametrize(
    ("provider", "reason"),
    [
        ("knative", "releases Knative Services (apiVersion serving.knative.dev/v1) only"),
        ("appmesh:v1beta2", "select pods by the target's selector label"),
        ("nginx", "no share of the traffic would stay on the primary"),
        ("my-mesh", "the router 'my-mesh' is not known to route a Service target"),
    ],
)
def test_other_routers_are_refused_naming_the_field_the_kind_and_the_usable_routers(
    provider: str, reason: str
) -> None:
    (problem,) = service_routing.problems(spec(body(provider)).spec, provider)
    assert problem.path == "spec.provider"
    assert reason in problem.message
    assert "spec.targetRef.kind Service is released with one of: apisix, appmesh, contour" in problem.message


def test_other_targets_and_knative_services_are_not_this_rules_business() -> None:
    deployment = body(
        "nginx",
        "apps/v1",
        "Deployment",
        autoscalerRef={"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "name": "podinfo"},
    )
    assert service_routing.problems(spec(deployment).spec, "nginx") == []
    knative = body("knative", "serving.knative.dev/v1")
    assert service_routing.problems(spec(knative).spec, "knative") == []


def test_a_service_name_other_than_the_target_and_an_autoscaler_are_refused() -> None:
    content = body(
        service={"port": 9898, "name": "web"},
        autoscalerRef={"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "name": "podinfo"},
    )
    found = service_routing.problems(spec(content).spec, "gatewayapi:v1")
    assert [p.path for p in found] == ["spec.service.name", "spec.autoscalerRef"]
    assert "routers route to web-primary and web-canary" in found[0].message
    same = body(service={"port": 9898, "name": "podinfo"})
    assert service_routing.problems(spec(same).spec, "gatewayapi:v1") == []


def test_without_a_provider_only_the_fields_are_checked() -> None:
    assert service_routing.problems(spec(body(None)).spec, None) == []


def test_admission_blocks_with_invalid_target_naming_the_flag_when_the_provider_came_from_it() -> None:
    parsed = admission.parse(body(None))
    assert isinstance(parsed, Canary)
    resolved = effective.effective(parsed, ControllerDefaults(mesh_provider="nginx"))
    blocked = admission.check_target(resolved)
    assert isinstance(blocked, Blocked)
    assert blocked.reason == "InvalidTarget"
    assert blocked.message.startswith("-mesh-provider (spec.provider is not set): the nginx router")
    ok = effective.effective(parsed, ControllerDefaults(mesh_provider="istio"))
    assert admission.check_target(ok) is None


def test_validate_reports_the_router_a_service_target_cannot_use(tmp_path: Path) -> None:
    path = tmp_path / "canary.yaml"
    path.write_text(
        "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {name: podinfo}\nspec:\n"
        "  provider: appmesh:v1beta2\n"
        "  targetRef: {apiVersion: v1, kind: Service, name: podinfo}\n"
        "  service: {port: 9898}\n"
        "  analysis: {interval: 1m, threshold: 5, stepWeight: 10}\n"
    )
    out, err = io.StringIO(), io.StringIO()
    assert cli.validate([str(path)], out=out, err=err) == 1
    line = out.getvalue()
    assert line.startswith(f"{path}:1 Canary/podinfo spec.provider: appmesh:v1beta2 VirtualNodes select pods")
    gateway = "  service: {port: 9898, gatewayRefs: [{name: public, namespace: gateways}]}\n"
    path.write_text(
        path.read_text()
        .replace("appmesh:v1beta2", "gatewayapi:v1")
        .replace("  service: {port: 9898}\n", gateway)
    )
    assert cli.validate([str(path)], out=io.StringIO(), err=io.StringIO()) == 0


def test_the_service_targets_page_example_is_valid_and_its_router_allowed() -> None:
    page = REPO / "docs" / "service-targets.md"
    documents = [
        d
        for block in re.findall(r"```yaml\n(.*?)```", page.read_text(), re.S)
        for d in yaml.safe_load_all(block)
    ]
    canaries = [d for d in documents if d and d.get("kind") == "Canary"]
    assert canaries
    for content in canaries:
        verdict = check_document(content)
        assert verdict is not None
        assert verdict.valid, verdict.problems
    page_routers = set(
        re.findall(r"`([a-z0-9:]+)`", page.read_text().split("## Routers")[1].split("## Fields")[0])
    )
    assert service_routing.ROUTERS | set(service_routing.REFUSED) <= page_routers
