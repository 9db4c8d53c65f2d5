"""What the cluster tests of the gloo, skipper and apisix routers share: installing a router's
upstream CRDs, running every strategy it supports against the real API server (every applied body
read back unpruned, weights round trip, a steady reconcile writes nothing), finalize handing back a
taken-over object, and one whole release by the controller."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import yaml

from flagger_py.kube.client import KubeClient
from flagger_py.model.canary import Canary
from flagger_py.testing.cluster import Cluster, collection_path
from tests.cluster import workloads
from tests.cluster.controller import Controllers, promoted_in_steps
from tests.cluster.test_kube_adapter import run
from tests.cluster.test_routers import given_back, play_strategies, router_on, steady, taken_over
from tests.paths import THIRDPARTY_CRDS

Weights = Callable[[Cluster, str], tuple[int, int] | None]


def install(cluster: Cluster, directory: str) -> Cluster:
    """The upstream CRDs of ``shared/thirdparty-crds/<directory>``, installed and Established."""
    documents = [
        d
        for path in sorted((THIRDPARTY_CRDS / directory).glob("*.yaml"))
        for d in yaml.safe_load_all(path.read_text())
        if d and d.get("kind") == "CustomResourceDefinition"
    ]
    assert documents, f"no CRDs in {THIRDPARTY_CRDS / directory}"
    cluster.install_crds(documents, timeout=60)
    return cluster


def path_of(obj: Mapping[str, Any], plural: str) -> str:
    meta = obj["metadata"]
    return f"{collection_path(obj['apiVersion'], plural, meta['namespace'])}/{meta['name']}"


def create_canary(cluster: Cluster, namespace: str, provider: str, spec: Mapping[str, Any]) -> Canary:
    body = workloads.canary(namespace)
    body["spec"] |= {"provider": provider, **copy.deepcopy(dict(spec))}
    return Canary.model_validate(cluster.api.apply(body))


def exercise(
    cluster: Cluster, namespace: str, canary: Canary, options: Mapping[str, str] | None = None
) -> None:
    """Every strategy of the canary's router: reconcile, then its plays of weights, each body read back
    unpruned from the API server and the weights read back; a steady reconcile does not write."""

    async def test(client: KubeClient) -> None:
        async with router_on(client, namespace, canary.spec.provider or "", options) as (router, recording):
            await play_strategies(cluster, router, recording, canary)
            await steady(client, router, canary)

    run(cluster, test)


def finalize_restores(
    cluster: Cluster, namespace: str, canary: Canary, mine: Mapping[str, Any], plural: str
) -> None:
    """``mine``, created by kubectl before the canary, is taken over (no owner reference) and given back
    with its spec on finalize; the objects the router created are deleted."""
    path = path_of(mine, plural)
    original = cluster.api.apply(mine, manager="kubectl")

    async def test(client: KubeClient) -> None:
        async with router_on(client, namespace, canary.spec.provider or "") as (router, recording):
            await router.reconcile(canary)
            await taken_over(cluster, router, canary, path, original)
            made = {(b["kind"], b["metadata"]["name"]) for b in recording.applied} - {
                (mine["kind"], mine["metadata"]["name"])
            }
            for kind, name in made:
                body = next(
                    b for b in recording.applied if (b["kind"], b["metadata"]["name"]) == (kind, name)
                )
                assert await recording.get(body["apiVersion"], kind, namespace, name) is None, (
                    f"{kind} {name} left"
                )

    run(cluster, test)
    given_back(cluster, path, original)


def release(
    cluster: Cluster,
    namespace: str,
    controllers: Controllers,
    provider: str,
    spec: Mapping[str, Any],
    weights: Weights,
    seed: Iterable[Mapping[str, Any]] = (),
) -> None:
    """A whole release by ``flagger-py run`` through the router: initialized all-primary, the canary
    weight steps 10/20/30, promoted, all traffic back on the primary."""
    for obj in seed:
        cluster.api.apply(obj)
    cluster.api.apply(workloads.deployment(namespace, replicas=1, image="podinfo:6.0.0"))
    body = workloads.canary(namespace, interval="1s", threshold=2, stepWeight=10, maxWeight=30)
    body["spec"] |= {"provider": provider, **copy.deepcopy(dict(spec))}
    cluster.api.apply(body)
    controllers()
    promoted_in_steps(cluster, namespace, lambda: weights(cluster, namespace))
