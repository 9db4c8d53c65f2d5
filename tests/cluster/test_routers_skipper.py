"""provider skipper against the real API server (networking.k8s.io/v1 Ingress): the canary Ingress of
every strategy is accepted and read back unpruned, weights round trip, finalize gives a taken-over
canary Ingress back, and the controller runs a whole release."""

from __future__ import annotations

import json
from typing import Any

from flagger_py.testing.cluster import Cluster
from tests.cluster import ingress_routers, kube
from tests.cluster.controller import Controllers
from tests.cluster.test_routers import ingress

REF = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": "app"}
CANARY_INGRESS = "/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses/app-canary"


def test_objects_are_accepted_unpruned_and_follow_the_weights(flagger_crds: Cluster, namespace: str) -> None:
    flagger_crds.api.apply(ingress(namespace, "app", "podinfo"))
    canary = ingress_routers.create_canary(flagger_crds, namespace, "skipper", {"ingressRef": REF})
    ingress_routers.exercise(flagger_crds, namespace, canary)


def test_finalize_restores_a_pre_existing_canary_ingress(flagger_crds: Cluster, namespace: str) -> None:
    flagger_crds.api.apply(ingress(namespace, "app", "podinfo"))
    canary = ingress_routers.create_canary(flagger_crds, namespace, "skipper", {"ingressRef": REF})
    mine = ingress(namespace, "app-canary", "podinfo-legacy")
    ingress_routers.finalize_restores(flagger_crds, namespace, canary, mine, "ingresses")


def backend_weights(cluster: Cluster, ns: str) -> tuple[int, int] | None:
    def by_backend(canary_ingress: Any) -> dict[str, int]:
        annotations = canary_ingress["metadata"]["annotations"]
        found: dict[str, int] = json.loads(annotations["zalando.org/backend-weights"])
        predicate = annotations["zalando.org/skipper-predicate"]
        assert predicate.startswith("False()" if found["podinfo-canary"] == 0 else "Weight(100)"), predicate
        return found

    return kube.weights_at(cluster, CANARY_INGRESS.format(ns=ns), by_backend)


def test_a_release_through_skipper(flagger_crds: Cluster, namespace: str, controllers: Controllers) -> None:
    seed = [ingress(namespace, "app", "podinfo")]
    ingress_routers.release(
        flagger_crds, namespace, controllers, "skipper", {"ingressRef": REF}, backend_weights, seed
    )
