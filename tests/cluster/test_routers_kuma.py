"""provider kuma against the real API server with Kuma's TrafficRoute CRD (v2.14.3) installed: the
cluster-scoped TrafficRoute is accepted and read back unpruned through a namespace-restricted
KubeObjects (as the controller runs with -namespace), weights round trip for each strategy, finalize
deletes the route the Canary made and gives a pre-existing one its spec back in its own mesh; then one
whole release by the controller through the router."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from flagger_py.kube.client import KubeClient
from flagger_py.model.canary import Canary
from flagger_py.ports import ALL_PRIMARY
from flagger_py.testing.cluster import Cluster
from providers.routers.objects import contains
from tests.cluster import kube, workloads
from tests.cluster.controller import Controllers, promoted_in_steps
from tests.cluster.test_kube_adapter import run
from tests.cluster.test_routers import PLAYS, Recording, play_strategies, router_on, steady
from tests.paths import THIRDPARTY_CRDS

ROUTES = "/apis/kuma.io/v1alpha1/trafficroutes"


@pytest.fixture(scope="module")
def kuma_crds(flagger_crds: Cluster) -> Cluster:
    path = THIRDPARTY_CRDS / "kuma" / "kuma.io_trafficroutes.yaml"
    documents = [
        d for d in yaml.safe_load_all(path.read_text()) if d and d.get("kind") == "CustomResourceDefinition"
    ]
    flagger_crds.install_crds(documents, timeout=60)
    return flagger_crds


@pytest.fixture
def apex(kuma_crds: Cluster, namespace: str) -> Iterator[str]:
    """An apex name of this test's own (TrafficRoutes are cluster-scoped), its route deleted afterwards."""
    name = f"app-{namespace}"
    yield name
    kuma_crds.api.delete(f"{ROUTES}/{name}")


def apply_as_kubectl(cluster: Cluster, route: dict[str, Any]) -> Any:
    """Server-side apply of a cluster-scoped TrafficRoute (Cluster.api.apply knows only namespaced kinds
    beyond the built-in ones)."""
    response = cluster.api.request(
        "PATCH",
        f"{ROUTES}/{route['metadata']['name']}",
        json.dumps(route),
        params={"fieldManager": "kubectl", "fieldValidation": "Strict"},
        content_type="application/apply-patch+yaml",
    )
    response.raise_for_status()
    return response.json()


def create_canary(cluster: Cluster, namespace: str, apex: str, **meta: Any) -> Canary:
    body = workloads.canary(namespace)
    body["metadata"] |= meta
    body["spec"] |= {"provider": "kuma", "service": {"port": 9898, "name": apex}}
    return Canary.model_validate(cluster.api.apply(body))


def check_read_back(cluster: Cluster, recording: Recording) -> None:
    for body in recording.applied:
        assert "namespace" not in body["metadata"]
        stored = cluster.api.get(f"{ROUTES}/{body['metadata']['name']}")
        assert contains(stored, body), f"TrafficRoute was pruned or changed:\n{body}\n{stored}"
    recording.applied.clear()


def test_the_route_is_accepted_unpruned_and_follows_the_weights(
    kuma_crds: Cluster, namespace: str, apex: str
) -> None:
    cluster = kuma_crds
    canary = create_canary(cluster, namespace, apex, annotations={"kuma.io/mesh": "payments"})

    async def test(client: KubeClient) -> None:
        async with router_on(client, namespace, "kuma") as (router, recording):
            await play_strategies(cluster, router, recording, canary, read_back=check_read_back, reset=False)
            settled = await steady(client, router, canary, settle=False)
            stored = cluster.api.get(f"{ROUTES}/{apex}")
            assert stored["mesh"] == "payments"
            assert stored["metadata"]["annotations"]["flagger-py.app/canary"] == f"{namespace}/podinfo"
            await router.finalize(settled)
            assert not kube.exists(cluster, f"{ROUTES}/{apex}"), "finalize left the route it created"

    run(cluster, test)


def test_finalize_gives_a_pre_existing_route_its_spec_back_in_its_own_mesh(
    kuma_crds: Cluster, namespace: str, apex: str
) -> None:
    cluster = kuma_crds
    theirs = {
        "sources": [{"match": {"kuma.io/service": "*"}}],
        "destinations": [{"match": {"kuma.io/service": f"{apex}_{namespace}_svc_9898"}}],
        "conf": {"split": [{"weight": 100, "destination": {"kuma.io/service": "legacy_svc"}}]},
    }
    mine = {
        "apiVersion": "kuma.io/v1alpha1",
        "kind": "TrafficRoute",
        "mesh": "legacy",
        "metadata": {"name": apex},
    }
    original = apply_as_kubectl(cluster, {**mine, "spec": theirs})
    canary = create_canary(cluster, namespace, apex, annotations={"kuma.io/mesh": "other"})

    async def test(client: KubeClient) -> None:
        async with router_on(client, namespace, "kuma") as (router, _):
            await router.reconcile(canary)
            assert await router.get_routes(canary) == ALL_PRIMARY
            await router.set_routes(canary, PLAYS["canary"][1])
            taken = cluster.api.get(f"{ROUTES}/{apex}")
            assert taken["spec"] != original["spec"]
            assert taken["mesh"] == "legacy", "a taken-over route must stay in its mesh"
            await router.finalize(canary)

    run(cluster, test)
    restored = cluster.api.get(f"{ROUTES}/{apex}")
    assert restored["spec"] == original["spec"]
    assert restored["mesh"] == "legacy"
    annotations = restored["metadata"].get("annotations") or {}
    assert not {"flagger.kubernetes.io/original-configuration", "flagger-py.app/canary"} & set(annotations)


def weights(cluster: Cluster, apex: str) -> tuple[int, int] | None:
    if not kube.exists(cluster, f"{ROUTES}/{apex}"):
        return None
    primary, canary = cluster.api.get(f"{ROUTES}/{apex}")["spec"]["conf"]["split"]
    return primary["weight"], canary["weight"]


def test_a_release_through_kuma_steps_the_split_and_promotes(
    kuma_crds: Cluster, namespace: str, apex: str, controllers: Controllers
) -> None:
    cluster, ns = kuma_crds, namespace
    cluster.api.apply(workloads.deployment(ns, replicas=1, image="podinfo:6.0.0"))
    body = workloads.canary(ns, interval="1s", threshold=2, stepWeight=10, maxWeight=30)
    body["spec"] |= {"provider": "kuma", "service": {"port": 9898, "name": apex}}
    cluster.api.apply(body)
    controllers()
    promoted_in_steps(cluster, ns, lambda: weights(cluster, apex))
