"""The controller runs a release with exactly the rules of deploy/rbac.yaml, as its service account."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from flagger_py.testing.cluster import Cluster
from tests.cluster import kube, workloads
from tests.cluster.controller import Controllers, release_with_credentials
from tests.paths import REPO

RBAC = REPO / "deploy" / "rbac.yaml"


def rbac_for(namespace: str) -> list[dict[str, Any]]:
    """deploy/rbac.yaml with the service account in ``namespace`` and cluster-wide names made unique."""
    text = RBAC.read_text().replace("flagger-system", namespace)
    docs = [d for d in yaml.safe_load_all(text) if d]
    for doc in docs:
        if doc["kind"].startswith("ClusterRole"):
            doc["metadata"]["name"] = f"flagger-py-{namespace}"
        if doc["kind"] == "ClusterRoleBinding":
            doc["roleRef"]["name"] = f"flagger-py-{namespace}"
    return docs


@pytest.fixture
def service_account_kubeconfig(flagger_crds: Cluster, namespace: str, tmp_path: Path) -> Iterator[Path]:
    cluster = flagger_crds
    docs = rbac_for(namespace)
    for doc in docs:
        cluster.api.apply(doc)
    token = kube.service_account_token(cluster, namespace, "flagger-py")
    path = kube.kubeconfig_for(cluster, token, tmp_path / "kubeconfig")
    yield path
    for doc in docs:
        if doc["kind"].startswith("ClusterRole"):
            cluster.api.delete(
                f"/apis/rbac.authorization.k8s.io/v1/{doc['kind'].lower()}s/{doc['metadata']['name']}"
            )


def test_a_release_runs_with_the_documented_rbac(
    flagger_crds: Cluster, namespace: str, controllers: Controllers, service_account_kubeconfig: Path
) -> None:
    cluster, ns = flagger_crds, namespace
    cluster.api.apply(workloads.manifest("v1", "ConfigMap", ns, "cfg", data={"a": "1"}))
    dep = workloads.deployment(ns, replicas=1)
    dep["spec"]["template"]["spec"]["containers"][0]["envFrom"] = [{"configMapRef": {"name": "cfg"}}]
    cluster.api.apply(dep)
    cluster.api.apply(workloads.bluegreen(ns, revertOnDeletion=True))
    release_with_credentials(cluster, ns, controllers, service_account_kubeconfig)
