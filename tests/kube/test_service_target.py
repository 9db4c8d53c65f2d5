"""KubeServiceTarget on a fake client and cache: what it reads, when it writes, what it refuses."""

from __future__ import annotations

import copy
from typing import Any, cast

import pytest

from flagger_py.desired import service_target
from flagger_py.kube import resources as r
from flagger_py.kube.client import KubeClient
from flagger_py.kube.informers import Caches
from flagger_py.kube.service_target import KubeServiceTarget
from flagger_py.kube.workloads import TargetInvalid, TargetNotFound
from flagger_py.model.canary import Canary
from tests.cluster.workloads import canary as canary_manifest


class Services:
    """The Service informer: objects by (namespace, name)."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], dict[str, Any]] = {}

    def get(self, namespace: str, name: str) -> dict[str, Any] | None:
        found = self.objects.get((namespace, name))
        return copy.deepcopy(found) if found is not None else None


class Client:
    """Records applies and, like the API server plus the watch, stores what was applied."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.applied: list[dict[str, Any]] = []

    async def apply(self, res: r.Resource, obj: dict[str, Any], *, force: bool = False) -> dict[str, Any]:
        assert res is r.SERVICES
        assert force
        self.applied.append(obj)
        meta = obj["metadata"]
        stored = copy.deepcopy(obj)
        stored["spec"]["clusterIP"] = "10.0.0.99"  # what the API server adds
        self.services.objects[(meta["namespace"], meta["name"])] = stored
        return stored


def canary(provider: str = "gatewayapi:v1", deleting: bool = False) -> Canary:
    body = canary_manifest("test", threshold=2)
    body["spec"] |= {
        "provider": provider,
        "targetRef": {"apiVersion": "v1", "kind": "Service", "name": "podinfo"},
    }
    body["metadata"]["uid"] = "u-1"
    if deleting:
        body["metadata"]["deletionTimestamp"] = "2026-12-03T08:00:00Z"
    return Canary.model_validate(body)


def user_service(version: str = "v1", port: int = 9898) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "podinfo", "namespace": "test"},
        "spec": {
            "clusterIP": "10.0.0.7",
            "selector": {"app": "podinfo", "version": version},
            "ports": [{"name": "http", "port": port}],
        },
    }


@pytest.fixture
def services() -> Services:
    found = Services()
    found.objects[("test", "podinfo")] = user_service()
    return found


@pytest.fixture
def client(services: Services) -> Client:
    return Client(services)


@pytest.fixture
def target(services: Services, client: Client) -> KubeServiceTarget:
    caches = cast(Caches, {"Service": services})
    return KubeServiceTarget(cast(KubeClient, client), caches, ("*",))


def selects(services: Services, name: str) -> str:
    return str(services.objects[("test", name)]["spec"]["selector"]["version"])


async def test_initialization_makes_both_copies_once(
    target: KubeServiceTarget, client: Client, services: Services
) -> None:
    assert not (await target.readiness(canary(), "primary")).ready
    await target.ensure_services(canary())
    await target.ensure_primary(canary())
    assert [o["metadata"]["name"] for o in client.applied] == ["podinfo-canary", "podinfo-primary"]
    assert client.applied[0]["metadata"]["ownerReferences"][0]["uid"] == "u-1"
    assert (await target.readiness(canary(), "primary")).ready
    await target.ensure_services(canary())
    await target.ensure_primary(canary())
    assert len(client.applied) == 2, "a steady canary writes nothing"
    assert services.objects[("test", "podinfo")] == user_service(), "the user's Service is never written"


async def test_the_canary_copy_follows_the_target_when_looked_at_and_promotion_copies_it(
    target: KubeServiceTarget, client: Client, services: Services
) -> None:
    await target.ensure_services(canary())
    await target.ensure_primary(canary())
    before = (await target.revision(canary())).hash
    services.objects[("test", "podinfo")] = user_service("v2")
    assert (await target.revision(canary())).hash != before
    assert selects(services, "podinfo-canary") == "v1"
    assert (await target.readiness(canary(), "canary")).ready
    assert selects(services, "podinfo-canary") == "v2"
    assert selects(services, "podinfo-primary") == "v1"
    await target.ensure_primary(canary())  # exists: not a promotion
    assert selects(services, "podinfo-primary") == "v1"
    await target.promote(canary())
    assert selects(services, "podinfo-primary") == "v2"


async def test_a_canary_being_deleted_is_not_written_to(target: KubeServiceTarget, client: Client) -> None:
    assert (await target.readiness(canary(deleting=True), "canary")).ready
    assert client.applied == []


async def test_scaling_and_autoscalers_are_nothing_to_do(target: KubeServiceTarget, client: Client) -> None:
    for call in (
        target.scale_to_zero,
        target.scale_from_zero,
        target.pause_scaler,
        target.resume_scaler,
        target.reconcile_primary_scaler,
        target.release,
    ):
        await call(canary())
    assert client.applied == []


async def test_a_missing_target_names_spec_target_ref_name(
    target: KubeServiceTarget, services: Services
) -> None:
    services.objects.clear()
    for call in (target.revision, target.release, target.ensure_services):
        with pytest.raises(
            TargetNotFound, match=r"spec\.targetRef\.name: Service podinfo not found in namespace test"
        ):
            await call(canary())


async def test_a_port_the_target_does_not_serve_is_refused_unless_nothing_is_routed(
    target: KubeServiceTarget, services: Services
) -> None:
    services.objects[("test", "podinfo")] = user_service(port=80)
    with pytest.raises(TargetInvalid) as caught:
        await target.revision(canary())
    assert str(caught.value) == (
        "spec.service.port: Service podinfo has no port 9898 (its ports: 80); "
        "set spec.service.port to the port routers should send to"
    )
    assert (await target.revision(canary("kubernetes"))).hash == service_target.revision(
        user_service(port=80)
    )
