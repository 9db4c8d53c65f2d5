"""The charts installed with ``helm install`` into the real API server, and a release run by the
controller authenticated as the chart's ServiceAccount: enough rights, and no more."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from flagger_py.testing.cluster import Api, Cluster
from tests.charts.helm import VALUES, helm, objects
from tests.cluster import kube, workloads
from tests.cluster.controller import Controllers, release_with_credentials
from tests.paths import CHARTS, TESTENV_CRDS, THIRDPARTY_CRDS

MONITORING_CRDS = ("monitoring.coreos.com_servicemonitors.yaml", "monitoring.coreos.com_podmonitors.yaml")


@pytest.fixture
def releases(flagger_crds: Cluster, namespace: str) -> Iterator[list[str]]:
    """Helm releases made by the test, uninstalled afterwards (their cluster-wide objects too)."""
    made: list[str] = []
    yield made
    for release in made:
        helm(
            "uninstall",
            release,
            "--namespace",
            namespace,
            "--wait",
            check=False,
            kubeconfig=flagger_crds.kubeconfig,
        )


def install(
    cluster: Cluster, namespace: str, releases: list[str], chart: str, *args: str
) -> list[dict[str, object]]:
    """helm install; the objects Helm says it created."""
    release = f"{chart[:4]}-{namespace}"
    releases.append(release)
    helm(
        "install", release, str(CHARTS / chart), "--namespace", namespace, *args,
        kubeconfig=cluster.kubeconfig,
    )  # fmt: skip
    manifest = helm(
        "get", "manifest", release, "--namespace", namespace, kubeconfig=cluster.kubeconfig
    ).stdout
    return objects(manifest)


def path_of(doc: dict[str, object], namespace: str) -> str:
    api, kind = str(doc["apiVersion"]), str(doc["kind"])
    meta = doc["metadata"]
    assert isinstance(meta, dict)
    plural = {"PodDisruptionBudget": "poddisruptionbudgets", "PodMonitor": "podmonitors"}.get(
        kind, kind.lower() + "s"
    )
    prefix = f"/api/{api}" if "/" not in api else f"/apis/{api}"
    cluster_wide = kind in ("ClusterRole", "ClusterRoleBinding")
    where = "" if cluster_wide else f"/namespaces/{meta.get('namespace') or namespace}"
    return f"{prefix}{where}/{plural}/{meta['name']}"


@pytest.mark.shared
def test_both_charts_install_with_every_option(
    flagger_crds: Cluster, namespace: str, releases: list[str]
) -> None:
    cluster, ns = flagger_crds, namespace
    files = [THIRDPARTY_CRDS / "prometheus-operator" / name for name in MONITORING_CRDS]
    files.append(TESTENV_CRDS / "monitoring.coreos.com_prometheusrules.yaml")
    if not files[-1].exists():
        pytest.fail(f"{files[-1]} missing: testenv/build.sh fetches it (make test runs it)")
    monitoring = [d for path in files for d in yaml.safe_load_all(path.read_text()) if d]
    cluster.install_crds(monitoring, timeout=60)
    flagger = install(
        cluster, ns, releases, "flagger-py",
        "--values", str(VALUES / "flagger-py-full.yaml"),
        "--set", f"namespace={ns}",
    )  # fmt: skip
    loadtester = install(
        cluster, ns, releases, "loadtester", "--values", str(VALUES / "loadtester-full.yaml")
    )
    kinds = {d["kind"] for d in flagger + loadtester}
    assert {
        "Deployment",
        "Role",
        "RoleBinding",
        "ServiceMonitor",
        "PodMonitor",
        "ConfigMap",
        "Secret",
    } <= kinds
    assert {"PersistentVolumeClaim", "ClusterRole", "PodDisruptionBudget"} <= kinds
    for doc in flagger + loadtester:
        assert kube.exists(cluster, path_of(doc, ns)), f"{doc['kind']} {doc['metadata']} not found"


@pytest.mark.parametrize("scope", ["cluster", "namespace"])
def test_a_release_runs_as_the_charts_service_account_and_nothing_more(
    flagger_crds: Cluster,
    namespace: str,
    controllers: Controllers,
    releases: list[str],
    tmp_path: Path,
    scope: str,
) -> None:
    cluster, ns = flagger_crds, namespace
    settings = ["--set", "leaderElection.enabled=true", "--set", "meshProvider=kubernetes"]
    if scope == "namespace":
        settings += ["--set", f"namespace={ns}"]
    docs = install(cluster, ns, releases, "flagger-py", *settings)
    account = next(d for d in docs if d["kind"] == "ServiceAccount")["metadata"]
    assert isinstance(account, dict)
    token = kube.service_account_token(cluster, ns, str(account["name"]))
    config = kube.kubeconfig_for(cluster, token, tmp_path / "kubeconfig")

    cluster.api.apply(workloads.deployment(ns, replicas=1))
    cluster.api.apply(workloads.bluegreen(ns, revertOnDeletion=True))
    release_with_credentials(cluster, ns, controllers, config)

    refused = [
        ("DELETE", f"/api/v1/namespaces/{ns}/pods/anything"),
        ("GET", f"/api/v1/namespaces/{ns}/pods"),
        ("DELETE", f"/apis/flagger.app/v1beta1/namespaces/{ns}/canaries/anything"),
        ("POST", "/api/v1/namespaces"),
        ("GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles"),
    ]
    if scope == "namespace":
        refused += [
            ("GET", "/apis/flagger.app/v1beta1/canaries"),
            ("GET", "/api/v1/namespaces/default/secrets"),
        ]
    as_controller = Api(cluster.server, token)
    for method, path in refused:
        status = as_controller.request(method, path, {} if method == "POST" else None).status_code
        assert status == 403, f"{method} {path} as the chart's ServiceAccount: {status}, not refused"
