"""Deleting a Canary: with revertOnDeletion the target gets its traffic back before the Canary goes;
without it the Canary goes at once and the target is scaled back up to keep serving."""

from __future__ import annotations

import json
from typing import Any

from flagger_py.testing.cluster import Cluster
from tests.cluster import kube, workloads
from tests.cluster.controller import Controllers, eventually


def existing_apex(ns: str) -> dict[str, Any]:
    """A Service the team created before adopting canaries, selecting the target's pods."""
    ports = [{"name": "http", "port": 9898, "targetPort": 9898}]
    spec = {"type": "NodePort", "selector": {"app": "podinfo"}, "ports": ports}
    return workloads.manifest("v1", "Service", ns, "podinfo", spec, labels={"team": "a"})


def test_revert_on_deletion_gives_the_target_its_traffic_back(
    flagger_crds: Cluster, namespace: str, controllers: Controllers
) -> None:
    cluster, ns = flagger_crds, namespace
    cluster.api.apply(workloads.deployment(ns, replicas=2))
    cluster.kubectl("apply", "-f", "-", stdin=json.dumps(existing_apex(ns)))
    node_port = kube.service(cluster, ns, "podinfo")["spec"]["ports"][0]["nodePort"]
    cluster.api.apply(workloads.bluegreen(ns, revertOnDeletion=True))
    controllers()
    eventually("Initialized", lambda: kube.phase(cluster, ns) == "Initialized", 60)
    assert "finalizer.flagger.app" in kube.canary(cluster, ns)["metadata"]["finalizers"]
    apex = kube.service(cluster, ns, "podinfo")
    assert apex["spec"]["selector"] == {"app": "podinfo-primary"}
    assert apex["spec"]["ports"][0]["nodePort"] == node_port  # taken over without losing its node port
    assert apex["spec"]["type"] == "NodePort"
    assert apex["metadata"]["labels"] == {"team": "a"}  # metadata stays the team's
    assert "ownerReferences" not in apex["metadata"]
    eventually("target at zero", lambda: kube.deployment(cluster, ns, "podinfo")["spec"]["replicas"] == 0)

    cluster.api.delete(f"/apis/flagger.app/v1beta1/namespaces/{ns}/canaries/podinfo")
    eventually(
        "the Canary gone",
        lambda: not kube.exists(cluster, f"/apis/flagger.app/v1beta1/namespaces/{ns}/canaries/podinfo"),
        60,
    )
    target = cluster.wait_available(ns, "podinfo")
    assert target["spec"]["replicas"] == 2
    assert kube.service(cluster, ns, "podinfo")["spec"]["selector"] == {"app": "podinfo"}
    eventually(
        "the Terminated event",
        lambda: any(e["message"].startswith("Terminated canary") for e in _all_events(cluster, ns)),
    )


def test_plain_deletion_leaves_the_target_serving(
    flagger_crds: Cluster, namespace: str, controllers: Controllers
) -> None:
    cluster, ns = flagger_crds, namespace
    cluster.api.apply(workloads.deployment(ns, replicas=2))
    cluster.api.apply(existing_apex(ns))
    cluster.api.apply(workloads.bluegreen(ns))
    controllers()
    eventually("Initialized", lambda: kube.phase(cluster, ns) == "Initialized", 60)
    assert not kube.canary(cluster, ns)["metadata"].get("finalizers")
    eventually("target at zero", lambda: kube.deployment(cluster, ns, "podinfo")["spec"]["replicas"] == 0)

    cluster.api.delete(f"/apis/flagger.app/v1beta1/namespaces/{ns}/canaries/podinfo")
    assert not kube.exists(cluster, f"/apis/flagger.app/v1beta1/namespaces/{ns}/canaries/podinfo")
    eventually("target scaled back", lambda: kube.deployment(cluster, ns, "podinfo")["spec"]["replicas"] == 2)
    cluster.wait_available(ns, "podinfo")
    eventually(
        "apex selects the target",
        lambda: kube.service(cluster, ns, "podinfo")["spec"]["selector"] == {"app": "podinfo"},
    )


def _all_events(cluster: Cluster, ns: str) -> list[dict[str, Any]]:
    return list(cluster.api.get(f"/api/v1/namespaces/{ns}/events")["items"])
