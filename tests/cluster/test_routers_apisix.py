"""provider apisix against the real API server with APISIX's CRD (shared/thirdparty-crds/apisix): the
canary ApisixRoute of every strategy is accepted and read back unpruned, weights round trip, finalize
gives a taken-over one back, and the controller runs a whole release."""

from __future__ import annotations

from typing import Any

import pytest

from flagger_py.testing.cluster import Cluster
from tests.cluster import ingress_routers, kube
from tests.cluster.controller import Controllers
from tests.routers.test_contract_apisix import ROUTE_REF, apisix_route

pytestmark = pytest.mark.shared
CANARY_ROUTE = "/apis/apisix.apache.org/v2/namespaces/{ns}/apisixroutes/app-podinfo-canary"


@pytest.fixture(scope="module")
def apisix_crds(flagger_crds: Cluster) -> Cluster:
    return ingress_routers.install(flagger_crds, "apisix")


def test_objects_are_accepted_unpruned_and_follow_the_weights(apisix_crds: Cluster, namespace: str) -> None:
    apisix_crds.api.apply(apisix_route(namespace, "app", "podinfo"))
    canary = ingress_routers.create_canary(apisix_crds, namespace, "apisix", {"routeRef": ROUTE_REF})
    ingress_routers.exercise(apisix_crds, namespace, canary)


def test_finalize_restores_a_pre_existing_canary_route(apisix_crds: Cluster, namespace: str) -> None:
    apisix_crds.api.apply(apisix_route(namespace, "app", "podinfo"))
    canary = ingress_routers.create_canary(apisix_crds, namespace, "apisix", {"routeRef": ROUTE_REF})
    mine = apisix_route(namespace, "app-podinfo-canary", "podinfo-legacy")
    ingress_routers.finalize_restores(apisix_crds, namespace, canary, mine, "apisixroutes")


def route_weights(cluster: Cluster, ns: str) -> tuple[int, int] | None:
    def by_service(route: Any) -> dict[str, int]:
        (rule,) = route["spec"]["http"]
        return {b["serviceName"]: b["weight"] for b in rule["backends"]}

    return kube.weights_at(cluster, CANARY_ROUTE.format(ns=ns), by_service)


def test_a_release_through_apisix(apisix_crds: Cluster, namespace: str, controllers: Controllers) -> None:
    seed = [apisix_route(namespace, "app", "podinfo")]
    ingress_routers.release(
        apisix_crds, namespace, controllers, "apisix", {"routeRef": ROUTE_REF}, route_weights, seed
    )
