"""The objects of provider gloo, field by field, against what Flagger 1.44's pkg/router/gloo.go writes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from flagger_py.errors import RouterError, SpecError
from flagger_py.model.canary import Canary
from flagger_py.ports import ALL_PRIMARY, Routes
from flagger_py.testing.objects import MemoryObjects
from providers.routers.objects import APPLIED
from tests.routers.shapes import FLUX, NS, canary, release, router, written
from tests.routers.test_contract_gloo import services

PRIMARY = "shapes-podinfo-primaryupstream-9898"
CANARY = "shapes-podinfo-canaryupstream-9898"
AB = {"stepWeight": None, "iterations": 5, "match": [{"headers": {"x-user-type": {"exact": "test"}}}]}


def released(
    c: Canary, routes: Routes, seed: tuple[dict[str, Any], ...] = (), **options: str
) -> MemoryObjects:
    return release("gloo", c, routes, [*services(NS), *seed], options=options)


def annotations_of(obj: dict[str, Any]) -> dict[str, str]:
    """The annotations, without our digest of the applied object."""
    return {k: v for k, v in obj["metadata"]["annotations"].items() if k != APPLIED}


def destination(name: str, weight: int) -> dict[str, Any]:
    """One WeightedDestination as Go's encoding/json writes it (weight uint32 omitempty)."""
    out: dict[str, Any] = {"destination": {"upstream": {"name": name, "namespace": NS}}}
    return out | ({"weight": weight} if weight else {})


def test_canary_route_table_is_flaggers_route_with_the_weights() -> None:
    # GlooRouter.SetRoutes: one route, inheritablePathMatchers, no matchers (getMatchers is nil),
    # routeAction.multi.destinations primary then canary.
    table = written(released(canary("gloo"), Routes(90, 10)), "RouteTable")
    assert table["apiVersion"] == "gateway.solo.io/v1"
    assert annotations_of(table) == FLUX  # filterMetadata of the (empty) apex annotations
    assert table["spec"] == {
        "routes": [
            {
                "inheritablePathMatchers": True,
                "routeAction": {
                    "multi": {"destinations": [destination(PRIMARY, 90), destination(CANARY, 10)]}
                },
            }
        ]
    }


def test_all_primary_leaves_the_canary_weight_out_as_go_does() -> None:
    table = written(released(canary("gloo"), ALL_PRIMARY), "RouteTable")
    (route,) = table["spec"]["routes"]
    assert route["routeAction"]["multi"]["destinations"] == [
        destination(PRIMARY, 100),
        {"destination": {"upstream": {"name": CANARY, "namespace": NS}}},
    ]


def test_blue_green_switches_everything_to_the_canary_upstream() -> None:
    c = canary("gloo", analysis={"stepWeight": None, "iterations": 5})
    (route,) = written(released(c, Routes(0, 100)), "RouteTable")["spec"]["routes"]
    assert route["routeAction"]["multi"]["destinations"] == [
        {"destination": {"upstream": {"name": PRIMARY, "namespace": NS}}},
        destination(CANARY, 100),
    ]


def test_apex_metadata_goes_on_the_route_table() -> None:
    apex = {"labels": {"team": "web"}, "annotations": {"owner": "web"}}
    table = written(released(canary("gloo", service={"port": 9898, "apex": apex}), ALL_PRIMARY), "RouteTable")
    assert table["metadata"]["labels"] == {"team": "web"}
    assert annotations_of(table) == {"owner": "web", **FLUX}


def test_upstreams_are_kube_upstreams_of_the_generated_services() -> None:
    # getGlooUpstreamKubeService: kube.serviceName/serviceNamespace/servicePort and the Service's selector.
    objects = released(canary("gloo"), ALL_PRIMARY)
    for name, service, app in (
        (PRIMARY, "podinfo-primary", "podinfo-primary"),
        (CANARY, "podinfo-canary", "podinfo"),
    ):
        upstream = written(objects, "Upstream", name)
        assert upstream["apiVersion"] == "gloo.solo.io/v1"
        assert upstream["spec"] == {
            "kube": {
                "serviceName": service,
                "serviceNamespace": NS,
                "servicePort": 9898,
                "selector": {"app": app},
            }
        }
        assert not upstream["metadata"].get("labels")  # includeLabelsByPrefix with no prefixes: none
        assert upstream["metadata"]["ownerReferences"][0]["kind"] == "Canary"


def test_upstream_ref_config_is_copied_field_by_field() -> None:
    # getGlooUpstreamKubeService copies these UpstreamSpec fields of spec.upstreamRef, nothing else
    # (httpProxyHostname by Gloo's name; Flagger's Go type spells it httpProxyHostName and never finds it).
    config_spec = {
        "sslConfig": {"sni": "podinfo.example.com"},
        "circuitBreakers": {"maxConnections": 100},
        "connectionConfig": {"connectTimeout": "1s"},
        "loadBalancerConfig": {"roundRobin": {"slowStartConfig": {"slowStartWindow": "10s"}}},
        "useHttp2": True,
        "initialStreamWindowSize": 65536,
        "initialConnectionWindowSize": 65536,
        "httpProxyHostname": "proxy.example.com",
        "static": {"hosts": [{"addr": "10.0.0.1", "port": 80}]},
        "healthChecks": [{"timeout": "1s"}],
    }
    config = {
        "apiVersion": "gloo.solo.io/v1",
        "kind": "Upstream",
        "metadata": {"name": "config", "namespace": "gloo-system", "labels": {"team": "web"}},
        "spec": config_spec,
    }
    ref = {"apiVersion": "gloo.solo.io/v1", "kind": "Upstream", "name": "config", "namespace": "gloo-system"}
    upstream = written(released(canary("gloo", upstreamRef=ref), ALL_PRIMARY, (config,)), "Upstream", CANARY)
    copied = {k: v for k, v in config_spec.items() if k not in ("static", "healthChecks")}
    kube = {
        "serviceName": "podinfo-canary",
        "serviceNamespace": NS,
        "servicePort": 9898,
        "selector": {"app": "podinfo"},
    }
    assert upstream["spec"] == copied | {"kube": kube}
    assert not upstream["metadata"].get("labels")


def test_ab_matchers_then_a_route_keeping_everyone_else_on_the_primary() -> None:
    # getHeaderMatchers: exact -> value, regex -> value + regex: true. Flagger's route table has only
    # the matched route; ours adds the fallback route (docs/differences-from-flagger.md).
    c = canary("gloo", analysis=AB)
    ab, fallback = written(released(c, Routes(0, 100)), "RouteTable")["spec"]["routes"]
    assert ab["matchers"] == [{"headers": [{"name": "x-user-type", "value": "test"}]}]
    assert ab["inheritablePathMatchers"] is True
    assert ab["routeAction"]["multi"]["destinations"][1] == destination(CANARY, 100)
    assert "matchers" not in fallback
    assert fallback["routeAction"]["multi"]["destinations"] == [
        destination(PRIMARY, 100),
        {"destination": {"upstream": {"name": CANARY, "namespace": NS}}},
    ]


def test_ab_header_kinds_and_one_matcher_per_match() -> None:
    match = [
        {"headers": {"user-agent": {"regex": ".*Mobile.*"}, "x-beta": {"prefix": "yes."}}},
        {"headers": {"cookie": {"suffix": "; canary=always"}}},
    ]
    c = canary("gloo", analysis={**AB, "match": match})
    ab, _ = written(released(c, Routes(0, 100)), "RouteTable")["spec"]["routes"]
    assert ab["matchers"] == [
        {
            "headers": [
                {"name": "user-agent", "value": ".*Mobile.*", "regex": True},
                {"name": "x-beta", "value": r"yes\..*", "regex": True},
            ]
        },
        {"headers": [{"name": "cookie", "value": r".*;\ canary=always", "regex": True}]},
    ]


def test_get_routes_reads_the_primary_destination() -> None:
    objects = released(canary("gloo"), Routes(70, 30))
    assert asyncio.run(router("gloo", objects).get_routes(canary("gloo"))) == Routes(70, 30)


def test_ab_without_headers_is_refused_naming_the_field() -> None:
    c = canary("gloo", analysis={**AB, "match": [{"queryParams": {"beta": {"exact": "1"}}}]})
    problem = router("gloo", MemoryObjects()).check(c)
    assert problem is not None
    assert problem.startswith("spec.analysis.match[0]:")


def test_a_missing_config_upstream_names_spec_upstream_ref() -> None:
    ref = {"apiVersion": "gloo.solo.io/v1", "kind": "Upstream", "name": "absent"}
    with pytest.raises(SpecError) as failed:
        released(canary("gloo", upstreamRef=ref), ALL_PRIMARY)
    assert "spec.upstreamRef.name" in str(failed.value)
    assert f"{NS}/absent" in str(failed.value)


def test_missing_services_are_a_router_error_until_they_exist() -> None:
    objects = MemoryObjects()
    with pytest.raises(RouterError, match="Service shapes/podinfo-primary does not exist"):
        asyncio.run(router("gloo", objects).reconcile(canary("gloo")))
