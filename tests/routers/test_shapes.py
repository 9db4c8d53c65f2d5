"""The objects each router writes, shape by shape (flagger-behavior.md section 5.2)."""

from __future__ import annotations

import asyncio

import pytest

from flagger_py.errors import RouterError, SpecError
from flagger_py.model.canary import Canary, CanaryStatus
from flagger_py.spi import Routes
from flagger_py.testing.objects import MemoryObjects
from tests.routers.shapes import NS, canary, release, router, written
from tests.routers.test_contract import GATEWAY, accept_http_routes, ingress


def set_routes(provider: str, c: Canary, routes: Routes, **options: str) -> MemoryObjects:
    return release(provider, c, routes, [ingress(NS, "app", "podinfo")], options=options)


def test_istio_ab_rule_crosses_analysis_and_service_matches_then_defaults_to_primary() -> None:
    c = canary(
        "istio",
        service={
            "port": 9898,
            "match": [{"uri": {"prefix": "/api"}}],
            "timeout": "5s",
            "gateways": ["public"],
        },
        analysis={"stepWeight": None, "iterations": 3, "match": [{"headers": {"user": {"suffix": "@corp"}}}]},
    )
    c = Canary.model_validate(c.model_dump(by_alias=True, exclude_none=True))
    vs = written(set_routes("istio", c, Routes(0, 100)), "VirtualService")
    ab, default = vs["spec"]["http"]
    assert ab["match"] == [{"uri": {"prefix": "/api"}, "headers": {"user": {"regex": ".*@corp"}}}]
    assert [d["weight"] for d in ab["route"]] == [0, 100]
    assert default["match"] == [{"uri": {"prefix": "/api"}}]
    assert default["route"] == [{"destination": {"host": "podinfo-primary"}, "weight": 100}]
    assert ab["timeout"] == "5s"
    assert vs["spec"]["gateways"] == ["public"]
    assert vs["spec"]["hosts"] == ["podinfo"]
    assert vs["metadata"]["annotations"]["kustomize.toolkit.fluxcd.io/reconcile"] == "disabled"


def test_istio_mirror_and_session_affinity_rules() -> None:
    analysis = {"stepWeight": None, "iterations": 3, "mirror": True, "mirrorWeight": 25}
    vs = written(
        set_routes("istio", canary("istio", analysis=analysis), Routes(100, 0, mirrored=True)),
        "VirtualService",
    )
    (rule,) = vs["spec"]["http"]
    assert rule["mirror"] == {"host": "podinfo-canary"}
    assert rule["mirrorPercentage"] == {"value": 25.0}

    sticky = canary("istio", analysis={"sessionAffinity": {"cookieName": "c", "maxAge": 60, "secure": True}})
    status = CanaryStatus.model_validate({"sessionAffinityCookie": "c=xyz"})
    sticky = sticky.model_copy(update={"status": status})
    vs = written(set_routes("istio", sticky, Routes(80, 20)), "VirtualService")
    pinned, weighted = vs["spec"]["http"]
    assert pinned["match"] == [{"headers": {"cookie": {"regex": ".*c=xyz.*"}}}]
    assert [d["weight"] for d in pinned["route"]] == [0, 100]
    assert weighted["route"][1]["headers"] == {
        "response": {"add": {"Set-Cookie": "c=xyz; Max-Age=60; Secure"}}
    }


def test_istio_tcp_and_delegation() -> None:
    tcp = canary("istio", service={"port": 5432, "appProtocol": "TCP"})
    vs = written(set_routes("istio", tcp, Routes(90, 10)), "VirtualService")
    assert "http" not in vs["spec"]
    assert vs["spec"]["tcp"][0]["route"][1] == {
        "destination": {"host": "podinfo-canary", "port": {"number": 5432}},
        "weight": 10,
    }
    delegate = canary("istio", service={"port": 9898, "delegation": True})
    assert "hosts" not in written(set_routes("istio", delegate, Routes(90, 10)), "VirtualService")["spec"]
    both = canary("istio", service={"port": 9898, "delegation": True, "hosts": ["a"]})
    assert "spec.service.delegation" in (router("istio", MemoryObjects()).check(both) or "")
    ab_tcp = canary(
        "istio",
        service={"port": 1, "appProtocol": "tcp"},
        analysis={"stepWeight": None, "iterations": 2, "match": [{"headers": {"x": {"exact": "y"}}}]},
    )
    assert "spec.analysis.match" in (router("istio", MemoryObjects()).check(ab_tcp) or "")


def test_gatewayapi_filters_timeouts_and_waiting_for_the_gateway() -> None:
    service = {
        "port": 9898,
        "gatewayRefs": [GATEWAY],
        "timeout": "10s",
        "headers": {"request": {"set": {"x-env": "prod"}, "remove": ["x-debug"]}},
        "rewrite": {"uri": "/v2", "type": "ReplacePrefixMatch"},
        "corsPolicy": {"allowOrigins": [{"exact": "https://a.example"}], "maxAge": "24h"},
        "match": [{"uri": {"prefix": "/api"}, "headers": {"x-version": {"regex": "v[0-9]+"}}}],
    }
    c = canary("gatewayapi:v1", service=service)
    objects = set_routes("gatewayapi:v1", c, Routes(75, 25))
    route = written(objects, "HTTPRoute")
    (rule,) = route["spec"]["rules"]
    assert rule["matches"] == [
        {
            "path": {"type": "PathPrefix", "value": "/api"},
            "headers": [{"name": "x-version", "type": "RegularExpression", "value": "v[0-9]+"}],
        }
    ]
    types = [f["type"] for f in rule["filters"]]
    assert types == ["RequestHeaderModifier", "URLRewrite", "CORS"]
    assert rule["filters"][2]["cors"] == {"allowOrigins": ["https://a.example"], "maxAge": 86400}
    assert rule["timeouts"] == {"request": "10s"}
    assert [(b["name"], b["weight"]) for b in rule["backendRefs"]] == [
        ("podinfo-primary", 75),
        ("podinfo-canary", 25),
    ]
    r = router("gatewayapi:v1", objects)
    with pytest.raises(RouterError, match="not accepted by Gateway gateways/public yet"):
        asyncio.run(r.get_routes(c))
    accept_http_routes(objects)
    assert asyncio.run(r.get_routes(c)) == Routes(75, 25)
    missing = canary("gatewayapi:v1")
    assert "spec.service.gatewayRefs" in (r.check(missing) or "")


def test_nginx_annotations_weight_and_ab_with_a_custom_prefix() -> None:
    ref = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": "app"}
    prefix = {"ingress-annotations-prefix": "custom.nginx.org"}
    objects = set_routes("nginx", canary("nginx", ingressRef=ref), Routes(80, 20), **prefix)
    made = written(objects, "Ingress", "app-canary")
    assert made["metadata"]["annotations"]["custom.nginx.org/canary"] == "true"
    assert made["metadata"]["annotations"]["custom.nginx.org/canary-weight"] == "20"
    assert made["metadata"]["annotations"]["kubernetes.io/ingress.class"] == "nginx"
    backend = made["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"]
    assert backend == "podinfo-canary"
    analysis = {"stepWeight": None, "iterations": 2, "match": [{"headers": {"x-canary": {"prefix": "in"}}}]}
    ab = canary("nginx", analysis=analysis, ingressRef=ref)
    annotations = written(set_routes("nginx", ab, Routes(0, 100)), "Ingress", "app-canary")["metadata"][
        "annotations"
    ]
    assert annotations["nginx.ingress.kubernetes.io/canary-by-header"] == "x-canary"
    assert annotations["nginx.ingress.kubernetes.io/canary-by-header-pattern"] == "^in.*"
    done = written(set_routes("nginx", ab, Routes(100, 0)), "Ingress", "app-canary")["metadata"][
        "annotations"
    ]
    assert not any("by-header" in k for k in done)
    assert "spec.ingressRef" in (router("nginx", MemoryObjects()).check(canary("nginx")) or "")
    elsewhere = canary("nginx", ingressRef={**ref, "name": "app"}, service={"port": 1, "name": "other"})
    with pytest.raises(SpecError, match="has no backend Service other"):
        set_routes("nginx", elsewhere, Routes(100, 0))


def test_contour_one_route_per_ab_match_and_smi_quantities() -> None:
    analysis = {
        "stepWeight": None,
        "iterations": 2,
        "match": [{"headers": {"x-user": {"exact": "a"}}}, {"headers": {"x-team": {"prefix": "qa"}}}],
    }
    proxy = written(
        set_routes("contour", canary("contour", analysis=analysis), Routes(0, 100), **{"ingress-class": "x"}),
        "HTTPProxy",
    )
    first, second, default = proxy["spec"]["routes"]
    assert first["conditions"] == [{"prefix": "/"}, {"header": {"name": "x-user", "exact": "a"}}]
    assert second["conditions"] == [{"prefix": "/"}, {"header": {"name": "x-team", "regex": "qa.*"}}]
    assert [s["weight"] for s in default["services"]] == [100, 0]
    assert proxy["spec"]["ingressClassName"] == "x"
    split = written(set_routes("linkerd", canary("linkerd"), Routes(70, 30)), "TrafficSplit")
    assert split["apiVersion"] == "split.smi-spec.io/v1alpha1"
    assert split["spec"]["backends"] == [
        {"service": "podinfo-canary", "weight": "30"},
        {"service": "podinfo-primary", "weight": "70"},
    ]


def test_traefik_session_affinity_is_traefiks_sticky_cookie_while_the_canary_has_weight() -> None:
    affinity = {"cookieName": "flagger-cookie", "maxAge": 300, "sameSite": "Lax", "httpOnly": True}
    c = canary("traefik", analysis={"sessionAffinity": affinity})
    during = written(set_routes("traefik", c, Routes(80, 20)), "TraefikService")["spec"]["weighted"]
    assert during["sticky"] == {
        "cookie": {"name": "flagger-cookie", "maxAge": 300, "sameSite": "lax", "httpOnly": True}
    }
    assert [s["weight"] for s in during["services"]] == [80, 20]
    after = written(set_routes("traefik", c, Routes(100, 0)), "TraefikService")["spec"]["weighted"]
    assert "sticky" not in after


@pytest.mark.parametrize(("field", "value"), [("primaryCookieName", "primary-cookie"), ("partitioned", True)])
def test_traefik_refuses_the_affinity_fields_its_one_sticky_cookie_cannot_carry(
    field: str, value: object
) -> None:
    c = canary("traefik", analysis={"sessionAffinity": {"cookieName": "c", field: value}})
    why = router("traefik", MemoryObjects()).check(c)
    assert why is not None
    assert why.startswith(f"spec.analysis.sessionAffinity.{field}:")
