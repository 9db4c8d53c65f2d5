"""What flagger-py generates from a target: selector label, copied metadata, config tracking, the
primary workload and the three Services (flagger-behavior.md §3.5, §3.6, §5.2, §11)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from flagger_py.desired import configs, metadata, primary, services
from flagger_py.desired.configs import ConfigRef
from flagger_py.errors import SpecError
from flagger_py.model.canary import CanarySpec
from tests.paths import REFERENCE


def target() -> dict[str, Any]:
    return yaml.safe_load((REFERENCE / "workloads" / "test-deployment.yaml").read_text())  # type: ignore[no-any-return]


def test_selector_label_is_the_first_configured_one_present() -> None:
    assert metadata.selector_label({"app": "podinfo"}, metadata.DEFAULT_SELECTOR_LABELS) == ("app", "podinfo")
    assert metadata.selector_label(
        {"name": "x", "app.kubernetes.io/name": "y"}, ("app.kubernetes.io/name", "name")
    ) == (
        "app.kubernetes.io/name",
        "y",
    )
    with pytest.raises(SpecError) as info:
        metadata.selector_label({"tier": "web"}, metadata.DEFAULT_SELECTOR_LABELS)
    assert str(info.value.problems[0]) == (
        "spec.selector.matchLabels: the target needs one of the selector labels app, name, "
        "app.kubernetes.io/name (or set --selector-labels)"
    )


def test_copied_metadata_filters_prefixes_and_never_copies_flux_keys() -> None:
    labels = {"app.kubernetes.io/name": "a", "team": "b", "kustomize.toolkit.fluxcd.io/name": "c"}
    assert metadata.copied(labels, ()) == {}
    assert metadata.copied(labels, ("app.kubernetes.io",)) == {"app.kubernetes.io/name": "a"}
    assert metadata.copied(labels, ("*",)) == {"app.kubernetes.io/name": "a", "team": "b"}


POD: dict[str, Any] = {
    "volumes": [
        {"name": "a", "configMap": {"name": "cm-volume"}},
        {"name": "b", "secret": {"secretName": "secret-volume", "optional": True}},
        {
            "name": "c",
            "projected": {
                "sources": [{"configMap": {"name": "cm-projected"}}, {"secret": {"name": "secret-projected"}}]
            },
        },
    ],
    "initContainers": [{"name": "init", "envFrom": [{"configMapRef": {"name": "cm-init"}}]}],
    "containers": [
        {
            "name": "app",
            "env": [
                {"name": "A", "valueFrom": {"configMapKeyRef": {"name": "cm-env", "key": "a"}}},
                {"name": "B", "valueFrom": {"secretKeyRef": {"name": "secret-env", "key": "b"}}},
                {"name": "C", "value": "plain"},
            ],
            "envFrom": [{"secretRef": {"name": "secret-envfrom"}}, {"configMapRef": {"name": "cm-volume"}}],
        }
    ],
}


def test_config_references_from_every_place() -> None:
    refs = configs.references(POD)
    assert [r.key for r in refs] == [
        "configmap/cm-env",
        "configmap/cm-init",
        "configmap/cm-projected",
        "configmap/cm-volume",
        "secret/secret-env",
        "secret/secret-envfrom",
        "secret/secret-projected",
        "secret/secret-volume",
    ]
    assert ConfigRef("secret", "secret-volume", optional=True) in refs


def test_rename_for_primary_touches_every_reference_and_nothing_else() -> None:
    names = {r: f"{r.name}-primary" for r in configs.references(POD) if r.name != "secret-env"}
    renamed = configs.renamed_for_primary(POD, names)
    assert sorted(r.name for r in configs.references(renamed)) == sorted([*names.values(), "secret-env"])
    assert configs.references(POD)[3] == ConfigRef("configmap", "cm-volume")  # the input is not modified


def test_tracking_opt_out_and_secret_types() -> None:
    assert configs.tracked({"kind": "ConfigMap", "metadata": {}})
    assert not configs.tracked(
        {"kind": "ConfigMap", "metadata": {"annotations": {configs.OPT_OUT_ANNOTATION: "disabled"}}}
    )
    assert configs.tracked({"kind": "Secret", "type": "kubernetes.io/tls", "metadata": {}})
    assert not configs.tracked(
        {"kind": "Secret", "type": "kubernetes.io/service-account-token", "metadata": {}}
    )


def test_checksum_follows_the_data_only() -> None:
    one = {"kind": "ConfigMap", "metadata": {"name": "a", "resourceVersion": "1"}, "data": {"k": "v"}}
    two = {**one, "metadata": {"name": "a", "resourceVersion": "2"}}
    assert configs.checksum(one) == configs.checksum(two)
    assert len(configs.checksum(one)) == 16
    assert configs.checksum(one) != configs.checksum({**one, "data": {"k": "w"}})


@pytest.mark.shared
def test_revision_ignores_replicas_and_the_scale_to_zero_selector() -> None:
    base = target()
    scaled = copy.deepcopy(base)
    scaled["spec"]["replicas"] = 7
    assert primary.revision(base) == primary.revision(scaled)
    # the selector flagger-py parks a DaemonSet with is not part of its revision (as in Flagger)
    daemonset = {**copy.deepcopy(base), "kind": "DaemonSet"}
    parked = copy.deepcopy(daemonset)
    parked["spec"]["template"]["spec"]["nodeSelector"] = {primary.SCALE_TO_ZERO_SELECTOR: "true"}
    assert primary.revision(daemonset) == primary.revision(parked)
    changed = copy.deepcopy(base)
    changed["spec"]["template"]["spec"]["containers"][0]["image"] = "ghcr.io/stefanprodan/podinfo:6.1.0"
    assert primary.revision(changed) != primary.revision(base)


@pytest.mark.shared
def test_primary_deployment() -> None:
    t = target()
    t["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/name"] = "apps"
    t["spec"]["template"]["spec"]["affinity"] = {
        "podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {
                    "labelSelector": {"matchLabels": {"app": "podinfo"}},
                    "topologyKey": "kubernetes.io/hostname",
                }
            ]
        }
    }
    ref = ConfigRef("secret", "podinfo-secret")
    out = primary.primary(
        t, include_label_prefixes=("app.kubernetes.io",), config_names={ref: "podinfo-secret-primary"}
    )
    assert out["metadata"]["name"] == "podinfo-primary"
    assert out["metadata"]["labels"] == {
        "app.kubernetes.io/name": "podinfo",
        "app.kubernetes.io/managed-by": "test-label-prefix",
        "app": "podinfo-primary",
    }
    assert out["metadata"]["annotations"] == {"app.kubernetes.io/instance": "test-annotation-prefix"}
    spec = out["spec"]
    assert spec["selector"] == {"matchLabels": {"app": "podinfo-primary"}}
    assert spec["template"]["metadata"]["labels"] == {"app": "podinfo-primary"}
    assert spec["template"]["metadata"]["annotations"][primary.FLAGGER_ID] == primary.revision(t)
    assert (spec["minReadySeconds"], spec["revisionHistoryLimit"], spec["progressDeadlineSeconds"]) == (
        5,
        5,
        60,
    )
    env = spec["template"]["spec"]["containers"][0]["env"][0]
    assert env["valueFrom"]["secretKeyRef"]["name"] == "podinfo-secret-primary"
    term = spec["template"]["spec"]["affinity"]["podAntiAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"
    ][0]
    assert term["labelSelector"]["matchLabels"] == {"app": "podinfo-primary"}
    assert t["spec"]["selector"]["matchLabels"] == {"app": "podinfo"}  # the target is not modified


@pytest.mark.shared
def test_primary_replicas_only_without_an_autoscaler() -> None:
    t = target()
    t["spec"]["replicas"] = 3
    assert primary.primary(t)["spec"]["replicas"] == 3
    assert "replicas" not in primary.primary(t, with_replicas=False)["spec"]


@pytest.mark.shared
def test_primary_daemonset() -> None:
    ds = yaml.safe_load((REFERENCE / "workloads" / "test-daemonset.yaml").read_text())
    out = primary.primary(ds)
    assert (out["kind"], out["metadata"]["name"]) == ("DaemonSet", f"{ds['metadata']['name']}-primary")
    assert "updateStrategy" in out["spec"] or "updateStrategy" not in ds["spec"]


def canary_spec(**service: Any) -> CanarySpec:
    return CanarySpec.model_validate(
        {
            "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
            "service": {"port": 9898, **service},
            "analysis": {"interval": "1m", "threshold": 5, "stepWeight": 10},
        }
    )


def test_services() -> None:
    spec = canary_spec(apex={"labels": {"team": "web"}}, canary={"annotations": {"note": "canary"}})
    out = services.services(spec, "test", ("app", "podinfo"))
    assert {role: s["metadata"]["name"] for role, s in out.items()} == {
        "apex": "podinfo",
        "primary": "podinfo-primary",
        "canary": "podinfo-canary",
    }
    assert out["apex"]["spec"]["selector"] == out["primary"]["spec"]["selector"] == {"app": "podinfo-primary"}
    assert out["canary"]["spec"]["selector"] == {"app": "podinfo"}
    assert out["apex"]["spec"]["ports"] == [
        {"name": "http", "protocol": "TCP", "port": 9898, "targetPort": 9898}
    ]
    assert out["apex"]["metadata"]["labels"] == {"team": "web", "app": "podinfo"}
    assert out["canary"]["metadata"]["annotations"]["note"] == "canary"
    assert out["canary"]["metadata"]["annotations"]["kustomize.toolkit.fluxcd.io/reconcile"] == "disabled"


@pytest.mark.shared
def test_services_port_discovery_headless_and_names() -> None:
    pod = target()["spec"]["template"]["spec"]
    pod["containers"].append({"name": "istio-proxy", "ports": [{"containerPort": 15090}]})
    spec = canary_spec(
        name="web", port=80, targetPort="http", portDiscovery=True, headless=True, appProtocol="http"
    )
    out = services.services(spec, "test", ("app", "podinfo"), pod)
    ports = out["apex"]["spec"]["ports"]
    assert ports[0] == {
        "name": "http",
        "protocol": "TCP",
        "port": 80,
        "targetPort": "http",
        "appProtocol": "http",
    }
    assert [p["name"] for p in ports[1:]] == ["http-metrics", "grpc"]
    assert out["primary"]["spec"]["clusterIP"] == "None"
    assert out["canary"]["metadata"]["name"] == "web-canary"
