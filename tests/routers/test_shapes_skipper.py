"""The canary Ingress of provider skipper, field by field, against what Flagger 1.44's
pkg/router/skipper.go writes (SkipperRouter.Reconcile, SetRoutes, makeAnnotations, insertPredicate)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from flagger_py.errors import SpecError
from flagger_py.model.canary import Canary
from flagger_py.ports import ALL_PRIMARY, Routes
from providers.routers.objects import APPLIED, LAST_APPLIED
from providers.routers.skipper import insert_predicate
from tests.routers.shapes import FLUX, NS, canary, refusal, release, routes_after, written
from tests.routers.test_contract import ingress

REF = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": "app"}


def skipper(**spec: Any) -> Canary:
    return canary("skipper", ingressRef=REF, **spec)


def released(c: Canary, routes: Routes, apex: dict[str, Any] | None = None) -> dict[str, Any]:
    objects = release("skipper", c, routes, [apex or ingress(NS, "app", "podinfo")])
    return written(objects, "Ingress", "app-canary")


def annotations_of(obj: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in obj["metadata"]["annotations"].items() if k != APPLIED}


def test_canary_ingress_splits_each_apex_path_into_primary_and_canary() -> None:
    # Reconcile: the apex path flipped to -primary, its copy on -canary appended, ports cloned.
    found = released(skipper(), Routes(90, 10))
    (rule,) = found["spec"]["rules"]
    assert rule["host"] == "app.example.com"
    backend = {"port": {"number": 9898}}
    assert rule["http"]["paths"] == [
        {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "podinfo-primary", **backend}}},
        {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "podinfo-canary", **backend}}},
    ]


def test_annotations_carry_the_weights_and_the_route_predicate() -> None:
    # makeAnnotations: json.Marshal of the map (sorted keys, compact) and Weight(100) first.
    found = released(skipper(), Routes(90, 10))
    assert annotations_of(found) == {
        "kubernetes.io/ingress.class": "nginx",  # the apex Ingress's annotations are kept
        "zalando.org/backend-weights": '{"podinfo-canary":10,"podinfo-primary":90}',
        "zalando.org/skipper-predicate": "Weight(100)",
        **FLUX,
    }


def test_no_canary_weight_disables_the_canary_route() -> None:
    # SetRoutes with canaryWeight 0: False() first, so traffic takes the apex Ingress.
    found = annotations_of(released(skipper(), ALL_PRIMARY))
    assert found["zalando.org/skipper-predicate"] == "False()"
    assert json.loads(found["zalando.org/backend-weights"]) == {"podinfo-primary": 100, "podinfo-canary": 0}


def test_blue_green_switch_sends_everything_to_the_canary_backend() -> None:
    found = annotations_of(released(skipper(analysis={"stepWeight": None, "iterations": 5}), Routes(0, 100)))
    assert found["zalando.org/backend-weights"] == '{"podinfo-canary":100,"podinfo-primary":0}'
    assert found["zalando.org/skipper-predicate"] == "Weight(100)"


def test_the_apex_predicates_labels_and_other_paths_are_kept() -> None:
    apex = ingress(NS, "app", "podinfo")
    apex["metadata"]["labels"] = {"team": "web"}
    apex["metadata"]["annotations"] |= {
        "zalando.org/skipper-predicate": 'Host(/^app$/) && False() && Method("GET")',
        LAST_APPLIED: '{"kind":"Ingress"}',
    }
    other = {
        "path": "/static",
        "pathType": "Prefix",
        "backend": {"service": {"name": "cdn", "port": {"number": 80}}},
    }
    apex["spec"]["rules"][0]["http"]["paths"].append(other)
    found = released(skipper(), Routes(80, 20), apex)
    assert found["metadata"]["labels"] == {"team": "web"}
    found_annotations = annotations_of(found)
    assert (
        found_annotations["zalando.org/skipper-predicate"] == 'Weight(100) && Host(/^app$/) && Method("GET")'
    )
    assert LAST_APPLIED not in found_annotations
    names = [p["backend"]["service"]["name"] for p in found["spec"]["rules"][0]["http"]["paths"]]
    assert names == ["podinfo-primary", "cdn", "podinfo-canary"]


@pytest.mark.parametrize(
    ("raw", "first", "want"),
    [  # Flagger's Test_insertPredicate
        (
            'Host(/^my-host-header\\.example\\.org$/) && Method("GET") && Path("/hello")',
            "Weight(100)",
            'Weight(100) && Host(/^my-host-header\\.example\\.org$/) && Method("GET") && Path("/hello")',
        ),
        ("", "Weight(100)", "Weight(100)"),
        (
            'Weight(100) && Host(/^my-host-header\\.example\\.org$/) && Method("GET") && Path("/hello")',
            "Weight(100)",
            'Weight(100) && Host(/^my-host-header\\.example\\.org$/) && Method("GET") && Path("/hello")',
        ),
        (
            'Host(/^my-host-header\\.example\\.org$/) && Method("GET") && Path("/hello")&&False()',
            "False()",
            'False() && Host(/^my-host-header\\.example\\.org$/) && Method("GET") && Path("/hello")',
        ),
        (
            'Host(/^my-host-header\\.example\\.org$/) &&  False() && Method("GET") && Path("/hello")',
            "Weight(100)",
            'Weight(100) && Host(/^my-host-header\\.example\\.org$/) && Method("GET") && Path("/hello")',
        ),
    ],
)
def test_insert_predicate_as_flagger(raw: str, first: str, want: str) -> None:
    assert insert_predicate(raw, first) == want


def test_get_routes_reads_the_backend_weights() -> None:
    assert routes_after("skipper", skipper(), Routes(15, 85), [ingress(NS, "app", "podinfo")]) == Routes(
        15, 85
    )


def test_bad_references_name_spec_ingress_ref() -> None:
    with pytest.raises(SpecError, match=r"spec.ingressRef.name.*Ingress shapes/app does not exist"):
        released(skipper(), ALL_PRIMARY, ingress(NS, "other", "podinfo"))
    with pytest.raises(SpecError, match=r"spec.ingressRef.name.*no path with the backend Service podinfo"):
        released(skipper(), ALL_PRIMARY, ingress(NS, "app", "somebody-else"))
    assert refusal("skipper", canary("skipper")).startswith("spec.ingressRef:")


def test_ab_testing_is_refused_naming_the_match() -> None:
    ab = {"stepWeight": None, "iterations": 5, "match": [{"headers": {"x-canary": {"exact": "insider"}}}]}
    assert refusal("skipper", skipper(analysis=ab)).startswith("spec.analysis.match:")
