"""Each router against the real API server with the upstream CRDs installed: every object it writes,
for every strategy it supports, is accepted by the real schema and read back unpruned; weights
round trip; finalize restores a pre-existing VirtualService / HTTPRoute / canary Ingress."""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import pytest

from flagger_py.errors import RouterError
from flagger_py.kube.client import KubeClient
from flagger_py.kube.objects import KubeObjects
from flagger_py.model.canary import Canary
from flagger_py.model.strategy import Strategy
from flagger_py.plugins import registry
from flagger_py.ports import ALL_PRIMARY, Router, RouterContext, Routes
from flagger_py.testing.cluster import Cluster, collection_path
from flagger_py.testing.routers import STEP_KEYS, STRATEGY_ANALYSIS
from providers.routers.objects import contains
from tests.cluster import workloads
from tests.cluster.test_kube_adapter import run

GATEWAY = {"name": "public", "namespace": "gateways"}
INGRESS_REF = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": "app"}
SPECS: dict[str, dict[str, Any]] = {
    "istio": {"service": {"port": 9898, "hosts": ["app.example.com"], "timeout": "5s"}},
    "gatewayapi:v1": {"service": {"port": 9898, "gatewayRefs": [GATEWAY], "timeout": "5s"}},
    "gatewayapi:v1beta1": {"service": {"port": 9898, "gatewayRefs": [GATEWAY]}},
    "linkerd": {},
    "osm": {},
    "smi:v1alpha1": {},
    "smi:v1alpha2": {},
    "nginx": {"ingressRef": INGRESS_REF},
    "contour": {"service": {"port": 9898, "timeout": "5s", "retries": {"attempts": 3, "retryOn": "5xx"}}},
    "traefik": {},
}
PLAYS: dict[Strategy, list[Routes]] = {
    "canary": [Routes(90, 10), Routes(50, 50), Routes(0, 100), ALL_PRIMARY],
    "blue/green": [Routes(0, 100), ALL_PRIMARY],
    "a/b testing": [Routes(0, 100), ALL_PRIMARY],
    "traffic mirroring": [Routes(100, 0, mirrored=True), Routes(0, 100), ALL_PRIMARY],
    "session affinity": [Routes(90, 10), Routes(60, 40)],
}


class Recording:
    """KubeObjects that remembers every body it applied, to read each back from the API server."""

    def __init__(self, inner: KubeObjects) -> None:
        self.inner = inner
        self.applied: list[Mapping[str, Any]] = []

    async def get(self, api_version: str, kind: str, namespace: str, name: str) -> Mapping[str, Any] | None:
        return await self.inner.get(api_version, kind, namespace, name)

    async def apply(self, obj: Mapping[str, Any], owner: Canary | None = None) -> Mapping[str, Any]:
        self.applied.append(copy.deepcopy(dict(obj)))
        return await self.inner.apply(obj, owner)

    async def delete(self, api_version: str, kind: str, namespace: str, name: str) -> None:
        await self.inner.delete(api_version, kind, namespace, name)


def ingress(namespace: str, name: str, backend: str) -> dict[str, Any]:
    port = {"number": 9898}
    path = {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": backend, "port": port}}}
    spec = {"ingressClassName": "nginx", "rules": [{"host": "app.example.com", "http": {"paths": [path]}}]}
    return workloads.manifest("networking.k8s.io/v1", "Ingress", namespace, name, spec)


def create_canary(cluster: Cluster, namespace: str, provider: str) -> Canary:
    body = workloads.canary(namespace)
    body["spec"] |= {"provider": provider, **copy.deepcopy(SPECS[provider])}
    body["spec"].setdefault("service", {"port": 9898})
    return Canary.model_validate(cluster.api.apply(body))


def variant(canary: Canary, strategy: Strategy, **status: Any) -> Canary:
    body = canary.model_dump(by_alias=True, exclude_none=True)
    analysis = {k: v for k, v in body["spec"]["analysis"].items() if k not in STEP_KEYS}
    body["spec"]["analysis"] = {**analysis, **STRATEGY_ANALYSIS[strategy]}
    body["status"] = status
    return Canary.model_validate(body)


def accept_http_routes(cluster: Cluster, namespace: str) -> None:
    """Play a Gateway controller: every parent accepts the current generation of every HTTPRoute."""
    base = collection_path("gateway.networking.k8s.io/v1", "httproutes", namespace)
    for route in cluster.api.get(base)["items"]:
        meta = route["metadata"]
        condition = {
            "type": "Accepted",
            "status": "True",
            "reason": "Accepted",
            "message": "accepted by the test",
            "lastTransitionTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "observedGeneration": meta["generation"],
        }
        parents = [
            {"parentRef": ref, "controllerName": "example.com/gateway", "conditions": [condition]}
            for ref in route["spec"]["parentRefs"]
        ]
        cluster.api.merge_patch(f"{base}/{meta['name']}/status", {"status": {"parents": parents}})


async def routes_of(cluster: Cluster, router: Router, canary: Canary, namespace: str) -> Routes:
    """get_routes, playing the Gateway where there is one, until the cache has seen the acceptance."""
    deadline = time.monotonic() + 10
    while True:
        if canary.spec.provider and canary.spec.provider.startswith("gatewayapi"):
            accept_http_routes(cluster, namespace)
        try:
            return await router.get_routes(canary)
        except RouterError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


def check_read_back(cluster: Cluster, recording: Recording) -> None:
    """Every body applied is in the object the API server stored: nothing was pruned or changed."""
    for body in recording.applied:
        meta = body["metadata"]
        path = (
            collection_path(body["apiVersion"], _plural(body["kind"]), meta["namespace"]) + "/" + meta["name"]
        )
        stored = cluster.api.get(path)
        assert contains(stored, body), (
            f"{body['kind']} {meta['name']} was pruned or changed:\n{body}\n{stored}"
        )
    recording.applied.clear()


def _plural(kind: str) -> str:
    return {"Ingress": "ingresses", "HTTPProxy": "httpproxies"}.get(kind, kind.lower() + "s")


@asynccontextmanager
async def router_on(
    client: KubeClient, namespace: str, provider: str, options: Mapping[str, str] | None = None
) -> AsyncIterator[tuple[Router, Recording]]:
    """The router of ``provider`` on the namespace's KubeObjects, through a Recording of what it
    applies; the objects' watches are stopped when the block ends."""
    objects = KubeObjects(client, namespace)
    recording = Recording(objects)
    try:
        yield registry("router").get(provider)(RouterContext(recording, dict(options or {}))), recording
    finally:
        await objects.stop()


async def play_strategies(
    cluster: Cluster,
    router: Router,
    recording: Recording,
    canary: Canary,
    *,
    read_back: Callable[[Cluster, Recording], None] = check_read_back,
    routes: Callable[[Canary], Awaitable[Routes]] | None = None,
    status: Callable[[Strategy], Mapping[str, str]] = lambda _strategy: {},
    reset: bool = True,
) -> frozenset[Strategy]:
    """Every strategy of the router, in order: the Canary in it (Progressing, with ``status``) passes
    check; its reconcile and each of its PLAYS of weights are read back (``read_back``), and so are
    the weights (``routes``, get_routes by default); with ``reset``, all traffic goes back to the
    primary after each strategy. Answers the strategies."""
    strategies: frozenset[Strategy] = router.strategies  # type: ignore[attr-defined]
    for strategy in sorted(strategies):
        subject = variant(canary, strategy, phase="Progressing", **status(strategy))
        assert router.check(subject) is None, strategy
        await router.reconcile(subject)
        read_back(cluster, recording)
        for play in PLAYS[strategy]:
            await router.set_routes(subject, play)
            read_back(cluster, recording)
            assert await (routes or router.get_routes)(subject) == play, (strategy, play)
        if reset:
            await router.set_routes(subject, ALL_PRIMARY)
    return strategies


async def steady(client: KubeClient, router: Router, canary: Canary, *, settle: bool = True) -> Canary:
    """The Canary with nothing in flight (strategy canary, no status), whose reconcile writes nothing
    (after one reconcile to settle it, with ``settle``). Answers it."""
    subject = variant(canary, "canary")
    if settle:
        await router.reconcile(subject)
    written = client.requests["apply"]
    await router.reconcile(subject)
    assert client.requests["apply"] == written, "a reconcile with nothing changed wrote"
    return subject


async def taken_over(
    cluster: Cluster, router: Router, canary: Canary, path: str, original: Mapping[str, Any]
) -> None:
    """The router takes over the object at ``path`` created before the Canary: its spec changes and
    it gets no owner reference (it must not be garbage-collected); then finalize."""
    await router.set_routes(canary, Routes(40, 60))
    taken = cluster.api.get(path)
    assert taken["spec"] != original["spec"]
    assert not taken["metadata"].get("ownerReferences"), "a taken-over object must not be garbage-collected"
    await router.finalize(canary)


def given_back(cluster: Cluster, path: str, original: Mapping[str, Any]) -> None:
    """After finalize: the object at ``path`` has its original spec, and no saved configuration."""
    restored = cluster.api.get(path)
    assert restored["spec"] == original["spec"]
    assert "flagger.kubernetes.io/original-configuration" not in (
        restored["metadata"].get("annotations") or {}
    )


@pytest.mark.parametrize("provider", sorted(SPECS))
def test_objects_are_accepted_unpruned_and_follow_the_weights(
    router_crds: Cluster, namespace: str, provider: str
) -> None:
    cluster = router_crds
    cluster.api.apply(ingress(namespace, "app", "podinfo"))
    canary = create_canary(cluster, namespace, provider)
    options = {"ingress-class": "contour", "ingress-annotations-prefix": "nginx.ingress.kubernetes.io"}

    def cookie(strategy: Strategy) -> dict[str, str]:
        return {"sessionAffinityCookie": "flagger-cookie=abc"} if strategy == "session affinity" else {}

    async def test(client: KubeClient) -> None:
        async with router_on(client, namespace, provider, options) as (router, recording):
            strategies = await play_strategies(
                cluster,
                router,
                recording,
                canary,
                routes=lambda subject: routes_of(cluster, router, subject, namespace),
                status=cookie,
            )
            if "session affinity" in strategies:
                after = variant(
                    canary, "session affinity", phase="Succeeded", previousSessionAffinityCookie="x=y"
                )
                await router.set_routes(after, ALL_PRIMARY)
                check_read_back(cluster, recording)
            await steady(client, router, canary)

    run(cluster, test)


PREEXISTING: dict[str, Callable[[str], dict[str, Any]]] = {
    "istio": lambda ns: {
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": "podinfo", "namespace": ns},
        "spec": {
            "hosts": ["podinfo"],
            "http": [{"route": [{"destination": {"host": "podinfo"}}], "timeout": "3s"}],
        },
    },
    "gatewayapi:v1": lambda ns: {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "podinfo", "namespace": ns},
        "spec": {"parentRefs": [GATEWAY], "rules": [{"backendRefs": [{"name": "podinfo", "port": 9898}]}]},
    },
    "nginx": lambda ns: ingress(ns, "app-canary", "podinfo-legacy"),
}


@pytest.mark.parametrize("provider", sorted(PREEXISTING))
def test_finalize_restores_a_pre_existing_object(router_crds: Cluster, namespace: str, provider: str) -> None:
    cluster = router_crds
    cluster.api.apply(ingress(namespace, "app", "podinfo"))
    mine = PREEXISTING[provider](namespace)
    path = (
        collection_path(mine["apiVersion"], _plural(mine["kind"]), namespace) + "/" + mine["metadata"]["name"]
    )
    original = cluster.api.apply(mine, manager="kubectl")
    canary = create_canary(cluster, namespace, provider)

    async def test(client: KubeClient) -> None:
        async with router_on(client, namespace, provider) as (router, _):
            await router.reconcile(canary)
            await taken_over(cluster, router, canary, path, original)

    run(cluster, test)
    given_back(cluster, path, original)
