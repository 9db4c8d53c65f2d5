"""Taking over from Flagger 1.44: Flagger (testenv/flagger.sh) runs on the real control plane with its
own CRD until three Canaries are Initialized (a Deployment tracking a ConfigMap and a Secret, a
DaemonSet, a Deployment behind a Gateway API HTTPRoute) and the third is mid-analysis at a weight; then
Flagger stops, flagger-py's CRDs are applied over Flagger's and flagger-py starts, as
docs/upgrade-from-flagger.md says. Nothing is re-initialized or re-analysed, no workload is written,
and the release in progress continues from its weight to the promotion. Last, the way back: flagger-py
stops and Flagger, started again on flagger-py's CRDs, finds nothing to re-run."""

from __future__ import annotations

import base64
import contextlib
import functools
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from flagger_py.crd import schema
from flagger_py.desired import configs, primary
from flagger_py.testing.cluster import Cluster, free_port
from tests import prerequisites
from tests.cluster import kube, workloads
from tests.cluster.controller import Controller, Controllers, eventually, playing
from tests.cluster.test_routers import GATEWAY, accept_http_routes
from tests.paths import REFERENCE, TESTENV_BIN

pytestmark = pytest.mark.shared  # Flagger's CRD

FLAGGER = TESTENV_BIN / "flagger"
INTERVAL = "10s"  # Flagger's shortest
STEP, MAX_WEIGHT = 20, 60
WORKLOADS = {"podinfo": "deployments", "ds": "daemonsets", "web": "deployments"}


def flagger_binary() -> str:
    return str(prerequisites.binary(FLAGGER, "testenv/flagger.sh"))


@pytest.fixture
def flagger_crd(router_crds: Cluster) -> Iterator[Cluster]:
    """The cluster with Flagger's own CRDs in place of flagger-py's; flagger-py's are back afterwards."""
    documents = [
        d
        for d in yaml.safe_load_all((REFERENCE / "crd.yaml").read_text())
        if d and d.get("kind") == "CustomResourceDefinition"
    ]
    router_crds.install_crds(documents, timeout=60)
    try:
        yield router_crds
    finally:
        router_crds.install_crds(schema.crd_documents(), timeout=60)


@pytest.fixture
def gateway(flagger_crd: Cluster, namespace: str) -> Iterator[None]:
    """A Gateway controller for the test's namespace: accepts every HTTPRoute, every 0.2 s."""
    with playing(lambda: accept_http_routes(flagger_crd, namespace)):
        yield


def start_flagger(controllers: Controllers) -> Controller:
    port = free_port()
    argv = [
        flagger_binary(),
        f"-kubeconfig={controllers.cluster.kubeconfig}",
        f"-namespace={controllers.namespace}",
        "-mesh-provider=kubernetes",
        f"-metrics-server=http://127.0.0.1:{free_port()}",  # no metric is analysed
        f"-port={port}",
        "-log-level=info",
        "-zap-encoding=console",
    ]
    controller = Controller(argv, controllers.workdir / "flagger.log", port, ready_path="/healthz")
    controllers.started.append(controller.start())
    controller.wait_ready()
    return controller


def apply_workloads(cluster: Cluster, ns: str) -> None:
    """podinfo (ConfigMap and Secret tracked, blue/green), ds (a DaemonSet, blue/green), web (canary
    weights on an HTTPRoute). Templates with probes, resources and env, so the hashes mean something."""
    cluster.api.apply(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "podinfo-config", "namespace": ns},
            "data": {"color": "blue", "page": "<b>&amp;</b>"},
        }
    )
    secret = base64.b64encode(b"s3cr\xc3\xa9t").decode()
    cluster.api.apply(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "podinfo-secret", "namespace": ns},
            "type": "Opaque",
            "data": {"token": secret},
        }
    )
    podinfo = workloads.deployment(ns, "podinfo", replicas=1)
    container = podinfo["spec"]["template"]["spec"]["containers"][0]
    container |= {
        "env": [
            {"name": "COLOR", "valueFrom": {"configMapKeyRef": {"name": "podinfo-config", "key": "color"}}}
        ],
        "volumeMounts": [{"name": "secret", "mountPath": "/etc/secret"}],
        "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}},
        "readinessProbe": {"httpGet": {"path": "/readyz", "port": 9898}, "periodSeconds": 5},
    }
    podinfo["spec"]["template"]["spec"]["volumes"] = [
        {"name": "secret", "secret": {"secretName": "podinfo-secret"}}
    ]
    cluster.api.apply(podinfo)
    cluster.api.apply(workloads.daemonset(ns, "ds"))
    cluster.api.apply(workloads.deployment(ns, "web", replicas=1))
    analysis = {"interval": INTERVAL, "threshold": 2, "iterations": 3}
    cluster.api.apply(workloads.bluegreen(ns, "podinfo", analysis=analysis))
    cluster.api.apply(workloads.bluegreen(ns, "ds", kind="DaemonSet", analysis=analysis))
    web = workloads.canary(ns, "web", interval=INTERVAL, threshold=2, stepWeight=STEP, maxWeight=MAX_WEIGHT)
    web["spec"] |= {"provider": "gatewayapi:v1", "service": {"port": 9898, "gatewayRefs": [GATEWAY]}}
    cluster.api.apply(web)


def workload_writes(cluster: Cluster, ns: str) -> dict[str, tuple[int, tuple[str, ...]]]:
    """Per target and primary: its generation and the field managers that ever wrote it."""
    found = {}
    for name, plural in WORKLOADS.items():
        for obj_name in (name, f"{name}-primary"):
            obj = cluster.api.get(f"/apis/apps/v1/namespaces/{ns}/{plural}/{obj_name}")
            managers = tuple(sorted({m["manager"] for m in obj["metadata"].get("managedFields") or ()}))
            found[obj_name] = (obj["metadata"]["generation"], managers)
    return found


def route_weights(cluster: Cluster, ns: str) -> tuple[int, int] | None:
    route = f"/apis/gateway.networking.k8s.io/v1/namespaces/{ns}/httproutes/web"
    if not kube.exists(cluster, route):
        return None
    (rule,) = cluster.api.get(route)["spec"]["rules"]
    found = {b["name"]: b["weight"] for b in rule["backendRefs"]}
    return found["web-primary"], found["web-canary"]


class Samples:
    """The web canary's (phase, status weight, HTTPRoute canary weight), each change, in the background."""

    def __init__(self, cluster: Cluster, ns: str) -> None:
        self.seen: list[tuple[str, int, int | None]] = []
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self.poll, args=(cluster, ns), daemon=True)
        self.thread.start()

    def poll(self, cluster: Cluster, ns: str) -> None:
        while not self.stop_event.is_set():
            with contextlib.suppress(Exception):
                status = kube.status(cluster, ns, "web")
                weights = route_weights(cluster, ns)
                sample = (
                    str(status.get("phase")),
                    int(status.get("canaryWeight") or 0),
                    weights and weights[1],
                )
                if not self.seen or self.seen[-1] != sample:
                    self.seen.append(sample)
            self.stop_event.wait(0.1)

    def stop(self) -> list[tuple[str, int, int | None]]:
        self.stop_event.set()
        self.thread.join()
        return self.seen


def flagger_py_messages(cluster: Cluster, ns: str, name: str) -> list[str]:
    return [
        e["message"] for e in kube.events(cluster, ns, name) if e.get("reportingInstance") == "flagger-py"
    ]


def initialized(cluster: Cluster, ns: str, name: str) -> bool:
    return kube.phase(cluster, ns, name) == "Initialized"


def seen_by_flagger_py(cluster: Cluster, ns: str, name: str) -> bool:
    """The Canary had a tick of flagger-py: its status has flagger-py's Ready condition."""
    return any(c["type"] == "Ready" for c in kube.status(cluster, ns, name).get("conditions", ()))


def run_flagger_until_mid_analysis(cluster: Cluster, ns: str, controllers: Controllers) -> dict[str, Any]:
    """Flagger initializes the three Canaries and takes web to a weight; then it stops. The statuses."""
    apply_workloads(cluster, ns)
    flagger = start_flagger(controllers)
    for name in WORKLOADS:
        eventually(f"{name} Initialized by Flagger", functools.partial(initialized, cluster, ns, name), 180)
    kube.set_image(cluster, ns, "Deployment", "web", "podinfo:6.0.1")
    eventually("web at a weight", lambda: kube.status(cluster, ns, "web").get("canaryWeight", 0) >= STEP, 120)
    assert flagger.stop() == 0
    left = {name: kube.status(cluster, ns, name) for name in WORKLOADS}
    weight = left["web"]["canaryWeight"]
    assert left["web"]["phase"] == "Progressing"
    assert STEP <= weight < MAX_WEIGHT, "Flagger went too far to see the run continue"
    assert route_weights(cluster, ns) == (100 - weight, weight)
    return left


def assert_flaggers_hashes_are_ours(cluster: Cluster, ns: str, left: dict[str, Any]) -> None:
    """Flagger's lastAppliedSpec and trackedConfigs are what flagger-py computes from the same objects."""
    for name, plural in WORKLOADS.items():
        target = cluster.api.get(f"/apis/apps/v1/namespaces/{ns}/{plural}/{name}")
        target.setdefault("kind", "DaemonSet" if plural == "daemonsets" else "Deployment")
        assert primary.revision(target) == left[name]["lastAppliedSpec"], name
    assert left["web"]["lastPromotedSpec"] != left["web"]["lastAppliedSpec"]
    config_map = cluster.api.get(f"/api/v1/namespaces/{ns}/configmaps/podinfo-config")
    secret = cluster.api.get(f"/api/v1/namespaces/{ns}/secrets/podinfo-secret")
    assert left["podinfo"]["trackedConfigs"] == {
        "configmap/podinfo-config": configs.checksum({**config_map, "kind": "ConfigMap"}),
        "secret/podinfo-secret": configs.checksum({**secret, "kind": "Secret"}),
    }


def assert_the_run_continued(
    cluster: Cluster, ns: str, left: dict[str, Any], seen: list[tuple[str, int, int | None]]
) -> None:
    """web went on from Flagger's weight, step by step, to the promotion of the same revision."""
    weight = left["web"]["canaryWeight"]
    assert kube.image(kube.deployment(cluster, ns, "web-primary")) == "podinfo:6.0.1"
    assert kube.status(cluster, ns, "web")["lastAppliedSpec"] == left["web"]["lastAppliedSpec"]
    progressing = [s for s in seen if s[0] == "Progressing"]
    assert progressing[0] == ("Progressing", weight, weight), seen
    status_weights = [w for _, w, _ in progressing]
    assert status_weights == sorted(status_weights), f"the weight went back: {seen}"
    assert set(status_weights) == set(range(weight, MAX_WEIGHT + 1, STEP)), seen
    routes = [route for _, _, route in progressing if route is not None]
    assert routes == sorted(routes), f"the HTTPRoute's weight went back: {seen}"
    assert set(routes) <= set(range(weight, MAX_WEIGHT + 1, STEP)), seen
    for name in WORKLOADS:
        said = flagger_py_messages(cluster, ns, name)
        again = [m for m in said if "Initialization done" in m or "New revision detected" in m]
        assert not again, (name, said)
    said = flagger_py_messages(cluster, ns, "web")
    assert f"Advance web.{ns} canary weight {weight + STEP}" in said
    assert f"Advance web.{ns} canary weight {weight}" not in said


def test_flagger_py_takes_over_without_reanalysing(
    flagger_crd: Cluster, namespace: str, controllers: Controllers, gateway: None
) -> None:
    cluster, ns = flagger_crd, namespace
    left = run_flagger_until_mid_analysis(cluster, ns, controllers)
    assert_flaggers_hashes_are_ours(cluster, ns, left)
    before = workload_writes(cluster, ns)
    assert not [name for name, (_, managers) in before.items() if "flagger-py" in managers]
    apex = cluster.api.get(f"/api/v1/namespaces/{ns}/services/podinfo")["spec"]["selector"]

    # The switch, as docs/upgrade-from-flagger.md says: flagger-py's CRDs over Flagger's, then flagger-py.
    cluster.install_crds(schema.crd_documents(), timeout=60)
    samples = Samples(cluster, ns)
    controllers()
    for name in WORKLOADS:
        eventually(f"{name} seen by flagger-py", functools.partial(seen_by_flagger_py, cluster, ns, name), 60)
    weight = left["web"]["canaryWeight"]
    eventually(
        "web one step further",
        lambda: kube.status(cluster, ns, "web").get("canaryWeight", 0) >= weight + STEP,
        30,
    )
    assert workload_writes(cluster, ns) == before, "a workload was written"
    for name in ("podinfo", "ds"):
        status = kube.status(cluster, ns, name)
        assert status["phase"] == "Initialized", name
        for field in ("lastAppliedSpec", "lastPromotedSpec", "trackedConfigs"):
            assert status.get(field) == left[name].get(field), (name, field)
    assert cluster.api.get(f"/api/v1/namespaces/{ns}/services/podinfo")["spec"]["selector"] == apex

    eventually("web Succeeded", lambda: kube.phase(cluster, ns, "web") == "Succeeded", 120)
    assert_the_run_continued(cluster, ns, left, samples.stop())
    assert_flagger_can_take_back(cluster, ns, controllers)


def flagger_restarts(cluster: Cluster, ns: str) -> int:
    """How often Flagger said it initialized a Canary or started a run (Events count repeats)."""
    return sum(
        int(e.get("count") or 1)
        for name in WORKLOADS
        for e in kube.events(cluster, ns, name)
        if (e.get("source") or {}).get("component") == "flagger"
        and e.get("reportingInstance") != "flagger-py"
        and ("Initialization done" in e["message"] or "New revision detected" in e["message"])
    )


def assert_flagger_can_take_back(cluster: Cluster, ns: str, controllers: Controllers) -> None:
    """Going back: flagger-py stops, Flagger starts on flagger-py's CRDs and finds nothing to do."""
    assert controllers.started[-1].stop() == 0
    phases = {name: kube.phase(cluster, ns, name) for name in WORKLOADS}
    assert phases == {"podinfo": "Initialized", "ds": "Initialized", "web": "Succeeded"}
    before, restarts = workload_writes(cluster, ns), flagger_restarts(cluster, ns)
    start_flagger(controllers)
    time.sleep(2.5 * 10)  # two and a half of Flagger's 10 s ticks
    assert {name: kube.phase(cluster, ns, name) for name in WORKLOADS} == phases
    assert workload_writes(cluster, ns) == before, "Flagger rewrote a workload"
    assert flagger_restarts(cluster, ns) == restarts, "Flagger re-initialized or re-ran a Canary"
