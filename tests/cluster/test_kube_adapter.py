"""The Kubernetes adapter against the real API server: caches, status concurrency, Lease races."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from flagger_py.errors import KubeConflict
from flagger_py.kube import resources as r
from flagger_py.kube.client import KubeClient, connect
from flagger_py.kube.connection import Connection
from flagger_py.kube.events import KubeEvents
from flagger_py.kube.informer import Informer
from flagger_py.kube.informers import Caches, config_summary
from flagger_py.kube.lookups import KubeLookup
from flagger_py.kube.status import KubeStatus
from flagger_py.kube.workloads import KubeWorkloads
from flagger_py.model.canary import Canary, CanaryStatus
from flagger_py.operator.leader import LeaderLease
from flagger_py.testing.cluster import Cluster
from flagger_py.testing.memory import VirtualClock
from tests.cluster import kube, workloads


def run(cluster: Cluster, test: Callable[[KubeClient], Awaitable[None]]) -> None:
    async def main() -> None:
        connection = Connection.load(str(cluster.kubeconfig))
        client = connect(connection.server, connection.ssl_context(), connection.authorization)
        try:
            await test(client)
        finally:
            await client.close()

    asyncio.run(main())


def test_the_cache_follows_creates_changes_and_deletes_and_keeps_no_config_data(
    kube_cluster: Cluster, namespace: str
) -> None:
    async def test(client: KubeClient) -> None:
        informer = Informer(client, r.CONFIGMAPS, namespace, config_summary)
        task = asyncio.create_task(informer.run())
        await asyncio.wait_for(informer.synced.wait(), 10)
        body = {"metadata": {"name": "c", "namespace": namespace}, "data": {"k": "secret-ish"}}
        await client.apply(r.CONFIGMAPS, body)
        first = await kube.until(lambda: informer.get(namespace, "c"))
        assert "data" not in first
        first["metadata"]["name"] = "changed by the caller"  # a copy: the cache is untouched
        assert (informer.get(namespace, "c") or {})["metadata"]["name"] == "c"
        first["metadata"]["name"] = "c"
        await client.apply(r.CONFIGMAPS, {**body, "data": {"k": "v2"}})
        await kube.until(lambda: (informer.get(namespace, "c") or {}).get("checksum") != first["checksum"])
        await client.delete(r.CONFIGMAPS, namespace, "c")
        await kube.until(lambda: informer.get(namespace, "c") is None)
        assert client.requests["list"] == 1  # one list, then the watch
        task.cancel()

    run(kube_cluster, test)


def test_a_status_write_survives_a_spec_change_but_not_a_status_change(
    flagger_crds: Cluster, namespace: str
) -> None:
    cluster = flagger_crds
    cluster.api.apply(workloads.bluegreen(namespace))
    path = f"/apis/flagger.app/v1beta1/namespaces/{namespace}/canaries/podinfo"

    async def test(client: KubeClient) -> None:
        store = KubeStatus(client)
        read = Canary.model_validate(kube.canary(cluster, namespace))
        kube.patch(cluster, path, {"metadata": {"labels": {"touched": "yes"}}})
        await store.write(read, CanaryStatus(phase="Initializing"))  # stale version, same status: retried
        assert kube.phase(cluster, namespace) == "Initializing"

        read = Canary.model_validate(kube.canary(cluster, namespace))
        kube.patch(cluster, path + "/status", {"status": {"phase": "Initialized"}})
        with pytest.raises(KubeConflict):
            await store.write(read, CanaryStatus(phase="Progressing"))
        assert kube.phase(cluster, namespace) == "Initialized"  # the other writer's status stands

    run(cluster, test)


def test_two_replicas_racing_for_the_lease_get_one_leader(kube_cluster: Cluster, namespace: str) -> None:
    async def test(client: KubeClient) -> None:
        leases = [LeaderLease(client, namespace, f"replica-{i}", 10, 5, 0.2) for i in range(2)]
        tasks = [asyncio.create_task(lease.acquire()) for lease in leases]
        done, pending = await asyncio.wait(tasks, timeout=5, return_when=asyncio.FIRST_COMPLETED)
        await asyncio.sleep(1)
        assert len(done) == 1
        assert not any(t.done() for t in pending)
        winner = leases[tasks.index(done.pop())]
        await winner.release()
        await asyncio.wait_for(asyncio.gather(*pending), 5)  # the other takes over at once
        for task in tasks:
            task.cancel()

    run(kube_cluster, test)


def test_metric_templates_come_from_the_cache_and_are_parsed_once(
    flagger_crds: Cluster, namespace: str
) -> None:
    template = {
        "apiVersion": "flagger.app/v1beta1",
        "kind": "MetricTemplate",
        "metadata": {"name": "errors", "namespace": namespace},
        "spec": {
            "provider": {"type": "prometheus", "address": "http://prometheus:9090"},
            "query": "vector(1)",
        },
    }
    flagger_crds.api.apply(template)

    async def test(client: KubeClient) -> None:
        informer = Informer(client, r.METRIC_TEMPLATES, namespace)
        task = asyncio.create_task(informer.run())
        await asyncio.wait_for(informer.synced.wait(), 10)
        lookup = KubeLookup(client, informer, None)
        before = client.requests["get"]
        first = await lookup.metric_template(namespace, "errors")
        again = await lookup.metric_template(namespace, "errors")
        assert first is not None
        assert again is first  # same resourceVersion: parsed once
        assert await lookup.metric_template(namespace, "missing") is None
        assert client.requests["get"] == before  # no request: the watch cache answered
        await lookup.metric_template("default", "errors")  # a namespace the cache does not watch
        assert client.requests["get"] == before + 1
        task.cancel()

    run(flagger_crds, test)


def test_a_repeated_event_is_one_event_whose_count_is_written_at_most_once_a_minute(
    kube_cluster: Cluster, namespace: str
) -> None:
    canary = Canary.model_validate(
        {
            "apiVersion": "flagger.app/v1beta1",
            "kind": "Canary",
            "metadata": {"name": "podinfo", "namespace": namespace, "uid": "u-1"},
            "spec": workloads.bluegreen(namespace)["spec"],
        }
    )
    clock = VirtualClock()
    waiting = "podinfo.x waiting for rollout to finish: 0 of 1 updated replicas are available"

    async def test(client: KubeClient) -> None:
        events = KubeEvents(client, clock)

        async def recorded() -> list[tuple[str, int, str]]:
            items = (await client.list(r.EVENTS, namespace))["items"]
            return sorted((e["message"], e["count"], e["lastTimestamp"]) for e in items)

        writes = client.requests["create"] + client.requests["patch"]
        for _ in range(6):  # one tick every 10 s: one create, then repeats counted in memory
            await events.emit(canary, "Normal", waiting)
            clock.advance(10)
        assert client.requests["create"] + client.requests["patch"] == writes + 1
        assert await recorded() == [(waiting, 1, "2026-01-01T00:00:00Z")]

        await events.emit(canary, "Normal", waiting)  # a minute after the create: written
        assert await recorded() == [(waiting, 7, "2026-01-01T00:01:00Z")]
        clock.advance(10)
        await events.emit(canary, "Normal", waiting)
        clock.advance(10)
        await events.emit(canary, "Normal", "Starting canary analysis")  # moving on writes the repeat
        assert await recorded() == [
            ("Starting canary analysis", 1, "2026-01-01T00:01:20Z"),
            (waiting, 8, "2026-01-01T00:01:10Z"),
        ]
        assert client.requests["create"] + client.requests["patch"] == writes + 4

        await client.delete(r.EVENTS, namespace, _name(await client.list(r.EVENTS, namespace), waiting))
        clock.advance(60)
        await events.emit(canary, "Normal", waiting)  # expired: recorded again
        assert (waiting, 1, "2026-01-01T00:02:20Z") in await recorded()

    run(kube_cluster, test)


def _name(events: dict[str, Any], message: str) -> str:
    return str(next(e["metadata"]["name"] for e in events["items"] if e["message"] == message))


def test_release_reads_the_target_from_the_api_server_not_a_stale_cache(
    kube_cluster: Cluster, namespace: str
) -> None:
    """A deleted Canary's target at zero is scaled back up even when the cache has not yet seen the
    scale to zero (the Canary's deletion can arrive before the Deployment watch delivers it)."""

    async def test(client: KubeClient) -> None:
        await client.apply(r.DEPLOYMENTS, workloads.deployment(namespace, replicas=2))
        caches = Caches(client, namespace)
        await caches.start()
        for task in caches.tasks:  # the cache stops here: it keeps the target at 2 replicas
            task.cancel()
        await client.patch(r.DEPLOYMENTS, namespace, "podinfo", {"spec": {"replicas": 0}})
        canary = Canary.model_validate(workloads.bluegreen(namespace))
        assert (caches["Deployment"].get(namespace, "podinfo") or {})["spec"]["replicas"] == 2
        await KubeWorkloads(client, caches, VirtualClock()).release(canary, primary_replicas=2)
        live = await client.get(r.DEPLOYMENTS, namespace, "podinfo")
        assert live["spec"]["replicas"] == 2

    run(kube_cluster, test)
