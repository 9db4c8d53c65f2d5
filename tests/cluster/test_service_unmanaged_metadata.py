"""spec.service.unmanagedMetadata on a real API server: the generated Services' listed labels and
annotations are neither changed, claimed nor removed by flagger-py, whoever else writes them."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from flagger_py.kube import resources as r
from flagger_py.kube.client import KubeClient, connect
from flagger_py.kube.connection import Connection
from flagger_py.kube.informers import Caches
from flagger_py.kube.workloads import KubeWorkloads
from flagger_py.model.canary import Canary
from flagger_py.testing.cluster import Cluster
from flagger_py.testing.memory import VirtualClock
from tests.cluster import kube, workloads

Test = Callable[[Cluster, KubeClient, KubeWorkloads, Caches, Canary], Awaitable[None]]


def run(cluster: Cluster, namespace: str, test: Test, **service: Any) -> None:
    """``test`` once the Deployment is cached and the Canary with ``service`` in its spec.service is
    applied and its Services ensured."""

    async def main() -> None:
        connection = Connection.load(str(cluster.kubeconfig))
        client = connect(connection.server, connection.ssl_context(), connection.authorization)
        caches = Caches(client, namespace)
        try:
            await client.apply(r.DEPLOYMENTS, workloads.deployment(namespace, replicas=1))
            await caches.start()
            await kube.until(lambda: caches["Deployment"].get(namespace, "podinfo"))
            w = KubeWorkloads(client, caches, VirtualClock())
            c = canary(cluster, namespace, **service)
            await w.ensure_services(c)
            await test(cluster, client, w, caches, c)
        finally:
            await caches.stop()
            await client.close()

    asyncio.run(main())


def canary(cluster: Cluster, namespace: str, **service: Any) -> Canary:
    body = workloads.bluegreen(namespace)
    body["spec"]["service"].update(service)
    return Canary.model_validate(cluster.api.apply(body))


def path(namespace: str, name: str = "podinfo") -> str:
    return f"/api/v1/namespaces/{namespace}/services/{name}"


async def merge_patch(
    cluster: Cluster,
    caches: Caches,
    namespace: str,
    metadata: dict[str, Any],
    check: Callable[[dict[str, Any]], bool],
) -> None:
    """Another controller's write, as client-go's Update or Patch makes it (not server-side apply),
    then until the Service cache has the apex as ``check`` wants it."""
    await asyncio.to_thread(kube.patch, cluster, path(namespace), {"metadata": metadata})
    await seen(caches, namespace, check)


async def other_apply(cluster: Cluster, namespace: str, metadata: dict[str, Any]) -> None:
    """Another controller's server-side apply, without force."""
    body = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "podinfo", "namespace": namespace, **metadata},
    }
    await asyncio.to_thread(cluster.api.apply, body, "other-controller", force=False)


async def seen(caches: Caches, namespace: str, check: Callable[[dict[str, Any]], bool]) -> None:
    """Until the Service cache has the apex as ``check`` wants it (flagger-py reads it from there)."""
    await kube.until(lambda: (svc := caches["Service"].get(namespace, "podinfo")) is not None and check(svc))


def meta(cluster: Cluster, namespace: str, field: str) -> dict[str, str]:
    return dict(cluster.api.get(path(namespace))["metadata"].get(field) or {})


def test_flagger_s_own_case_listed_keys_survive_and_the_canary_s_keys_come_back(
    flagger_crds: Cluster, namespace: str
) -> None:
    """Flagger's TestServiceRouter_UnmanagedMetadata_AnnotationsAndLabels, on a real API server."""

    async def test(cluster: Cluster, client: KubeClient, w: KubeWorkloads, caches: Caches, c: Canary) -> None:
        theirs = {"unmanaged": "true", "test": "newvalue", "removable": "true"}
        await merge_patch(
            cluster,
            caches,
            namespace,
            {"annotations": theirs, "labels": theirs},
            lambda s: s["metadata"]["labels"].get("removable") == "true",
        )
        await w.ensure_services(c)
        for field in ("annotations", "labels"):
            got = meta(cluster, namespace, field)
            assert got["test"] == "expectedvalue"
            assert got["unmanaged"] == "true"
            assert got["removable"] == "true"  # server-side apply: another manager's key (Flagger deletes it)

    run(
        flagger_crds,
        namespace,
        test,
        apex={"annotations": {"test": "expectedvalue"}, "labels": {"test": "expectedvalue"}},
        unmanagedMetadata={"annotations": ["unmanaged"], "labels": ["unmanaged"]},
    )


def test_a_listed_key_the_canary_sets_keeps_the_live_value_without_any_write(
    flagger_crds: Cluster, namespace: str
) -> None:
    async def test(cluster: Cluster, client: KubeClient, w: KubeWorkloads, caches: Caches, c: Canary) -> None:
        assert meta(cluster, namespace, "annotations")["shared"] == "from-canary"  # absent: set
        await merge_patch(
            cluster,
            caches,
            namespace,
            {"annotations": {"shared": "theirs"}, "labels": {"tier": "theirs"}},
            lambda s: s["metadata"]["labels"].get("tier") == "theirs",
        )
        writes = client.requests["apply"] + client.requests["patch"] + client.requests["get"]
        await w.ensure_services(c)
        assert client.requests["apply"] + client.requests["patch"] + client.requests["get"] == writes
        assert meta(cluster, namespace, "annotations")["shared"] == "theirs"
        assert meta(cluster, namespace, "labels")["tier"] == "theirs"

    run(
        flagger_crds,
        namespace,
        test,
        apex={"annotations": {"shared": "from-canary"}, "labels": {"tier": "from-canary"}},
        unmanagedMetadata={"annotations": ["shared"], "labels": ["tier", "absent"]},
    )


def test_a_listed_key_of_another_controller_is_never_claimed_so_it_can_remove_it(
    flagger_crds: Cluster, namespace: str
) -> None:
    async def test(cluster: Cluster, client: KubeClient, w: KubeWorkloads, caches: Caches, c: Canary) -> None:
        added = {"labels": {"team": "a"}, "annotations": {"external-dns/hostname": "x.example"}}
        await other_apply(cluster, namespace, added)
        await merge_patch(  # flagger-py applies again
            cluster,
            caches,
            namespace,
            {"annotations": {"test": "drifted"}},
            lambda s: s["metadata"]["annotations"].get("test") == "drifted",
        )
        await w.ensure_services(c)
        assert meta(cluster, namespace, "annotations")["test"] == "expectedvalue"
        assert meta(cluster, namespace, "labels")["team"] == "a"
        # Its next apply leaves them out: it was their only manager, so the API server removes them.
        await other_apply(cluster, namespace, {})
        assert "team" not in meta(cluster, namespace, "labels")
        assert "external-dns/hostname" not in meta(cluster, namespace, "annotations")
        await seen(caches, namespace, lambda s: "team" not in s["metadata"]["labels"])
        await w.ensure_services(c)
        assert "team" not in meta(cluster, namespace, "labels")

    run(
        flagger_crds,
        namespace,
        test,
        apex={"annotations": {"test": "expectedvalue"}},
        unmanagedMetadata={"labels": ["team"], "annotations": ["external-dns/hostname"]},
    )


def test_a_listed_key_flagger_py_set_stays_when_the_canary_stops_setting_it(
    flagger_crds: Cluster, namespace: str
) -> None:
    listed = {"labels": ["dropped"]}

    async def test(
        cluster: Cluster, client: KubeClient, w: KubeWorkloads, caches: Caches, first: Canary
    ) -> None:
        assert meta(cluster, namespace, "labels")["dropped"] == "v"
        later = canary(cluster, namespace, apex={"labels": {"other": "o"}}, unmanagedMetadata=listed)
        await seen(caches, namespace, lambda s: s["metadata"]["labels"].get("dropped") == "v")
        await w.ensure_services(later)  # an apply without "dropped", which flagger-py alone owns
        labels = meta(cluster, namespace, "labels")
        assert (labels["dropped"], labels["other"]) == ("v", "o")

    run(flagger_crds, namespace, test, apex={"labels": {"dropped": "v"}}, unmanagedMetadata=listed)
