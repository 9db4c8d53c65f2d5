"""The primary ScaledObject's spec: Flagger 1.44's query rewrite, primaryScalerQueries and replicas."""

from __future__ import annotations

from typing import Any

import pytest

from flagger_py.desired import scaled_object as so
from flagger_py.model.canary import AutoscalerRef


def ref(**fields: Any) -> AutoscalerRef:
    return AutoscalerRef.model_validate(
        {"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "name": "podinfo-so", **fields}
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("sum(rate(http_total{app='podinfo'}[1m]))", "sum(rate(http_total{app='podinfo-primary'}[1m]))"),
        ("x{deployment='podinfo-canary'}", "x{deployment='podinfo-primary'}"),
        (
            "a{app='podinfo'} / b{app='podinfo-canary'} + podinfo",
            "a{app='podinfo-primary'} / b{app='podinfo-primary'} + podinfo-primary",
        ),
        # plain replacement, no word boundaries, as Flagger's strings.ReplaceAll
        ("x{app='podinfo-primary'}", "x{app='podinfo-primary-primary'}"),
        ("x{app='podinfo2'}", "x{app='podinfo-primary2'}"),
        ("x{app='mypodinfo'}", "x{app='mypodinfo-primary'}"),
        ("up{job='other'}", "up{job='other'}"),
        ("", ""),
    ],
)
def test_the_query_is_pointed_at_the_primary(query: str, expected: str) -> None:
    assert so.primary_query(query, "podinfo") == expected


def test_canary_matches_are_found_first_leftmost_and_not_overlapping() -> None:
    # Go's ReplaceAll finds "aa-canary" at index 1 first; the "a" left before it is no match of "aa".
    assert so.primary_query("aaa-canary", "aa") == "aaa-primary"
    assert so.primary_query("aaaa", "aa") == "aa-primaryaa-primary"
    assert so.primary_query("aa-canary-canary", "aa") == "aa-primary-canary"


def spec(**extra: Any) -> dict[str, Any]:
    return {
        "scaleTargetRef": {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": "podinfo",
            "envSourceContainerName": "app",
        },
        "pollingInterval": 10,
        "minReplicaCount": 2,
        "maxReplicaCount": 5,
        "triggers": [
            {
                "type": "prometheus",
                "name": "rps",
                "metadata": {
                    "serverAddress": "http://podinfo-prometheus:9090",
                    "query": "sum(rate(x{app='podinfo'}[1m]))",
                    "threshold": "10",
                },
            },
            {
                "type": "prometheus",
                "metadata": {"serverAddress": "http://prom:9090", "query": "y{app='podinfo-canary'}"},
            },
            {"type": "cpu", "metricType": "Utilization", "metadata": {"value": "podinfo"}},
        ],
        **extra,
    }


def test_without_primary_scaler_queries_only_the_query_key_of_every_trigger_is_rewritten() -> None:
    source = spec()
    out = so.primary_spec(source, "podinfo", ref())
    rps, unnamed, cpu = out["triggers"]
    assert rps["metadata"] == {
        "serverAddress": "http://podinfo-prometheus:9090",  # not a query: left as it is
        "query": "sum(rate(x{app='podinfo-primary'}[1m]))",
        "threshold": "10",
    }
    assert unnamed["metadata"]["query"] == "y{app='podinfo-primary'}"
    assert cpu == {"type": "cpu", "metricType": "Utilization", "metadata": {"value": "podinfo"}}
    assert source == spec()  # the target's spec is not changed


def test_primary_scaler_queries_replace_named_triggers_and_leave_the_others_unrewritten() -> None:
    out = so.primary_spec(spec(), "podinfo", ref(primaryScalerQueries={"rps": "sum(rate(z[1m]))"}))
    rps, unnamed, cpu = out["triggers"]
    assert rps["metadata"]["query"] == "sum(rate(z[1m]))"
    assert rps["metadata"]["threshold"] == "10"
    assert unnamed["metadata"]["query"] == "y{app='podinfo-canary'}"
    assert cpu["metadata"] == {"value": "podinfo"}


def test_an_empty_primary_scaler_queries_is_set_and_turns_the_rewrite_off() -> None:
    out = so.primary_spec(spec(), "podinfo", ref(primaryScalerQueries={}))
    assert out["triggers"] == spec()["triggers"]


def test_a_query_for_an_unnamed_trigger_under_the_empty_name() -> None:
    out = so.primary_spec(spec(), "podinfo", ref(primaryScalerQueries={"": "q"}))
    assert out["triggers"][1]["metadata"]["query"] == "q"
    assert out["triggers"][0]["metadata"]["query"] == "sum(rate(x{app='podinfo'}[1m]))"


def test_a_named_trigger_without_metadata_gets_its_query() -> None:
    source = {"scaleTargetRef": {"name": "podinfo"}, "triggers": [{"type": "prometheus", "name": "rps"}]}
    out = so.primary_spec(source, "podinfo", ref(primaryScalerQueries={"rps": "q"}))
    assert out["triggers"] == [{"type": "prometheus", "name": "rps", "metadata": {"query": "q"}}]
    assert so.primary_spec(source, "podinfo", ref())["triggers"] == source["triggers"]


def test_the_scale_target_keeps_its_kind_and_container_and_names_the_primary() -> None:
    out = so.primary_spec(spec(), "podinfo", ref())
    assert out["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "podinfo-primary",
        "envSourceContainerName": "app",
    }
    bare = so.primary_spec({"triggers": []}, "podinfo", None)
    assert bare == {"scaleTargetRef": {"name": "podinfo-primary"}, "triggers": []}


def test_the_target_name_comes_from_the_canary_not_the_scaled_object() -> None:
    source = spec()
    source["scaleTargetRef"]["name"] = "something-else"
    out = so.primary_spec(source, "podinfo", ref())
    assert out["scaleTargetRef"]["name"] == "podinfo-primary"


def test_replicas_the_hpa_name_and_the_other_fields() -> None:
    source = spec(
        cooldownPeriod=30,
        initialCooldownPeriod=5,
        advanced={
            "horizontalPodAutoscalerConfig": {"name": "podinfo-hpa"},
            "restoreToOriginalReplicaCount": True,
        },
    )
    out = so.primary_spec(source, "podinfo", ref(primaryScalerReplicas={"minReplicas": 3}))
    assert (out["minReplicaCount"], out["maxReplicaCount"]) == (3, 5)
    assert out["advanced"] == {
        "horizontalPodAutoscalerConfig": {"name": "podinfo-hpa-primary"},
        "restoreToOriginalReplicaCount": True,
    }
    assert (out["pollingInterval"], out["cooldownPeriod"], out["initialCooldownPeriod"]) == (10, 30, 5)
    assert source["advanced"]["horizontalPodAutoscalerConfig"]["name"] == "podinfo-hpa"
    both = so.primary_spec(spec(), "podinfo", ref(primaryScalerReplicas={"minReplicas": 1, "maxReplicas": 9}))
    assert (both["minReplicaCount"], both["maxReplicaCount"]) == (1, 9)
    unnamed = so.primary_spec(spec(advanced={"horizontalPodAutoscalerConfig": {}}), "podinfo", None)
    assert unnamed["advanced"] == {"horizontalPodAutoscalerConfig": {}}
