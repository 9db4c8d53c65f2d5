"""Deployments really roll out: controller-manager, scheduler and kwok do their parts."""

from __future__ import annotations

from flagger_py.testing.cluster import Cluster, existing_cluster
from tests.cluster.workloads import deployment


def running_pods(cluster: Cluster, namespace: str, app: str) -> list[dict[str, object]]:
    pods = cluster.api.get(f"/api/v1/namespaces/{namespace}/pods", labelSelector=f"app={app}")["items"]
    return [
        p
        for p in pods
        if p["status"].get("phase") == "Running" and not p["metadata"].get("deletionTimestamp")
    ]


def test_three_replicas_become_available_on_fake_nodes(kube_cluster: Cluster, namespace: str) -> None:
    kube_cluster.api.apply(deployment(namespace))
    dep = kube_cluster.wait_available(namespace, "podinfo")
    assert dep["status"]["availableReplicas"] == 3
    pods = running_pods(kube_cluster, namespace, "podinfo")
    assert len(pods) == 3
    assert all(str(p["spec"]["nodeName"]).startswith("kwok-node-") for p in pods)  # type: ignore[index]


def test_rollout_to_a_new_image_completes(kube_cluster: Cluster, namespace: str) -> None:
    kube_cluster.api.apply(deployment(namespace))
    kube_cluster.wait_available(namespace, "podinfo")
    kube_cluster.api.apply(deployment(namespace, image="podinfo:6.1.0"))
    kube_cluster.wait_available(namespace, "podinfo")
    images = {p["spec"]["containers"][0]["image"] for p in running_pods(kube_cluster, namespace, "podinfo")}  # type: ignore[index]
    assert images == {"podinfo:6.1.0"}


def test_scale_to_zero_and_back(kube_cluster: Cluster, namespace: str) -> None:
    kube_cluster.api.apply(deployment(namespace))
    kube_cluster.wait_available(namespace, "podinfo")
    kube_cluster.api.apply(deployment(namespace, replicas=0))
    dep = kube_cluster.wait_available(namespace, "podinfo")
    assert dep["status"].get("replicas", 0) == 0
    kube_cluster.api.apply(deployment(namespace, replicas=2))
    assert kube_cluster.wait_available(namespace, "podinfo")["status"]["availableReplicas"] == 2


def test_a_kubeconfig_cluster_works_like_the_local_one(kube_cluster: Cluster) -> None:
    """FLAGGER_PY_TEST_KUBECONFIG points the suite at any cluster; here, at our own kubeconfig."""
    other = existing_cluster(kube_cluster.kubeconfig)
    try:
        names = {n["metadata"]["name"] for n in other.api.get("/api/v1/namespaces")["items"]}
        assert "default" in names
    finally:
        other.api.close()
