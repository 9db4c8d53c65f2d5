"""Canaries the controller cannot act on: each gets Ready=False and Stalled=True with a reason and a
message naming the field and the fix, exactly one Warning Event, no status rewrites tick after tick,
and the controller keeps serving every other Canary."""

from __future__ import annotations

import time
from typing import Any

import pytest

from flagger_py.testing.cluster import Cluster
from tests.cluster import kube, workloads
from tests.cluster.controller import Controllers, eventually


def bad_canaries(ns: str) -> dict[str, tuple[dict[str, Any], str, str]]:
    """name -> (Canary, reason, a piece of the message)."""
    invalid = workloads.bluegreen(ns, "invalid")
    invalid["spec"]["analysis"] = {"interval": "1s", "threshold": 2, "stepWeights": [20, 10]}
    del invalid["spec"]["provider"]
    missing = workloads.bluegreen(ns, "missing")
    unlabelled = workloads.bluegreen(ns, "unlabelled")
    second = workloads.bluegreen(ns, "second")
    second["spec"]["targetRef"]["name"] = "podinfo"
    istio = workloads.bluegreen(ns, "istio")
    istio["spec"]["provider"] = "isito"
    istio["spec"]["targetRef"]["name"] = "other"
    nginx = workloads.bluegreen(ns, "nginx")
    nginx["spec"]["provider"] = "nginx"
    gateway = workloads.bluegreen(ns, "gateway")
    gateway["spec"]["provider"] = "gatewayapi:v1"
    traefik = workloads.bluegreen(ns, "traefik")
    traefik["spec"]["provider"] = "traefik"
    traefik["spec"]["analysis"]["match"] = [{"headers": {"x-canary": {"exact": "insider"}}}]
    elsewhere = workloads.bluegreen(ns, "elsewhere")
    elsewhere["spec"]["targetRef"]["name"] = "third"
    elsewhere["spec"]["analysis"]["metrics"] = [
        {"name": "errors", "interval": "1m", "thresholdRange": {"max": 1},
         "templateRef": {"name": "errors", "namespace": "flagger-system"}}
    ]  # fmt: skip
    unknown = "spec.provider: no router named 'isito' is installed; available: apisix, appmesh,"
    return {
        "invalid": (invalid, "InvalidSpec", "spec.analysis: stepWeights must increase (got 10 after 20)"),
        "missing": (missing, "TargetNotFound", "spec.targetRef.name: Deployment missing not found"),
        "unlabelled": (unlabelled, "InvalidTarget", "the target needs one of the selector labels app, name"),
        "second": (second, "DuplicateTarget", "Deployment podinfo is already the target of Canary podinfo"),
        "istio": (istio, "UnknownProvider", unknown),
        "nginx": (nginx, "InvalidRouting", "spec.ingressRef: provider nginx routes through your Ingress"),
        "gateway": (gateway, "InvalidRouting", "spec.service.gatewayRefs: provider gatewayapi:v1 attaches"),
        "traefik": (traefik, "InvalidRouting", "spec.analysis.match: provider traefik cannot do a/b testing"),
        "elsewhere": (elsewhere, "CrossNamespaceRef", "metrics[0].templateRef.namespace: 'flagger-system'"),
    }


def unlabelled_deployment(ns: str) -> dict[str, Any]:
    dep = workloads.deployment(ns, "unlabelled", replicas=1)
    dep["spec"]["selector"] = {"matchLabels": {"tier": "web"}}
    dep["spec"]["template"]["metadata"]["labels"] = {"tier": "web"}
    return dep


@pytest.fixture
def blocked(
    flagger_crds: Cluster, namespace: str, controllers: Controllers
) -> dict[str, tuple[dict[str, Any], str, str]]:
    cluster, ns = flagger_crds, namespace
    for name in ("podinfo", "other", "third"):
        cluster.api.apply(workloads.deployment(ns, name, replicas=1))
    cluster.api.apply(unlabelled_deployment(ns))
    cluster.api.apply(workloads.bluegreen(ns))  # the healthy one, created first: it owns podinfo
    time.sleep(1)  # creation timestamps have second resolution
    cases = bad_canaries(ns)
    for canary, _, _ in cases.values():
        cluster.api.apply(canary)
    controllers("--no-cross-namespace-refs=true")
    return cases


def test_each_bad_canary_says_why_once_and_the_good_one_runs(
    flagger_crds: Cluster, namespace: str, blocked: dict[str, tuple[dict[str, Any], str, str]]
) -> None:
    cluster, ns = flagger_crds, namespace
    eventually("the healthy canary Initialized", lambda: kube.phase(cluster, ns) == "Initialized", 60)
    for name, (_, reason, message) in blocked.items():

        def reported(name: str = name, reason: str = reason) -> dict[str, Any]:
            found = kube.condition(cluster, ns, "Ready", name)
            return found if found.get("reason") == reason else {}

        ready = eventually(f"{name} Ready=False", reported, 60)
        assert ready["status"] == "False"
        assert message in ready["message"], ready["message"]
        stalled = kube.condition(cluster, ns, "Stalled", name)
        assert (stalled["status"], stalled["reason"]) == ("True", reason)
        assert kube.status(cluster, ns, name)["observedGeneration"] == 1
    versions = {name: kube.canary(cluster, ns, name)["metadata"]["resourceVersion"] for name in blocked}
    time.sleep(4)  # four more ticks
    for name, (_, reason, _) in blocked.items():
        assert kube.canary(cluster, ns, name)["metadata"]["resourceVersion"] == versions[name], (
            f"{name} rewritten"
        )
        warnings = [e for e in kube.events(cluster, ns, name) if e["type"] == "Warning"]
        assert len(warnings) == 1, [e["message"] for e in warnings]
        assert warnings[0]["message"].startswith(f"{reason}: ")
        assert warnings[0].get("count", 1) == 1
        assert kube.phase(cluster, ns, name) == ""


def test_fixing_the_spec_clears_the_condition(
    flagger_crds: Cluster, namespace: str, blocked: dict[str, tuple[dict[str, Any], str, str]]
) -> None:
    cluster, ns = flagger_crds, namespace
    eventually(
        "invalid reported",
        lambda: kube.condition(cluster, ns, "Ready", "invalid").get("reason") == "InvalidSpec",
    )
    fixed = workloads.bluegreen(ns, "invalid")
    fixed["spec"]["targetRef"]["name"] = "fixed"
    cluster.api.apply(workloads.deployment(ns, "fixed", replicas=1))
    path = f"/apis/flagger.app/v1beta1/namespaces/{ns}/canaries/invalid"
    kube.patch(
        cluster,
        path,
        {
            "spec": {
                "targetRef": {"name": "fixed"},
                "analysis": {"stepWeights": None, "iterations": 2},
                "provider": "kubernetes",
            }
        },
    )
    eventually("fixed canary Initialized", lambda: kube.phase(cluster, ns, "invalid") == "Initialized", 60)
    assert kube.condition(cluster, ns, "Ready", "invalid")["status"] == "True"
    assert not kube.condition(cluster, ns, "Stalled", "invalid")
    assert kube.status(cluster, ns, "invalid")["observedGeneration"] == 2
    # A target created later is picked up without touching the Canary.
    cluster.api.apply(workloads.deployment(ns, "missing", replicas=1))
    eventually("missing canary Initialized", lambda: kube.phase(cluster, ns, "missing") == "Initialized", 60)


def test_an_unknown_global_provider_is_named(
    flagger_crds: Cluster, namespace: str, controllers: Controllers
) -> None:
    cluster, ns = flagger_crds, namespace
    cluster.api.apply(workloads.deployment(ns, replicas=1))
    canary = workloads.bluegreen(ns)
    del canary["spec"]["provider"]
    cluster.api.apply(canary)
    controllers("-mesh-provider", "isito")
    ready = eventually("Ready=False", lambda: kube.condition(cluster, ns, "Ready"), 60)
    assert ready["reason"] == "UnknownProvider"
    expected = "-mesh-provider (spec.provider is not set): no router named 'isito' is installed"
    assert ready["message"].startswith(
        f"{expected}; available: apisix, appmesh, appmesh:v1beta2, contour, gatewayapi:v1"
    )
