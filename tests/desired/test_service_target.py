"""The copies of a core Service target and its revision (flagger_py.desired.service_target)."""

from __future__ import annotations

import copy
from typing import Any

from flagger_py.desired import metadata, service_target
from flagger_py.model.canary import Canary


def canary(**service: Any) -> Canary:
    return Canary.model_validate(
        {
            "apiVersion": "flagger.app/v1beta1",
            "kind": "Canary",
            "metadata": {"name": "podinfo", "namespace": "test", "uid": "u-1"},
            "spec": {
                "provider": "gatewayapi:v1",
                "targetRef": {"apiVersion": "v1", "kind": "Service", "name": "podinfo"},
                "service": {"port": 9898, **service},
                "analysis": {"interval": "1m", "threshold": 2, "stepWeight": 10},
            },
        }
    )


def user_service(**spec: Any) -> dict[str, Any]:
    """A Service as the API server returns it, defaults and assigned fields included."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": "podinfo",
            "namespace": "test",
            "uid": "s-1",
            "resourceVersion": "42",
            "labels": {"app": "podinfo", "kustomize.toolkit.fluxcd.io/name": "apps"},
            "annotations": {
                "team": "web",
                "kubectl.kubernetes.io/last-applied-configuration": "{}",
            },
        },
        "spec": {
            "type": "ClusterIP",
            "clusterIP": "10.0.0.7",
            "clusterIPs": ["10.0.0.7"],
            "ipFamilies": ["IPv4"],
            "sessionAffinity": "None",
            "selector": {"app": "podinfo-v2"},
            "ports": [{"name": "http", "port": 9898, "protocol": "TCP", "targetPort": "http"}],
            **spec,
        },
        "status": {"loadBalancer": {}},
    }


def test_a_copy_is_the_spec_without_what_the_api_server_assigns() -> None:
    body = service_target.service_copy(canary(), user_service(), "canary", ("*",))
    assert body["metadata"]["name"] == "podinfo-canary"
    assert body["metadata"]["namespace"] == "test"
    assert body["spec"] == {
        "type": "ClusterIP",
        "ipFamilies": ["IPv4"],
        "sessionAffinity": "None",
        "selector": {"app": "podinfo-v2"},
        "ports": [{"name": "http", "port": 9898, "protocol": "TCP", "targetPort": "http"}],
    }
    assert "status" not in body


def test_labels_and_annotations_are_filtered_as_for_every_generated_object() -> None:
    everything = service_target.service_copy(canary(), user_service(), "primary", ("*",))
    meta = everything["metadata"]
    assert meta["labels"] == {"app": "podinfo"}  # never Flux's labels
    assert meta["annotations"]["team"] == "web"
    assert "kubectl.kubernetes.io/last-applied-configuration" not in meta["annotations"]
    assert metadata.FLUX_OPT_OUT.items() <= meta["annotations"].items()
    nothing = service_target.service_copy(canary(), user_service(), "primary")
    assert nothing["metadata"]["labels"] == {}
    assert "team" not in nothing["metadata"]["annotations"]


def test_node_ports_are_left_for_the_api_server_to_assign_and_headless_stays_headless() -> None:
    node_port = user_service(
        type="NodePort",
        healthCheckNodePort=30001,
        ports=[{"name": "http", "port": 9898, "nodePort": 30080, "protocol": "TCP"}],
    )
    body = service_target.service_copy(canary(), node_port, "primary")
    assert body["spec"]["ports"] == [{"name": "http", "port": 9898, "protocol": "TCP"}]
    assert "healthCheckNodePort" not in body["spec"]
    headless = user_service(clusterIP="None", clusterIPs=["None"])
    assert service_target.service_copy(canary(), headless, "canary")["spec"]["clusterIP"] == "None"


def test_the_canarys_traffic_distribution_is_set_on_the_copies() -> None:
    body = service_target.service_copy(canary(trafficDistribution="PreferClose"), user_service(), "canary")
    assert body["spec"]["trafficDistribution"] == "PreferClose"


def test_the_revision_changes_with_the_spec_and_not_with_assigned_fields_or_metadata() -> None:
    base = service_target.revision(user_service())
    assert service_target.revision(user_service(selector={"app": "podinfo-v3"})) != base
    assert service_target.revision(user_service(ports=[{"name": "http", "port": 80}])) != base
    recreated = user_service(clusterIP="10.0.0.9", clusterIPs=["10.0.0.9"])
    recreated["metadata"] |= {"uid": "s-2", "resourceVersion": "99", "labels": {}}
    assert service_target.revision(recreated) == base


def test_current_is_false_until_the_copy_carries_the_digest_and_every_field() -> None:
    wanted = service_target.service_copy(canary(), user_service(), "canary")
    assert not service_target.current(None, wanted)
    stored = copy.deepcopy(wanted)
    stored["spec"] |= {"clusterIP": "10.0.0.8", "internalTrafficPolicy": "Cluster"}  # server defaults
    assert service_target.current(stored, wanted)
    edited = copy.deepcopy(stored)
    edited["spec"]["selector"] = {"app": "other"}  # someone changed a field we set
    assert not service_target.current(edited, wanted)


def test_a_field_removed_from_the_target_is_a_change_of_the_copy() -> None:
    two = user_service(selector={"app": "podinfo", "version": "v2"})
    stored = service_target.service_copy(canary(), two, "canary")
    one = service_target.service_copy(canary(), user_service(selector={"app": "podinfo"}), "canary")
    assert not service_target.current(stored, one)  # the digest differs although stored has every field


def test_ports_lists_what_the_service_serves() -> None:
    assert service_target.ports(user_service()) == [9898]
    assert service_target.ports({"spec": {}}) == []
