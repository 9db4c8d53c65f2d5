"""Fixtures for tests against a real Kubernetes API server.

By default a local control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok) is
started once per session from the binaries testenv/build.sh caches. With
FLAGGER_PY_TEST_KUBECONFIG=<path> the same tests run against that cluster instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from flagger_py.crd import schema
from flagger_py.testing.cluster import Cluster, LocalCluster, existing_cluster
from tests.cluster.controller import Controllers
from tests.paths import CONTROL_PLANE_STARTUP, TESTENV_BIN, THIRDPARTY_CRDS

BIN_DIR = TESTENV_BIN
_cluster: Cluster | None = None


@pytest.fixture(scope="session")
def kube_cluster(request: pytest.FixtureRequest) -> Iterator[Cluster]:
    global _cluster  # noqa: PLW0603 - the report hook below needs it
    kubeconfig = os.environ.get("FLAGGER_PY_TEST_KUBECONFIG")
    if kubeconfig:
        _cluster = existing_cluster(Path(kubeconfig), BIN_DIR if (BIN_DIR / "kubectl").exists() else None)
        yield _cluster
        return
    missing = [
        b
        for b in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "kubectl")
        if not (BIN_DIR / b).exists()
    ]
    if missing:
        pytest.fail(
            f"test binaries missing in {BIN_DIR}: {', '.join(missing)}; run testenv/build.sh (make test does)"
        )
    cluster = LocalCluster.start(BIN_DIR)
    request.config.stash[CONTROL_PLANE_STARTUP] = cluster.startup_seconds
    _cluster = cluster
    try:
        yield cluster
    finally:
        cluster.stop()
        _cluster = None


@pytest.fixture(scope="session")
def flagger_crds(kube_cluster: Cluster) -> Cluster:
    """The cluster with flagger-py's CRDs installed."""
    kube_cluster.install_crds(schema.crd_documents())
    return kube_cluster


ROUTER_CRDS = (
    "istio/customresourcedefinitions.gen.yaml",
    "gateway-api/standard/gateway.networking.k8s.io_gatewayclasses.yaml",
    "gateway-api/standard/gateway.networking.k8s.io_gateways.yaml",
    "gateway-api/standard/gateway.networking.k8s.io_httproutes.yaml",
    "smi/linkerd-smi/trafficsplit-crd.yaml",
    "contour/01-crds.yaml",
    "traefik/kubernetes-crd-definition-v1.yml",
)


@pytest.fixture(scope="session")
def router_crds(flagger_crds: Cluster) -> Cluster:
    """The cluster with flagger-py's CRDs and the upstream CRDs of every built-in router's objects."""
    documents = [
        d
        for path in ROUTER_CRDS
        for d in yaml.safe_load_all((THIRDPARTY_CRDS / path).read_text())
        if d and d.get("kind") == "CustomResourceDefinition"
    ]
    flagger_crds.install_crds(documents, timeout=60)
    return flagger_crds


@pytest.fixture
def namespace(kube_cluster: Cluster) -> Iterator[str]:
    """A fresh namespace for one test, deleted afterwards."""
    name = f"t-{uuid.uuid4().hex[:8]}"
    kube_cluster.create_namespace(name)
    yield name
    kube_cluster.api.delete(f"/api/v1/namespaces/{name}")


_controllers: list[Controllers] = []


@pytest.fixture
def controllers(flagger_crds: Cluster, namespace: str) -> Iterator[Controllers]:
    """Start ``flagger-py run`` processes watching the test's namespace; all stopped afterwards."""
    made = Controllers(flagger_crds, namespace)
    _controllers.append(made)
    try:
        yield made
    finally:
        made.stop_all()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    if report.failed and isinstance(_cluster, LocalCluster):  # type: ignore[attr-defined]
        report.sections.append(("control plane logs", _cluster.log_tails(40)))  # type: ignore[attr-defined]
    if report.failed and _controllers:  # type: ignore[attr-defined]
        report.sections.append(("controller logs", _controllers[-1].logs()))  # type: ignore[attr-defined]
    if report.when == "teardown":  # type: ignore[attr-defined]
        _controllers.clear()
    return report
