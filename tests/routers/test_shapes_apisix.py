"""The canary ApisixRoute of provider apisix, field by field, against what Flagger 1.44's
pkg/router/apisix.go writes (ApisixRouter.Reconcile, SetRoutes)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from flagger_py.errors import SpecError
from flagger_py.model.canary import Canary
from flagger_py.ports import ALL_PRIMARY, Routes
from providers.routers.objects import APPLIED
from tests.routers.shapes import FLUX, NS, canary, refusal, release, routes_after, written
from tests.routers.test_contract_apisix import ROUTE_REF, apisix_route


def apisix(**spec: Any) -> Canary:
    return canary("apisix", routeRef=ROUTE_REF, **spec)


def released(c: Canary, routes: Routes, user: dict[str, Any] | None = None) -> dict[str, Any]:
    objects = release("apisix", c, routes, [user or apisix_route(NS, "app", "podinfo")])
    return written(objects, "ApisixRoute", "app-podinfo-canary")


def test_the_canary_route_is_the_apex_rule_at_top_priority_with_two_weighted_backends() -> None:
    # Reconcile: name <routeRef>-<apex>-canary; spec.http = [target rule]; priority maxPriority;
    # backends[0] renamed -primary, then the -canary backend on the same port (weights always written).
    user = apisix_route(NS, "app", "podinfo")
    found = released(apisix(), Routes(60, 40), user)
    expected_rule = copy.deepcopy(user["spec"]["http"][0])
    expected_rule |= {
        "priority": 10000,
        "backends": [
            {"serviceName": "podinfo-primary", "servicePort": 9898, "weight": 60},
            {"serviceName": "podinfo-canary", "servicePort": 9898, "weight": 40},
        ],
    }
    assert found["apiVersion"] == "apisix.apache.org/v2"
    assert found["spec"] == {"http": [expected_rule]}
    assert found["metadata"]["labels"] == {"team": "web"}  # the route's labels and annotations are copied
    assert {k: v for k, v in found["metadata"]["annotations"].items() if k != APPLIED} == FLUX


def test_all_primary_writes_the_zero_weight() -> None:
    (rule,) = released(apisix(), ALL_PRIMARY)["spec"]["http"]
    assert [(b["serviceName"], b["weight"]) for b in rule["backends"]] == [
        ("podinfo-primary", 100),
        ("podinfo-canary", 0),
    ]


def test_blue_green_switch() -> None:
    (rule,) = released(apisix(analysis={"stepWeight": None, "iterations": 5}), Routes(0, 100))["spec"]["http"]
    assert [b["weight"] for b in rule["backends"]] == [0, 100]


def test_the_canary_backend_keeps_resolve_granularity_and_subset_and_only_the_apex_rule_is_taken() -> None:
    user = apisix_route(NS, "app", "podinfo")
    other = {
        "name": "other",
        "match": {"paths": ["/other"]},
        "backends": [{"serviceName": "x", "servicePort": 80}],
    }
    user["spec"]["http"].insert(0, other)
    user["spec"]["http"][1]["backends"][0] |= {
        "resolveGranularity": "service",
        "subset": "v1",
        "servicePort": "http",
    }
    user["spec"]["stream"] = [
        {"name": "tcp", "protocol": "TCP", "match": {"ingressPort": 9100}, "backend": {}}
    ]
    found = released(apisix(), ALL_PRIMARY, user)
    (rule,) = found["spec"]["http"]
    assert rule["name"] == "method"
    assert rule["backends"][1] == {
        "serviceName": "podinfo-canary",
        "servicePort": "http",
        "resolveGranularity": "service",
        "subset": "v1",
        "weight": 0,
    }
    assert "stream" not in found["spec"]  # Flagger copies it; a second copy of a stream route conflicts


def test_get_routes_reads_the_primary_backend() -> None:
    seed = [apisix_route(NS, "app", "podinfo")]
    assert routes_after("apisix", apisix(), Routes(50, 50), seed) == Routes(50, 50)


def test_bad_routes_name_spec_route_ref() -> None:
    with pytest.raises(SpecError, match=r"spec.routeRef.name.*ApisixRoute shapes/app does not exist"):
        released(apisix(), ALL_PRIMARY, apisix_route(NS, "elsewhere", "podinfo"))
    with pytest.raises(SpecError, match=r"no HTTP rule with the backend Service podinfo"):
        released(apisix(), ALL_PRIMARY, apisix_route(NS, "app", "somebody-else"))
    two = apisix_route(NS, "app", "podinfo")
    two["spec"]["http"][0]["backends"].append({"serviceName": "podinfo-v2", "servicePort": 9898})
    with pytest.raises(SpecError, match=r"rule 'method' has 2 backends"):
        released(apisix(), ALL_PRIMARY, two)
    empty = apisix_route(NS, "app", "podinfo")
    empty["spec"] = {}
    with pytest.raises(SpecError, match=r"has no spec.http rules"):
        released(apisix(), ALL_PRIMARY, empty)
    assert refusal("apisix", canary("apisix")).startswith("spec.routeRef:")


def test_ab_testing_is_refused_naming_the_match() -> None:
    ab = {"stepWeight": None, "iterations": 5, "match": [{"headers": {"x-canary": {"exact": "insider"}}}]}
    assert refusal("apisix", apisix(analysis=ab)).startswith("spec.analysis.match:")
