"""The App Mesh routers against the real API server with the App Mesh controller's CRDs (v1.13.3)
installed. Those CRDs serve appmesh.k8s.aws/v1beta2 only:

- ``appmesh:v1beta2``: every VirtualNode, VirtualRouter and VirtualService it writes, for each strategy,
  is accepted and read back unpruned; weights round trip; finalize deletes what it made and restores a
  pre-existing VirtualRouter; one whole release by the controller steps the weights and promotes.
- ``appmesh`` writes Flagger's v1beta1 objects, which no App Mesh controller since v1.0 serves: against
  these CRDs it stops with a message saying the API server does not serve them (what can be tested of
  it here; its objects are checked field by field in tests/routers/test_shapes_appmesh.py).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from flagger_py.errors import KubeError
from flagger_py.kube.client import KubeClient
from flagger_py.model.canary import Canary
from flagger_py.ports import ALL_PRIMARY
from flagger_py.testing.cluster import Cluster, collection_path
from tests.cluster import kube, workloads
from tests.cluster.controller import Controllers, eventually, promoted_in_steps
from tests.cluster.test_kube_adapter import run
from tests.cluster.test_routers import given_back, play_strategies, router_on, steady, taken_over
from tests.paths import THIRDPARTY_CRDS

API = "appmesh.k8s.aws/v1beta2"
SERVICE = {
    "port": 80,
    "targetPort": 9898,
    "hosts": ["app.example.com"],
    "backends": ["backend.default", "arn:aws:appmesh:eu-west-1:123456789012:mesh/m/virtualService/s"],
    "timeout": "15s",
    "retries": {"attempts": 3, "perTryTimeout": "5s", "retryOn": "gateway-error,server-error"},
    "match": [{"uri": {"prefix": "/api"}}],
}


@pytest.fixture(scope="module")
def appmesh_crds(flagger_crds: Cluster) -> Cluster:
    path = THIRDPARTY_CRDS / "aws-app-mesh" / "crds.yaml"
    documents = [
        d for d in yaml.safe_load_all(path.read_text()) if d and d.get("kind") == "CustomResourceDefinition"
    ]
    assert {v["name"] for d in documents for v in d["spec"]["versions"] if v.get("served")} == {"v1beta2"}
    flagger_crds.install_crds(documents, timeout=60)
    return flagger_crds


def create_canary(cluster: Cluster, namespace: str, provider: str, **service: Any) -> Canary:
    body = workloads.canary(namespace)
    body["metadata"]["annotations"] = {"appmesh.flagger.app/accesslog": "enabled"}
    body["spec"] |= {"provider": provider, "service": {**copy.deepcopy(SERVICE), **service}}
    return Canary.model_validate(cluster.api.apply(body))


def path(kind: str, namespace: str, name: str) -> str:
    return f"{collection_path(API, kind.lower() + 's', namespace)}/{name}"


MADE = [
    ("VirtualNode", "podinfo-primary"),
    ("VirtualNode", "podinfo-canary"),
    ("VirtualRouter", "podinfo"),
    ("VirtualRouter", "podinfo-canary"),
    ("VirtualService", "podinfo"),
    ("VirtualService", "podinfo-canary"),
]


def test_v1beta2_objects_are_accepted_unpruned_and_follow_the_weights(
    appmesh_crds: Cluster, namespace: str
) -> None:
    cluster = appmesh_crds
    cluster.api.apply(workloads.deployment(namespace, replicas=0))
    canary = create_canary(cluster, namespace, "appmesh:v1beta2")

    async def test(client: KubeClient) -> None:
        async with router_on(client, namespace, "appmesh:v1beta2") as (router, recording):
            await play_strategies(cluster, router, recording, canary, reset=False)
            settled = await steady(client, router, canary)
            for kind, name in MADE:
                stored = cluster.api.get(path(kind, namespace, name))
                assert stored["metadata"]["ownerReferences"][0]["kind"] == "Canary", (kind, name)
            await router.finalize(settled)
            left = [(k, n) for k, n in MADE if kube.exists(cluster, path(k, namespace, n))]
            assert not left, f"finalize left {left}"

    run(cluster, test)


def test_finalize_restores_a_pre_existing_virtual_router(appmesh_crds: Cluster, namespace: str) -> None:
    cluster = appmesh_crds
    cluster.api.apply(workloads.deployment(namespace, replicas=0))
    target = {"virtualNodeRef": {"name": "podinfo-v1"}, "weight": 1}
    route = {
        "name": "legacy",
        "httpRoute": {"match": {"prefix": "/"}, "action": {"weightedTargets": [target]}},
    }
    mine = {
        "apiVersion": API,
        "kind": "VirtualRouter",
        "metadata": {"name": "podinfo", "namespace": namespace},
        "spec": {"listeners": [{"portMapping": {"port": 9898, "protocol": "http"}}], "routes": [route]},
    }
    original = cluster.api.apply(mine, manager="kubectl")
    canary = create_canary(cluster, namespace, "appmesh:v1beta2")

    where = path("VirtualRouter", namespace, "podinfo")

    async def test(client: KubeClient) -> None:
        async with router_on(client, namespace, "appmesh:v1beta2") as (router, _):
            await router.reconcile(canary)
            assert await router.get_routes(canary) == ALL_PRIMARY
            await taken_over(cluster, router, canary, where, original)

    run(cluster, test)
    given_back(cluster, where, original)


def test_v1beta1_objects_are_not_served_and_the_router_says_so(appmesh_crds: Cluster, namespace: str) -> None:
    canary = create_canary(appmesh_crds, namespace, "appmesh", meshName="global")

    async def test(client: KubeClient) -> None:
        async with router_on(client, namespace, "appmesh") as (router, _):
            assert router.check(canary) is None
            with pytest.raises(KubeError, match=r"does not serve VirtualNode \(appmesh.k8s.aws/v1beta1\)"):
                await router.reconcile(canary)

    run(appmesh_crds, test)


def weights(cluster: Cluster, ns: str) -> tuple[int, int] | None:
    def by_node(router: Any) -> dict[str, int]:
        (route,) = router["spec"]["routes"]
        return {
            t["virtualNodeRef"]["name"]: t["weight"] for t in route["httpRoute"]["action"]["weightedTargets"]
        }

    return kube.weights_at(cluster, path("VirtualRouter", ns, "podinfo"), by_node)


def test_a_release_through_app_mesh_v1beta2_steps_the_weights_and_promotes(
    appmesh_crds: Cluster, namespace: str, controllers: Controllers
) -> None:
    cluster, ns = appmesh_crds, namespace
    deployment = workloads.deployment(ns, replicas=1, image="podinfo:6.0.0")
    deployment["spec"]["selector"]["matchLabels"] = {"workload": "podinfo"}
    deployment["spec"]["template"]["metadata"]["labels"] = {"workload": "podinfo"}
    cluster.api.apply(deployment)
    body = workloads.canary(ns, interval="1s", threshold=2, stepWeight=10, maxWeight=30)
    body["spec"] |= {"provider": "appmesh:v1beta2", "service": {"port": 9898}}
    cluster.api.apply(body)
    controllers("--selector-labels", "workload")  # not a default: the router must get the flag
    eventually("Initialized", lambda: kube.phase(cluster, ns) == "Initialized", 60)
    node = cluster.api.get(path("VirtualNode", ns, "podinfo-primary"))
    assert node["spec"]["podSelector"] == {"matchLabels": {"workload": "podinfo-primary"}}
    promoted_in_steps(cluster, ns, lambda: weights(cluster, ns))
