"""The primary KEDA ScaledObject on a real API server with KEDA's own CRD: queries pointed at the
primary (Flagger's rewrite, or primaryScalerQueries), the scale target's kind kept, replicas."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import yaml

from flagger_py.kube import resources as r
from flagger_py.kube.client import KubeClient, connect
from flagger_py.kube.connection import Connection
from flagger_py.kube.scalers import Scalers
from flagger_py.model.canary import Canary
from flagger_py.testing.cluster import Cluster
from tests.cluster import workloads
from tests.desired.test_scaled_object import spec as target_spec
from tests.paths import THIRDPARTY_CRDS

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def keda(flagger_crds: Cluster) -> Cluster:
    documents = [
        d
        for p in sorted((THIRDPARTY_CRDS / "keda").rglob("*.yaml"))
        for d in yaml.safe_load_all(p.read_text())
        if d and d.get("kind") == "CustomResourceDefinition"
    ]
    flagger_crds.install_crds(documents, timeout=60)
    return flagger_crds


def scaled_object(namespace: str) -> dict[str, Any]:
    """The target's ScaledObject of the unit tests (tests/desired/test_scaled_object.py)."""
    return workloads.manifest("keda.sh/v1alpha1", "ScaledObject", namespace, "podinfo", target_spec())


def run(cluster: Cluster, namespace: str, autoscaler: dict[str, Any]) -> dict[str, Any]:
    """Apply the target ScaledObject, reconcile the primary's, and return it as the server stored it."""
    ref = {"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "name": "podinfo", **autoscaler}
    canary = Canary.model_validate(cluster.api.apply(workloads.bluegreen(namespace, autoscalerRef=ref)))
    cluster.api.apply(scaled_object(namespace))

    async def main() -> dict[str, Any]:
        connection = Connection.load(str(cluster.kubeconfig))
        client: KubeClient = connect(connection.server, connection.ssl_context(), connection.authorization)
        try:
            await Scalers(client, ()).reconcile_primary(canary)
            return dict(await client.get(r.SCALED_OBJECTS, namespace, "podinfo-primary"))
        finally:
            await client.close()

    return asyncio.run(main())


def test_without_primary_scaler_queries_every_query_names_the_primary(keda: Cluster, namespace: str) -> None:
    spec = run(keda, namespace, {})["spec"]
    assert spec["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "podinfo-primary",
        "envSourceContainerName": "app",
    }
    rps, unnamed, cpu = spec["triggers"]
    assert rps["metadata"] == {
        "serverAddress": "http://podinfo-prometheus:9090",
        "query": "sum(rate(x{app='podinfo-primary'}[1m]))",
        "threshold": "10",
    }
    assert unnamed["metadata"]["query"] == "y{app='podinfo-primary'}"  # the canary's name too
    assert cpu["metadata"] == {"value": "podinfo"}  # not a query


def test_primary_scaler_queries_set_only_the_named_queries(keda: Cluster, namespace: str) -> None:
    autoscaler = {
        "primaryScalerQueries": {"rps": "sum(rate(z[1m]))"},
        "primaryScalerReplicas": {"maxReplicas": 9},
    }
    spec = run(keda, namespace, autoscaler)["spec"]
    rps, unnamed, _cpu = spec["triggers"]
    assert rps["metadata"]["query"] == "sum(rate(z[1m]))"
    assert unnamed["metadata"]["query"] == "y{app='podinfo-canary'}"  # not named: copied unrewritten
    assert (spec["minReplicaCount"], spec["maxReplicaCount"]) == (2, 9)


def test_an_empty_primary_scaler_queries_survives_the_api_server_and_turns_the_rewrite_off(
    keda: Cluster, namespace: str
) -> None:
    spec = run(keda, namespace, {"primaryScalerQueries": {}})["spec"]
    assert spec["triggers"] == target_spec()["triggers"]
