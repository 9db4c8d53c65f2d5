"""Canaries without spec.provider run on the controller's -mesh-provider, on the real control plane.

Flagger's own kubernetes e2e manifests leave ``provider`` out and rely on ``-mesh-provider kubernetes``;
the kubernetes router cannot split traffic, so whatever the analysis says (stepWeight or iterations),
the release is blue/green: analysis ticks on the -canary Service, then one switch, and no weight is ever
reported or routed.
"""

from __future__ import annotations

from typing import Any

import pytest

from flagger_py.testing.cluster import Cluster
from tests.cluster import kube, workloads
from tests.cluster.controller import Controllers, eventually
from tests.cluster.test_controller_telemetry import get, scrape


@pytest.mark.parametrize(
    ("analysis", "iterations", "strategy"),
    [({"stepWeight": 10, "maxWeight": 30}, 10, "canary"), ({"iterations": 2}, 2, "blue-green")],
    ids=["stepWeight", "iterations"],
)
def test_a_canary_without_provider_promotes_on_the_kubernetes_default(
    flagger_crds: Cluster,
    namespace: str,
    controllers: Controllers,
    analysis: dict[str, Any],
    iterations: int,
    strategy: str,
) -> None:
    cluster, ns = flagger_crds, namespace
    cluster.api.apply(workloads.deployment(ns, replicas=1, image="podinfo:6.0.0"))
    canary = workloads.bluegreen(ns)
    canary["spec"].pop("provider")
    canary["spec"]["analysis"] = {"interval": "1s", "threshold": 2, **analysis}
    cluster.api.apply(canary)
    controller = controllers()  # started with --mesh-provider kubernetes
    eventually("Initialized", lambda: kube.phase(cluster, ns) == "Initialized", 60)

    kube.set_image(cluster, ns, "Deployment", "podinfo", "podinfo:6.0.1")
    weights: set[int] = set()

    def succeeded() -> bool:
        status = kube.status(cluster, ns)
        weights.add(int(status.get("canaryWeight") or 0))
        return status.get("phase") == "Succeeded"

    eventually("Succeeded", succeeded, 120)
    assert kube.image(cluster.wait_available(ns, "podinfo-primary")) == "podinfo:6.0.1"
    assert weights == {0}
    messages = kube.messages(cluster, ns)
    assert f"Advance podinfo.{ns} canary iteration {iterations}/{iterations}" in messages
    assert not [m for m in messages if "canary weight" in m or "Routing all traffic" in m]
    assert not [e for e in kube.events(cluster, ns) if e["type"] == "Warning"]
    # Flagger's strategy label reads the spec alone (Canary.DeploymentStrategy()), not the router.
    samples = scrape(controller)
    labels = {"name": "podinfo", "namespace": ns, "analysis_status": "completed"}
    assert get(samples, "flagger_canary_successes_total", **labels, deployment_strategy=strategy) == 1
