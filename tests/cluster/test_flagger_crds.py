"""Our CRDs in a real API server: install, schema rejections name the field, status subresource,
printer columns."""

from __future__ import annotations

import httpx
import pytest

from flagger_py.testing.cluster import Cluster
from tests.cluster.workloads import canary

CANARIES = "/apis/flagger.app/v1beta1/namespaces/{ns}/canaries"


def test_crds_are_established(flagger_crds: Cluster) -> None:
    names = {
        c["metadata"]["name"]
        for c in flagger_crds.api.get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions")["items"]
    }
    assert {"canaries.flagger.app", "metrictemplates.flagger.app", "alertproviders.flagger.app"} <= names


def test_schema_violation_is_rejected_with_the_field_named(flagger_crds: Cluster, namespace: str) -> None:
    bad = canary(namespace, stepWeight=150)
    with pytest.raises(httpx.HTTPStatusError) as info:
        flagger_crds.api.apply(bad)
    assert info.value.response.status_code == 422
    assert "spec.analysis.stepWeight" in info.value.response.json()["message"]


def test_cel_rule_is_enforced(flagger_crds: Cluster, namespace: str) -> None:
    bad = canary(namespace, sessionAffinity={"cookieName": "same", "primaryCookieName": "same"})
    with pytest.raises(httpx.HTTPStatusError) as info:
        flagger_crds.api.apply(bad)
    assert "primaryCookieName must differ from cookieName" in info.value.response.json()["message"]


def _template(namespace: str, provider_type: str) -> dict[str, object]:
    return {
        "apiVersion": "flagger.app/v1beta1",
        "kind": "MetricTemplate",
        "metadata": {"name": provider_type.replace("/", "-").replace(".", "-"), "namespace": namespace},
        "spec": {"provider": {"type": provider_type, "address": "http://m.example.com"}, "query": "q"},
    }


def test_a_provider_type_is_flagger_s_or_a_domain_qualified_plugin_name(
    flagger_crds: Cluster, namespace: str
) -> None:
    for accepted in ("prometheus", "example.com/jsonpoint"):
        assert flagger_crds.api.apply(_template(namespace, accepted))["spec"]["provider"]["type"] == accepted
    for refused in ("prometheus2", "jsonpoint"):
        with pytest.raises(httpx.HTTPStatusError) as info:
            flagger_crds.api.apply(_template(namespace, refused))
        assert info.value.response.status_code == 422
        assert "spec.provider.type" in info.value.response.json()["message"]


def test_status_is_written_only_through_the_subresource(flagger_crds: Cluster, namespace: str) -> None:
    api = flagger_crds.api
    created = api.apply(canary(namespace))
    path = f"{CANARIES.format(ns=namespace)}/podinfo"
    # A write of the main resource ignores status...
    with_status = {**created, "status": {"phase": "Progressing", "canaryWeight": 30}}
    api.request("PUT", path, with_status).raise_for_status()
    assert "status" not in api.get(path) or api.get(path)["status"].get("phase") is None
    # ...the status subresource takes it.
    current = api.get(path)
    current["status"] = {"phase": "Progressing", "canaryWeight": 30, "observedGeneration": 1}
    api.request("PUT", f"{path}/status", current).raise_for_status()
    stored = api.get(path)["status"]
    assert (stored["phase"], stored["canaryWeight"], stored["observedGeneration"]) == ("Progressing", 30, 1)


def test_printer_columns_in_kubectl(flagger_crds: Cluster, namespace: str) -> None:
    flagger_crds.api.apply(canary(namespace))
    # Fully qualified: the differential test serves Flagger's own CRD (same plural) under another group.
    out = flagger_crds.kubectl("get", "canaries.flagger.app", "-n", namespace, "-o", "wide").stdout
    header = out.splitlines()[0].split()
    for column in (
        "STATUS",
        "WEIGHT",
        "FAILEDCHECKS",
        "INTERVAL",
        "MIRROR",
        "STEPWEIGHT",
        "STEPWEIGHTS",
        "MAXWEIGHT",
        "LASTTRANSITIONTIME",
    ):
        assert column in header
    short = flagger_crds.kubectl("get", "cn", "-n", namespace).stdout
    assert "podinfo" in short
