"""What the cluster tests of the gloo, skipper and apisix routers share: installing a router's
upstream CRDs, running every strategy it supports against the real API server (every applied body
read back unpruned, weights round trip, a steady reconcile writes nothing), finalize handing back a
taken-over object, and one whole release by the controller."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import yaml

from flagger_py.kube.client import KubeClient
from flagger_py.kube.objects import KubeObjects
from flagger_py.model.canary import Canary
from flagger_py.model.strategy import Strategy
from flagger_py.plugins import registry
from flagger_py.ports import ALL_PRIMARY, Router, RouterContext, Routes
from flagger_py.testing.cluster import Cluster, collection_path
from tests.cluster import kube, workloads
from tests.cluster.controller import Controllers, eventually
from tests.cluster.test_kube_adapter import run
from tests.cluster.test_routers import PLAYS, Recording, check_read_back, variant
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
    provider = canary.spec.provider or ""

    async def test(client: KubeClient) -> None:
        objects = KubeObjects(client, namespace)
        recording = Recording(objects)
        router: Router = registry("router").get(provider)(RouterContext(recording, dict(options or {})))
        strategies: frozenset[Strategy] = router.strategies  # type: ignore[attr-defined]
        try:
            for strategy in sorted(strategies):
                subject = variant(canary, strategy, phase="Progressing")
                assert router.check(subject) is None
                await router.reconcile(subject)
                check_read_back(cluster, recording)
                for routes in PLAYS[strategy]:
                    await router.set_routes(subject, routes)
                    check_read_back(cluster, recording)
                    assert await router.get_routes(subject) == routes, (strategy, routes)
                await router.set_routes(subject, ALL_PRIMARY)
            steady = variant(canary, "canary")
            await router.reconcile(steady)
            written = client.requests["apply"]
            await router.reconcile(steady)
            assert client.requests["apply"] == written, "a reconcile with nothing changed wrote"
        finally:
            await objects.stop()

    run(cluster, test)


def finalize_restores(
    cluster: Cluster, namespace: str, canary: Canary, mine: Mapping[str, Any], plural: str
) -> None:
    """``mine``, created by kubectl before the canary, is taken over (no owner reference) and given back
    with its spec on finalize; the objects the router created are deleted."""
    path = path_of(mine, plural)
    original = cluster.api.apply(mine, manager="kubectl")
    provider = canary.spec.provider or ""

    async def test(client: KubeClient) -> None:
        objects = KubeObjects(client, namespace)
        recording = Recording(objects)
        router: Router = registry("router").get(provider)(RouterContext(recording, {}))
        try:
            await router.reconcile(canary)
            await router.set_routes(canary, Routes(40, 60))
            taken = cluster.api.get(path)
            assert taken["spec"] != original["spec"]
            assert not taken["metadata"].get("ownerReferences"), "a taken-over object must not be collected"
            await router.finalize(canary)
            made = {(b["kind"], b["metadata"]["name"]) for b in recording.applied} - {
                (mine["kind"], mine["metadata"]["name"])
            }
            for kind, name in made:
                body = next(
                    b for b in recording.applied if (b["kind"], b["metadata"]["name"]) == (kind, name)
                )
                assert await objects.get(body["apiVersion"], kind, namespace, name) is None, (
                    f"{kind} {name} left"
                )
        finally:
            await objects.stop()

    run(cluster, test)
    restored = cluster.api.get(path)
    assert restored["spec"] == original["spec"]
    assert "flagger.kubernetes.io/original-configuration" not in (
        restored["metadata"].get("annotations") or {}
    )


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
    eventually("Initialized", lambda: kube.phase(cluster, namespace) == "Initialized", 60)
    assert weights(cluster, namespace) == (100, 0)
    seen: set[int] = set()
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            found = weights(cluster, namespace)
            if found:
                seen.add(found[1])
            stop.wait(0.1)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        kube.set_image(cluster, namespace, "Deployment", "podinfo", "podinfo:6.0.1")
        eventually("Succeeded", lambda: kube.phase(cluster, namespace) == "Succeeded", 120)
    finally:
        stop.set()
        thread.join()
    assert {10, 20, 30} <= seen, f"the canary weight did not step 10/20/30 (saw {sorted(seen)})"
    assert weights(cluster, namespace) == (100, 0)
    assert kube.image(kube.deployment(cluster, namespace, "podinfo-primary")) == "podinfo:6.0.1"
