"""The TrafficRoute provider kuma writes, field by field against Flagger 1.44's pkg/router/kuma.go."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from flagger_py.errors import RouterError
from flagger_py.model.canary import Canary
from flagger_py.model.strategy import Strategy
from flagger_py.spi import ALL_PRIMARY, Router, Routes
from flagger_py.testing.objects import MemoryObjects
from flagger_py.testing.routers import BASE
from tests.routers import shapes
from tests.routers.shapes import FLUX, NS

KEY = ("kuma.io/v1alpha1", "TrafficRoute", "", "podinfo")


def canary(
    namespace: str = NS, annotations: dict[str, str] | None = None, strategy: Strategy = "canary", **spec: Any
) -> Canary:
    return shapes.canary("kuma", strategy, namespace=namespace, annotations=annotations, **spec)


def kuma(objects: MemoryObjects) -> Router:
    return shapes.router("kuma", objects)


def run_routes(c: Canary, routes: Routes, objects: MemoryObjects | None = None) -> MemoryObjects:
    return shapes.release("kuma", c, routes, objects=objects)


def test_traffic_route_as_reconcile_and_set_routes_write_it() -> None:
    """KumaRouter.Reconcile builds sources, destinations and conf; SetRoutes replaces conf.split."""
    c = canary(
        annotations={"kuma.io/mesh": "payments"},
        service={"port": 9898, "apex": {"labels": {"team": "a"}, "annotations": {"note": "x"}}},
    )
    route = run_routes(c, Routes(70, 30)).objects[KEY]
    assert route["apiVersion"] == "kuma.io/v1alpha1"
    assert route["kind"] == "TrafficRoute"
    assert route["mesh"] == "payments"
    assert route["metadata"]["name"] == "podinfo"
    assert route["metadata"].get("namespace") is None  # cluster-scoped
    assert route["metadata"]["labels"] == {"team": "a"}
    annotations = route["metadata"]["annotations"]
    assert {k: annotations[k] for k in ("note", *FLUX)} == {"note": "x", **FLUX}
    assert annotations["flagger-py.app/canary"] == f"{NS}/podinfo"
    assert (
        "ownerReferences" not in route["metadata"]
    )  # a cluster-scoped object cannot have a namespaced owner
    assert route["spec"] == {
        "sources": [{"match": {"kuma.io/service": "*"}}],
        "destinations": [{"match": {"kuma.io/service": f"podinfo_{NS}_svc_9898"}}],
        "conf": {
            "split": [
                {"weight": 70, "destination": {"kuma.io/service": f"podinfo-primary_{NS}_svc_9898"}},
                {"weight": 30, "destination": {"kuma.io/service": f"podinfo-canary_{NS}_svc_9898"}},
            ]
        },
    }


def test_mesh_defaults_to_default_and_the_service_name_and_port_name_the_kuma_services() -> None:
    c = canary(service={"port": 8080, "name": "web"})
    route = run_routes(c, ALL_PRIMARY).objects[("kuma.io/v1alpha1", "TrafficRoute", "", "web")]
    assert route["mesh"] == "default"
    assert route["spec"]["destinations"] == [{"match": {"kuma.io/service": f"web_{NS}_svc_8080"}}]
    assert [s["destination"]["kuma.io/service"] for s in route["spec"]["conf"]["split"]] == [
        f"web-primary_{NS}_svc_8080",
        f"web-canary_{NS}_svc_8080",
    ]
    assert [s["weight"] for s in route["spec"]["conf"]["split"]] == [100, 0]


@pytest.mark.parametrize("strategy", ["canary", "blue/green"])
def test_each_strategy_moves_only_the_split_weights(strategy: Strategy) -> None:
    c = canary(strategy=strategy)
    assert kuma(MemoryObjects()).check(c) is None
    objects = run_routes(c, Routes(0, 100))
    assert [s["weight"] for s in objects.objects[KEY]["spec"]["conf"]["split"]] == [0, 100]
    assert asyncio.run(kuma(objects).get_routes(c)) == Routes(0, 100)


def test_weights_are_read_as_flagger_reads_them_primary_and_the_rest_of_100() -> None:
    """GetRoutes: the primary's weight, canary = 100 - primary; the split is found by service name."""
    objects = run_routes(canary(), Routes(90, 10))
    objects.objects[KEY]["spec"]["conf"]["split"] = [
        {"weight": 25, "destination": {"kuma.io/service": f"podinfo-primary_{NS}_svc_1234"}},
    ]
    assert asyncio.run(kuma(objects).get_routes(canary())) == Routes(25, 75)


@pytest.mark.parametrize("strategy", ["a/b testing", "traffic mirroring", "session affinity"])
def test_what_a_trafficroute_split_cannot_do_is_refused(strategy: Strategy) -> None:
    c = canary(strategy=strategy)
    why = kuma(MemoryObjects()).check(c)
    assert why is not None
    assert "provider kuma cannot do" in why


def test_a_second_canary_with_the_same_apex_in_another_namespace_is_refused() -> None:
    objects = run_routes(canary(), Routes(90, 10))
    other = canary(namespace="elsewhere")
    with pytest.raises(RouterError, match=f"belongs to Canary {NS}/podinfo"):
        asyncio.run(kuma(objects).reconcile(other))
    asyncio.run(kuma(objects).finalize(other))  # not its object: left alone
    assert KEY in objects.objects


def test_a_taken_over_route_gets_its_spec_back() -> None:
    """(That it stays in its mesh needs server-side apply: tests/cluster/test_routers_kuma.py.)"""
    objects = MemoryObjects()
    theirs = {"destinations": [{"match": {"kuma.io/service": "legacy"}}], "conf": {"split": []}}
    objects.seed(
        [
            {
                "apiVersion": "kuma.io/v1alpha1",
                "kind": "TrafficRoute",
                "mesh": "legacy-mesh",
                "metadata": {"name": "podinfo"},
                "spec": theirs,
            }
        ]
    )
    c = canary(annotations={"kuma.io/mesh": "other"})
    run_routes(c, Routes(50, 50), objects)
    taken = objects.objects[KEY]
    assert "flagger.kubernetes.io/original-configuration" in taken["metadata"]["annotations"]
    asyncio.run(kuma(objects).finalize(c))
    assert objects.objects[KEY]["spec"] == theirs
    assert "flagger-py.app/canary" not in objects.objects[KEY]["metadata"]["annotations"]


def test_a_steady_route_is_not_rewritten() -> None:
    objects = run_routes(canary(), Routes(80, 20))
    written = objects.writes
    asyncio.run(kuma(objects).reconcile(canary()))
    asyncio.run(kuma(objects).set_routes(canary(), Routes(80, 20)))
    assert objects.writes == written


def test_a_canary_without_a_service_is_refused() -> None:
    body = {k: v for k, v in BASE.items() if k != "service"}
    c = Canary.model_validate(
        {"metadata": {"name": "p", "namespace": NS}, "spec": {**body, "provider": "kuma"}}
    )
    assert (kuma(MemoryObjects()).check(c) or "").startswith("spec.service:")
