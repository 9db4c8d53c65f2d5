"""A release from start to end with the kubernetes (blue/green) router, on the real control plane."""

from __future__ import annotations

import time
from typing import Any

import pytest
import yaml

from flagger_py.testing.cluster import Cluster
from tests.cluster import kube, workloads
from tests.cluster.controller import Controllers, eventually
from tests.paths import THIRDPARTY_CRDS
from tests.webhooks.server import Server

CANARIES = "/apis/flagger.app/v1beta1/namespaces/{ns}/canaries/podinfo"


def initialized(cluster: Cluster, ns: str) -> None:
    eventually("Initialized", lambda: kube.phase(cluster, ns) == "Initialized", 60)


def initialized_calling(
    cluster: Cluster, ns: str, controllers: Controllers, hook: dict[str, Any], **analysis: Any
) -> None:
    """podinfo:6.0.0 (two replicas) and a blue/green Canary whose analysis calls ``hook``, then the
    controller: until the Canary is Initialized."""
    cluster.api.apply(workloads.deployment(ns, replicas=2, image="podinfo:6.0.0"))
    cluster.api.apply(workloads.bluegreen(ns, analysis={"webhooks": [hook], **analysis}))
    controllers()
    initialized(cluster, ns)


def test_a_new_image_is_analysed_then_promoted(
    flagger_crds: Cluster, namespace: str, controllers: Controllers, serve: object
) -> None:
    cluster, ns = flagger_crds, namespace
    hooks: Server = serve(lambda _path, _n: (200, "ok"))  # type: ignore[operator]
    initialized_calling(
        cluster, ns, controllers, {"name": "smoke", "type": "rollout", "url": f"{hooks.url}/smoke"}
    )

    primary = cluster.wait_available(ns, "podinfo-primary")
    assert kube.image(primary) == "podinfo:6.0.0"
    assert primary["spec"]["selector"]["matchLabels"] == {"app": "podinfo-primary"}
    assert primary["metadata"]["ownerReferences"][0]["kind"] == "Canary"
    eventually("target at zero", lambda: kube.deployment(cluster, ns, "podinfo")["spec"]["replicas"] == 0)
    selectors = {
        n: kube.service(cluster, ns, n)["spec"]["selector"]
        for n in ("podinfo", "podinfo-primary", "podinfo-canary")
    }
    assert selectors == {
        "podinfo": {"app": "podinfo-primary"},
        "podinfo-primary": {"app": "podinfo-primary"},
        "podinfo-canary": {"app": "podinfo"},
    }
    ready = kube.condition(cluster, ns, "Ready")
    assert (ready["status"], ready["reason"]) == ("True", "Initialized")
    assert (
        kube.status(cluster, ns)["observedGeneration"] == kube.canary(cluster, ns)["metadata"]["generation"]
    )

    kube.set_image(cluster, ns, "Deployment", "podinfo", "podinfo:6.0.1")
    eventually(
        "Progressing", lambda: kube.phase(cluster, ns) in ("Progressing", "Promoting", "Finalising"), 30
    )
    assert kube.condition(cluster, ns, "Ready")["status"] == "False"
    assert kube.condition(cluster, ns, "Reconciling")["status"] == "True"
    wait = cluster.kubectl(
        "wait", "-n", ns, "canary/podinfo", "--for=condition=promoted", "--timeout=60s", check=False
    )
    assert wait.returncode == 0, wait.stderr
    eventually("Succeeded", lambda: kube.phase(cluster, ns) == "Succeeded", 60)

    primary = cluster.wait_available(ns, "podinfo-primary")
    assert kube.image(primary) == "podinfo:6.0.1"
    eventually("canary at zero", lambda: kube.deployment(cluster, ns, "podinfo")["spec"]["replicas"] == 0)
    messages = kube.messages(cluster, ns)
    for expected in (
        "Initialization done! podinfo." + ns,
        "New revision detected! Scaling up podinfo." + ns,
        "Advance podinfo." + ns + " canary iteration 3/3",
        "Copying podinfo." + ns + " template spec to podinfo-primary." + ns,
        "Promotion completed! Scaling down podinfo." + ns,
    ):
        assert expected in messages
    assert all(e["reason"] == "Synced" for e in kube.events(cluster, ns))
    phases = {body["phase"] for path, body, _ in hooks.requests if path == "/smoke"}
    assert phases == {"Progressing"}
    ready = kube.condition(cluster, ns, "Ready")
    assert (ready["status"], ready["reason"]) == ("True", "Succeeded")
    assert not kube.condition(cluster, ns, "Reconciling")


def test_a_failing_webhook_rolls_back_and_leaves_the_primary_alone(
    flagger_crds: Cluster, namespace: str, controllers: Controllers, serve: object
) -> None:
    cluster, ns = flagger_crds, namespace
    hooks: Server = serve(lambda _path, _n: (500, "error rate too high"))  # type: ignore[operator]
    hook = {"name": "gate", "type": "rollout", "url": f"{hooks.url}/gate", "timeout": "2s"}
    initialized_calling(cluster, ns, controllers, hook, threshold=2)
    kube.set_image(cluster, ns, "Deployment", "podinfo", "podinfo:6.0.1")
    eventually("Failed", lambda: kube.phase(cluster, ns) == "Failed", 90)

    assert kube.image(kube.deployment(cluster, ns, "podinfo-primary")) == "podinfo:6.0.0"
    eventually("canary at zero", lambda: kube.deployment(cluster, ns, "podinfo")["spec"]["replicas"] == 0)
    assert kube.status(cluster, ns)["failedChecks"] == 2
    ready, stalled = kube.condition(cluster, ns, "Ready"), kube.condition(cluster, ns, "Stalled")
    assert (ready["status"], ready["reason"]) == ("False", "Failed")
    assert stalled["status"] == "True"
    warnings = [e for e in kube.events(cluster, ns) if e["type"] == "Warning"]
    assert any("Canary failed! Scaling down" in e["message"] for e in warnings)
    # Flagger's event source, so that alert rules written for Flagger select these Events too
    assert {
        (e["source"]["component"], e["reportingComponent"], e["reportingInstance"]) for e in warnings
    } == {("flagger", "flagger", "flagger-py")}
    # The same failure on two ticks is one Event with count 2, as kubectl events dedupe.
    halts = [e for e in warnings if "advancement external check" in e["message"]]
    assert len(halts) == 1
    assert halts[0]["count"] == 2
    assert not any("Copying" in m for m in kube.messages(cluster, ns))


def test_a_configmap_change_starts_a_run_and_the_primary_gets_the_new_copy(
    flagger_crds: Cluster, namespace: str, controllers: Controllers
) -> None:
    cluster, ns = flagger_crds, namespace
    config = workloads.manifest("v1", "ConfigMap", ns, "podinfo-config")
    cluster.api.apply({**config, "data": {"color": "blue"}})
    optout = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "shared",
            "namespace": ns,
            "annotations": {"flagger.app/config-tracking": "disabled"},
        },
        "data": {"x": "1"},
    }
    cluster.api.apply(optout)
    dep = workloads.deployment(ns, replicas=1)
    pod = dep["spec"]["template"]["spec"]
    pod["containers"][0]["envFrom"] = [{"configMapRef": {"name": "podinfo-config"}}]
    pod["volumes"] = [{"name": "shared", "configMap": {"name": "shared"}}]
    cluster.api.apply(dep)
    cluster.api.apply(workloads.bluegreen(ns))
    controllers()
    initialized(cluster, ns)

    copy = cluster.api.get(f"/api/v1/namespaces/{ns}/configmaps/podinfo-config-primary")
    assert copy["data"] == {"color": "blue"}
    primary = kube.deployment(cluster, ns, "podinfo-primary")["spec"]["template"]["spec"]
    assert primary["containers"][0]["envFrom"] == [{"configMapRef": {"name": "podinfo-config-primary"}}]
    assert primary["volumes"][0]["configMap"]["name"] == "shared"  # opted out: not copied
    assert not kube.exists(cluster, f"/api/v1/namespaces/{ns}/configmaps/shared-primary")
    tracked = kube.status(cluster, ns)["trackedConfigs"]
    assert list(tracked) == ["configmap/podinfo-config"]

    cluster.api.apply({**config, "data": {"color": "green"}})
    eventually("a run", lambda: kube.phase(cluster, ns) in ("Progressing", "Promoting", "Finalising"), 60)
    assert cluster.api.get(f"/api/v1/namespaces/{ns}/configmaps/podinfo-config-primary")["data"] == {
        "color": "blue"
    }
    eventually("Succeeded", lambda: kube.phase(cluster, ns) == "Succeeded", 60)
    copy = cluster.api.get(f"/api/v1/namespaces/{ns}/configmaps/podinfo-config-primary")
    assert copy["data"] == {"color": "green"}
    assert kube.status(cluster, ns)["trackedConfigs"] != tracked


def test_a_daemonset_is_released_with_the_scale_to_zero_node_selector(
    flagger_crds: Cluster, namespace: str, controllers: Controllers
) -> None:
    cluster, ns = flagger_crds, namespace
    cluster.api.apply(workloads.daemonset(ns))
    cluster.api.apply(workloads.bluegreen(ns, kind="DaemonSet"))
    controllers()
    initialized(cluster, ns)
    path = f"/apis/apps/v1/namespaces/{ns}/daemonsets"
    target = cluster.api.get(f"{path}/podinfo")
    assert target["spec"]["template"]["spec"]["nodeSelector"] == {"flagger.app/scale-to-zero": "true"}
    primary = cluster.api.get(f"{path}/podinfo-primary")
    assert "nodeSelector" not in primary["spec"]["template"]["spec"]
    eventually(
        "the primary on every node",
        lambda: (cluster.api.get(f"{path}/podinfo-primary").get("status") or {}).get("numberAvailable") == 3,
    )

    kube.set_image(cluster, ns, "DaemonSet", "podinfo", "podinfo:6.0.1")
    eventually("Succeeded", lambda: kube.phase(cluster, ns) == "Succeeded", 90)
    assert kube.image(cluster.api.get(f"{path}/podinfo-primary")) == "podinfo:6.0.1"
    target = cluster.api.get(f"{path}/podinfo")
    assert target["spec"]["template"]["spec"]["nodeSelector"] == {"flagger.app/scale-to-zero": "true"}
    # Scaling to zero is not a new revision: no second run started.
    assert sum("New revision detected" in m for m in kube.messages(cluster, ns)) == 1


def test_an_hpa_target_gets_a_primary_hpa(
    flagger_crds: Cluster, namespace: str, controllers: Controllers
) -> None:
    cluster, ns = flagger_crds, namespace
    cluster.api.apply(workloads.deployment(ns, replicas=2))
    hpa: dict[str, Any] = {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {
            "name": "podinfo",
            "namespace": ns,
            "labels": {"team": "a", "kustomize.toolkit.fluxcd.io/name": "x"},
        },
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
            "minReplicas": 2,
            "maxReplicas": 4,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}},
                }
            ],
        },
    }
    cluster.api.apply(hpa)
    autoscaler = {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "name": "podinfo",
        "primaryScalerReplicas": {"minReplicas": 3, "maxReplicas": 5},
    }
    cluster.api.apply(workloads.bluegreen(ns, autoscalerRef=autoscaler))
    controllers("--include-label-prefix", "team")
    initialized(cluster, ns)

    primary = cluster.api.get(
        f"/apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers/podinfo-primary"
    )
    spec = primary["spec"]
    assert spec["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "podinfo-primary",
    }
    assert (spec["minReplicas"], spec["maxReplicas"]) == (3, 5)
    assert spec["metrics"] == hpa["spec"]["metrics"]
    assert primary["metadata"]["labels"] == {"team": "a"}
    kube.set_image(cluster, ns, "Deployment", "podinfo", "podinfo:6.0.1")
    eventually("Succeeded", lambda: kube.phase(cluster, ns) == "Succeeded", 60)
    assert kube.image(kube.deployment(cluster, ns, "podinfo-primary")) == "podinfo:6.0.1"


@pytest.mark.shared
def test_a_keda_target_gets_a_primary_scaled_object_and_is_paused_between_runs(
    flagger_crds: Cluster, namespace: str, controllers: Controllers
) -> None:
    cluster, ns = flagger_crds, namespace
    keda = [
        d
        for p in sorted((THIRDPARTY_CRDS / "keda").rglob("*.yaml"))
        for d in yaml.safe_load_all(p.read_text())
        if d and d.get("kind") == "CustomResourceDefinition" and d["spec"]["names"]["kind"] == "ScaledObject"
    ]
    cluster.install_crds(keda, timeout=60)
    cluster.api.apply(workloads.deployment(ns, replicas=1))
    scaled_object = {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": {"name": "podinfo", "namespace": ns},
        "spec": {
            "scaleTargetRef": {"name": "podinfo"},
            "minReplicaCount": 2,
            "maxReplicaCount": 5,
            "advanced": {"horizontalPodAutoscalerConfig": {"name": "podinfo-hpa"}},
            "triggers": [
                {
                    "type": "prometheus",
                    "name": "rps",
                    "metadata": {
                        "serverAddress": "http://prom:9090",
                        "query": "sum(rate(x{app='podinfo'}[1m]))",
                        "threshold": "10",
                    },
                }
            ],
        },
    }
    cluster.api.apply(scaled_object)
    autoscaler = {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "name": "podinfo",
        "primaryScalerQueries": {"rps": "sum(rate(x{app='podinfo-primary'}[1m]))"},
    }
    cluster.api.apply(workloads.bluegreen(ns, autoscalerRef=autoscaler))
    controllers()
    initialized(cluster, ns)
    path = f"/apis/keda.sh/v1alpha1/namespaces/{ns}/scaledobjects"
    primary = cluster.api.get(f"{path}/podinfo-primary")["spec"]
    assert primary["scaleTargetRef"] == {"name": "podinfo-primary"}
    assert primary["triggers"][0]["metadata"]["query"] == "sum(rate(x{app='podinfo-primary'}[1m]))"
    assert primary["advanced"]["horizontalPodAutoscalerConfig"]["name"] == "podinfo-hpa-primary"
    assert (primary["minReplicaCount"], primary["maxReplicaCount"]) == (2, 5)
    paused = "autoscaling.keda.sh/paused-replicas"
    assert cluster.api.get(f"{path}/podinfo")["metadata"]["annotations"][paused] == "0"

    kube.set_image(cluster, ns, "Deployment", "podinfo", "podinfo:6.0.1")
    eventually(
        "resumed for the run",
        lambda: paused not in (cluster.api.get(f"{path}/podinfo")["metadata"].get("annotations") or {}),
        30,
    )
    # KEDA is not running here: the canary is scaled from zero to the scaler's minimum by flagger-py,
    # in the same tick, right after the resume (the test may read between the two writes).
    eventually(
        "scaled from zero to the scaler's minimum",
        lambda: kube.deployment(cluster, ns, "podinfo")["spec"]["replicas"] == 2,
        30,
    )
    eventually("Succeeded", lambda: kube.phase(cluster, ns) == "Succeeded", 60)
    assert cluster.api.get(f"{path}/podinfo")["metadata"]["annotations"][paused] == "0"


def test_a_new_interval_takes_effect_at_once(
    flagger_crds: Cluster, namespace: str, controllers: Controllers
) -> None:
    cluster, ns = flagger_crds, namespace
    cluster.api.apply(workloads.deployment(ns, replicas=1))
    cluster.api.apply(workloads.bluegreen(ns))
    controllers()
    initialized(cluster, ns)
    path = f"/apis/flagger.app/v1beta1/namespaces/{ns}/canaries/podinfo"
    kube.patch(cluster, path, {"spec": {"analysis": {"interval": "10m"}}})
    eventually("generation 2 observed", lambda: kube.status(cluster, ns).get("observedGeneration") == 2)
    kube.set_image(cluster, ns, "Deployment", "podinfo", "podinfo:6.0.1")
    time.sleep(3)
    assert kube.phase(cluster, ns) == "Initialized"  # the next tick is ten minutes away
    kube.patch(cluster, path, {"spec": {"analysis": {"interval": "1s"}}})  # wakes the Canary at once
    eventually("Succeeded", lambda: kube.phase(cluster, ns) == "Succeeded", 60)


def test_initialization_does_not_wait_a_long_interval_for_the_primary(
    flagger_crds: Cluster, namespace: str, controllers: Controllers
) -> None:
    cluster, ns = flagger_crds, namespace
    cluster.api.apply(workloads.deployment(ns, replicas=1))
    cluster.api.apply(workloads.bluegreen(ns, analysis={"interval": "10m"}))
    controllers("--min-interval", "10s")
    # First tick: primary created, not ready yet. The next look comes 10 s later, not 10 minutes.
    eventually("Initialized", lambda: kube.phase(cluster, ns) == "Initialized", 60)
