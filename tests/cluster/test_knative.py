"""Knative Service targets against the real API server with Knative Serving's Service CRD installed:
every write of the knative router and of KnativeWorkloads is accepted by the upstream schema and read
back unpruned, server-side apply leaves the user's fields alone and gives the Service back exactly,
weights round trip through status.traffic, and whole releases by the controller promote and roll back.

The test plays Knative's controller: it resolves ``spec.traffic`` into ``status.traffic`` at each
generation, and creates the Revisions (their CRD was not copied from upstream, see
shared/thirdparty-crds/knative-serving/SOURCE.md, so a stand-in CRD of the same group, version and
kind serves them, with the Ready condition in status as Knative writes it).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import yaml

from flagger_py.desired import knative as kn
from flagger_py.desired.flagger_hash import string_hash
from flagger_py.errors import RouterError
from flagger_py.kube.client import KubeClient
from flagger_py.kube.knative import KnativeWorkloads
from flagger_py.kube.objects import KubeObjects
from flagger_py.model.canary import Canary
from flagger_py.operator.clock import WallClock
from flagger_py.plugins import registry
from flagger_py.ports import ALL_PRIMARY, RouterContext, Routes
from flagger_py.testing.cluster import Cluster
from tests.cluster import kube
from tests.cluster.controller import Controllers, eventually, playing, watch_weights
from tests.cluster.test_kube_adapter import run
from tests.paths import THIRDPARTY_CRDS
from tests.routers.knative_fakes import resolved
from tests.webhooks.server import Server

SERVICES = "/apis/serving.knative.dev/v1/namespaces/{ns}/services"
REVISIONS = "/apis/serving.knative.dev/v1/namespaces/{ns}/revisions"
REVISION_CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "revisions.serving.knative.dev"},
    "spec": {
        "group": "serving.knative.dev",
        "names": {
            "kind": "Revision",
            "plural": "revisions",
            "singular": "revision",
            "listKind": "RevisionList",
        },
        "scope": "Namespaced",
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "schema": {
                    "openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
                },
            }
        ],
    },
}


@pytest.fixture(scope="module")
def knative(flagger_crds: Cluster) -> Cluster:
    documents = [
        d
        for d in yaml.safe_load_all((THIRDPARTY_CRDS / "knative-serving/service.yaml").read_text())
        if d and d.get("kind") == "CustomResourceDefinition"
    ]
    flagger_crds.install_crds([*documents, REVISION_CRD], timeout=60)
    return flagger_crds


def knative_service(ns: str, image: str = "podinfo:6.0.0") -> dict[str, Any]:
    container = {"image": image, "ports": [{"containerPort": 9898}]}
    return {
        "apiVersion": kn.API,
        "kind": "Service",
        "metadata": {"name": "podinfo", "namespace": ns},
        "spec": {"template": {"spec": {"containers": [container]}}},
    }


def service(cluster: Cluster, ns: str) -> Any:
    return cluster.api.get(f"{SERVICES.format(ns=ns)}/podinfo")


def status_patch(cluster: Cluster, path: str, status: dict[str, Any]) -> None:
    cluster.api.merge_patch(f"{path}/status", {"status": status})


def create_revision(cluster: Cluster, ns: str, name: str, ready: str = "True") -> None:
    """Knative created revision ``name`` of the Service, and it is Ready (or not)."""
    body = {"apiVersion": kn.API, "kind": "Revision", "metadata": {"name": name, "namespace": ns}}
    cluster.api.apply(body, manager="knative-serving")
    condition = {"type": "Ready", "status": ready, "lastTransitionTime": time.strftime("%Y-%m-%dT%H:%M:%SZ")}
    status_patch(cluster, f"{REVISIONS.format(ns=ns)}/{name}", {"conditions": [condition]})
    status_patch(cluster, f"{SERVICES.format(ns=ns)}/podinfo", {"latestCreatedRevisionName": name})


def play_knative(cluster: Cluster, ns: str) -> None:
    """Knative's controller for one step: status.traffic resolved from spec.traffic, generation observed."""
    svc = service(cluster, ns)
    generation = svc["metadata"]["generation"]
    if (svc.get("status") or {}).get("observedGeneration") == generation:
        return
    status = {"traffic": resolved(svc), "observedGeneration": generation}
    status_patch(cluster, f"{SERVICES.format(ns=ns)}/podinfo", status)


def create(cluster: Cluster, ns: str) -> None:
    cluster.api.apply(knative_service(ns), manager="kubectl")
    create_revision(cluster, ns, "podinfo-00001")
    play_knative(cluster, ns)


def canary(ns: str, **analysis: Any) -> dict[str, Any]:
    return {
        "apiVersion": "flagger.app/v1beta1",
        "kind": "Canary",
        "metadata": {"name": "podinfo", "namespace": ns},
        "spec": {
            "provider": "knative",
            "targetRef": {"apiVersion": kn.API, "kind": "Service", "name": "podinfo"},
            "progressDeadlineSeconds": 60,
            "analysis": {"interval": "1m", "threshold": 5, "stepWeight": 10, **analysis},
        },
    }


def test_every_write_is_accepted_unpruned_and_the_service_is_given_back_exactly(
    knative: Cluster, namespace: str
) -> None:
    cluster, ns = knative, namespace
    create(cluster, ns)
    before = service(cluster, ns)
    c = Canary.model_validate(cluster.api.apply(canary(ns)))

    async def test(client: KubeClient) -> None:
        objects = KubeObjects(client, ns, cached=False)
        router = registry("router").get("knative")(RouterContext(objects, {}))
        workloads = KnativeWorkloads(objects, WallClock())
        await workloads.ensure_primary(c)
        await router.reconcile(c)
        assert (await workloads.readiness(c, "primary")).ready
        with pytest.raises(RouterError, match="has not applied generation"):
            await router.get_routes(c)
        play_knative(cluster, ns)
        assert await router.get_routes(c) == ALL_PRIMARY
        for routes in (Routes(90, 10), Routes(50, 50), Routes(0, 100), ALL_PRIMARY):
            await router.set_routes(c, routes)
            svc = service(cluster, ns)
            assert svc["spec"]["traffic"] == kn.traffic("podinfo-00001", routes), "pruned or changed"
            assert svc["spec"]["template"] == before["spec"]["template"], "the user's template changed"
            play_knative(cluster, ns)
            assert await router.get_routes(c) == routes
        create_revision(cluster, ns, "podinfo-00002")
        await router.set_routes(c, Routes(70, 30))
        await workloads.promote(c)
        svc = service(cluster, ns)
        assert svc["metadata"]["annotations"][kn.PRIMARY_REVISION] == "podinfo-00002"
        assert svc["spec"]["traffic"] == kn.traffic("podinfo-00002", Routes(70, 30))
        play_knative(cluster, ns)
        assert await router.get_routes(c) == Routes(70, 30)
        managers = {m["manager"] for m in service(cluster, ns)["metadata"]["managedFields"]}
        assert "flagger-py" in managers
        await workloads.release(c)
        await router.finalize(c)

    run(cluster, test)
    after = service(cluster, ns)
    assert after["spec"] == before["spec"], "release must leave the spec as the user wrote it"
    assert not (after["metadata"].get("annotations") or {}).keys() & {
        kn.PRIMARY_REVISION,
        kn.ORIGINAL_TRAFFIC,
    }
    assert "ownerReferences" not in after["metadata"]


@pytest.fixture
def knative_controller(knative: Cluster, namespace: str) -> Iterator[None]:
    """Knative's controller for the test's namespace, every 0.2 s."""
    with playing(lambda: play_knative(knative, namespace)):
        yield


def weights(cluster: Cluster, ns: str) -> tuple[int, int] | None:
    svc = service(cluster, ns)
    primary = kn.primary_revision(svc)
    routes = kn.spec_routes(svc)
    return None if primary is None or routes is None else (routes.primary, routes.canary)


def new_version(cluster: Cluster, ns: str, name: str) -> None:
    """The user changes the image; Knative creates the revision ``name``."""
    cluster.api.apply(knative_service(ns, image="podinfo:6.0.1"), manager="kubectl")
    create_revision(cluster, ns, name)


def start(
    cluster: Cluster, ns: str, controllers: Controllers, spec: dict[str, Any] | None = None, **analysis: Any
) -> None:
    create(cluster, ns)
    body = canary(ns, interval="1s", threshold=2, maxWeight=30, **analysis)
    body["spec"] |= spec or {}
    cluster.api.apply(body)
    controllers()
    eventually("Initialized", lambda: kube.phase(cluster, ns) == "Initialized", 60)
    svc = service(cluster, ns)
    assert kn.primary_revision(svc) == "podinfo-00001"
    assert weights(cluster, ns) == (100, 0)


def test_a_release_promotes_the_new_revision(
    knative: Cluster, namespace: str, controllers: Controllers, knative_controller: None
) -> None:
    cluster, ns = knative, namespace
    start(cluster, ns, controllers)
    seen = watch_weights(lambda: weights(cluster, ns))
    new_version(cluster, ns, "podinfo-00002")
    eventually("Succeeded", lambda: kube.phase(cluster, ns) == "Succeeded", 120)
    assert {10, 20, 30} <= seen(), "the canary weight did not step 10/20/30"
    svc = service(cluster, ns)
    assert kn.primary_revision(svc) == "podinfo-00002"
    assert svc["spec"]["traffic"] == kn.traffic("podinfo-00002", ALL_PRIMARY)
    status = kube.status(cluster, ns)
    promoted = string_hash("podinfo-00002")  # Flagger's ComputeHash of the revision name
    assert (status["lastAppliedSpec"], status["lastPromotedSpec"]) == (promoted, promoted)
    messages = kube.messages(cluster, ns)
    assert f"Advance podinfo.{ns} canary weight 30" in messages
    assert not [e for e in kube.events(cluster, ns) if e.get("type") == "Warning"], messages


def test_a_failing_check_rolls_back_to_the_primary_revision(
    knative: Cluster,
    namespace: str,
    controllers: Controllers,
    knative_controller: None,
    serve: Callable[..., Server],
) -> None:
    cluster, ns = knative, namespace
    state = {"fail": False}
    hooks = serve(lambda _p, _n: (500, "errors") if state["fail"] else (200, "ok"))
    hook = {"name": "gate", "type": "rollout", "url": f"{hooks.url}/gate", "timeout": "2s"}
    start(cluster, ns, controllers, webhooks=[hook])
    new_version(cluster, ns, "podinfo-00002")
    eventually("traffic on the canary", lambda: (weights(cluster, ns) or (100, 0))[1] >= 10, 60)
    state["fail"] = True
    eventually("Failed", lambda: kube.phase(cluster, ns) == "Failed", 60)
    svc = service(cluster, ns)
    assert kn.primary_revision(svc) == "podinfo-00001"
    assert svc["spec"]["traffic"] == kn.traffic("podinfo-00001", ALL_PRIMARY)
    time.sleep(2)  # steady afterwards: all traffic stays on the primary revision
    assert copy.deepcopy(service(cluster, ns)["spec"]["traffic"]) == kn.traffic("podinfo-00001", ALL_PRIMARY)


@pytest.mark.parametrize("revert", [True, False], ids=["revertOnDeletion", "no-finalizer"])
def test_deleting_the_canary_gives_the_service_its_traffic_back(
    knative: Cluster, namespace: str, controllers: Controllers, knative_controller: None, revert: bool
) -> None:
    cluster, ns = knative, namespace
    start(cluster, ns, controllers, {"revertOnDeletion": revert})
    user_spec = copy.deepcopy(knative_service(ns)["spec"])
    canary_path = f"/apis/flagger.app/v1beta1/namespaces/{ns}/canaries/podinfo"
    if revert:
        eventually(
            "the finalizer",
            lambda: "finalizer.flagger.app" in kube.canary(cluster, ns)["metadata"].get("finalizers", []),
        )
    cluster.api.delete(canary_path)
    eventually("the Canary gone", lambda: not kube.exists(cluster, canary_path), 60)

    def given_back() -> bool:
        svc = service(cluster, ns)
        annotations = svc["metadata"].get("annotations") or {}
        return "traffic" not in svc["spec"] and not annotations.keys() & {
            kn.PRIMARY_REVISION,
            kn.ORIGINAL_TRAFFIC,
        }

    eventually("the Service given back", given_back, 60)
    svc = service(cluster, ns)
    assert (
        svc["spec"]["template"]["spec"]["containers"][0]["image"]
        == user_spec["template"]["spec"]["containers"][0]["image"]
    )
