"""Flagger's command line on the real control plane: the leader Lease shared with Flagger, -master, and
``flagger-py run`` started with exactly the arguments Flagger's own Helm chart renders.

The Lease tests hold ``flagger-leader-election`` as Flagger does: first written by the test as
client-go writes it (same name, namespace, holderIdentity form, leaseDurationSeconds), then by the real
Flagger 1.44 binary (testenv/flagger.sh builds it) on both sides of a hand-over.
"""

from __future__ import annotations

import datetime as dt
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from flagger_py.operator import flags as controller_flags
from flagger_py.testing.cluster import Cluster, free_port
from tests.charts.helm import KUBE_VERSION, helm
from tests.cluster.controller import Controller, Controllers, eventually
from tests.flagger_corpus import DOWNLOAD_COMMAND, source_dir
from tests.paths import TESTENV_BIN

FLAGGER = TESTENV_BIN / "flagger"
RUN = [sys.executable, "-m", "flagger_py", "run"]
LEASE = "flagger-leader-election"


def lease_path(ns: str) -> str:
    return f"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/{LEASE}"


def holder(cluster: Cluster, ns: str) -> str:
    response = cluster.api.request("GET", lease_path(ns))
    if response.status_code != 200:
        return ""
    return str(response.json()["spec"].get("holderIdentity") or "")


def identity(controller: Controller) -> str:
    """The leader-election identity a controller logged (flagger-py and Flagger log the same line)."""
    for line in controller.log().splitlines():
        _, found, rest = line.lower().partition("starting leader election id: ")
        if found:
            start = line.lower().index(found) + len(found)
            return line[start : start + len(rest.split(" ")[0])]
    raise AssertionError(f"no leader election identity logged:\n{controller.log()}")


def status(controller: Controller, path: str) -> int:
    try:
        return httpx.get(f"http://127.0.0.1:{controller.port}{path}", timeout=2).status_code
    except httpx.HTTPError:
        return 0


def micro_time() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def start(controllers: Controllers, argv: list[str], name: str, ready_path: str = "/readyz") -> Controller:
    port = free_port()
    log = controllers.workdir / f"{name}-{len(controllers.started)}.log"
    controller = Controller([*argv, f"-port={port}"], log, port, ready_path=ready_path)
    controllers.started.append(controller.start())
    return controller


def flagger_py(controllers: Controllers, *flags: str) -> Controller:
    argv = [
        *RUN,
        f"-kubeconfig={controllers.cluster.kubeconfig}",
        f"-namespace={controllers.namespace}",
        "-mesh-provider=kubernetes",
        "-min-interval=1s",
        *flags,
    ]
    return start(controllers, argv, "flagger-py")


ELECTION = (
    "-enable-leader-election",
    "-leader-election-retry-period=1s",
    "-leader-election-renew-deadline=3s",
)


def test_a_lease_flagger_renews_keeps_flagger_py_waiting_until_it_expires(
    flagger_crds: Cluster, namespace: str, controllers: Controllers
) -> None:
    cluster, ns = flagger_crds, namespace
    other = f"flagger-7d9c8b-x2x4z_{uuid.uuid4()}"  # Flagger's identity: hostname_uuid
    cluster.api.apply(
        {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {"name": LEASE, "namespace": ns},
            "spec": {
                "holderIdentity": other,
                "leaseDurationSeconds": 5,
                "acquireTime": micro_time(),
                "renewTime": micro_time(),
                "leaseTransitions": 0,
            },
        }
    )
    # -leader-election-namespace is not where the Lease goes: with -namespace, Flagger uses that one.
    controller = flagger_py(controllers, *ELECTION, "-leader-election-namespace=kube-system")
    eventually("the controller serves /healthz", lambda: status(controller, "/healthz") == 200, 60)
    renewals, renewed = 0, 0.0
    until = time.monotonic() + 10  # twice the Lease's duration, renewed every second as client-go does
    while time.monotonic() < until:
        lease = cluster.api.get(lease_path(ns))
        lease["spec"]["renewTime"] = micro_time()
        renewed = time.monotonic()
        cluster.api.request("PUT", lease_path(ns), lease).raise_for_status()
        renewals += 1
        assert controller.running, controller.log()
        assert status(controller, "/readyz") != 200, "flagger-py leads while another holder renews the Lease"
        time.sleep(1)
    assert renewals >= 4
    assert holder(cluster, ns) == other
    assert f"another instance has been elected as leader: {other}" in controller.log()
    # The holder stops renewing: after leaseDurationSeconds without a change, flagger-py takes over.
    controller.wait_ready(30)
    assert time.monotonic() - renewed >= 5  # it waited for the Lease to expire
    assert holder(cluster, ns) == identity(controller)
    assert identity(controller).startswith(f"{socket.gethostname()}_")
    assert cluster.api.get(lease_path(ns))["spec"]["leaseTransitions"] == 1
    assert not cluster.api.request("GET", lease_path("kube-system")).is_success


@pytest.mark.skipif(not FLAGGER.exists(), reason=f"{FLAGGER} missing: testenv/flagger.sh builds it")
def test_flagger_and_flagger_py_never_lead_together(
    flagger_crds: Cluster, namespace: str, controllers: Controllers
) -> None:
    cluster, ns = flagger_crds, namespace
    flagger_argv = [
        str(FLAGGER),
        f"-kubeconfig={cluster.kubeconfig}",
        f"-namespace={ns}",
        "-mesh-provider=kubernetes",
        "-metrics-server=http://127.0.0.1:1",
        "-log-level=info",
        "-zap-encoding=console",
        "-enable-leader-election=true",
        "-leader-election-namespace=kube-system",
    ]
    flagger = start(controllers, flagger_argv, "flagger", ready_path="/healthz")
    eventually("Flagger leads", lambda: "Acting as elected leader" in flagger.log(), 60)
    flaggers = holder(cluster, ns)
    assert flaggers == identity(flagger)
    ours = flagger_py(controllers, *ELECTION)
    eventually(
        "flagger-py waits", lambda: f"another instance has been elected as leader: {flaggers}" in ours.log()
    )
    for _ in range(6):
        assert status(ours, "/readyz") != 200, "flagger-py leads while Flagger holds the Lease"
        time.sleep(1)
    assert holder(cluster, ns) == flaggers
    # Flagger releases the Lease on SIGTERM (ReleaseOnCancel): flagger-py takes over.
    assert flagger.process is not None
    flagger.process.send_signal(signal.SIGTERM)
    flagger.process.wait(30)
    ours.wait_ready(30)
    assert holder(cluster, ns) == identity(ours)
    # And the other way round: a new Flagger waits while flagger-py leads, then takes over.
    again = start(controllers, flagger_argv, "flagger", ready_path="/healthz")
    eventually(
        "Flagger sees the leader", lambda: "Another instance has been elected as leader" in again.log(), 60
    )
    assert "Acting as elected leader" not in again.log()
    assert ours.stop() == 0
    eventually("Flagger leads again", lambda: "Acting as elected leader" in again.log(), 30)
    assert holder(cluster, ns) == identity(again)


def test_master_overrides_the_kubeconfigs_server(
    flagger_crds: Cluster, namespace: str, controllers: Controllers, tmp_path: Path
) -> None:
    config = yaml.safe_load(Path(flagger_crds.kubeconfig).read_text())
    server = config["clusters"][0]["cluster"]["server"]
    config["clusters"][0]["cluster"]["server"] = "https://127.0.0.1:1"  # nothing listens there
    wrong = tmp_path / "kubeconfig"
    wrong.write_text(yaml.safe_dump(config))
    argv = [*RUN, f"-kubeconfig={wrong}", f"-namespace={namespace}"]
    controller = start(controllers, [*argv, f"-master={server}"], "flagger-py")
    controller.wait_ready(60)


# --- Flagger's own chart -------------------------------------------------------------------------

CASES: dict[str, dict[str, Any]] = {
    "istio, leader election, slack": {
        "meshProvider": "istio",
        "logLevel": "info",
        "leaderElection": {"enabled": True, "replicaCount": 2},
        "threadiness": 4,
        "kubeconfigQPS": 50,
        "kubeconfigBurst": 80,
        "slack": {"url": "https://hooks.slack.com/services/T/B/X", "user": "release-bot", "channel": "ops"},
        "includeLabelPrefix": "app.kubernetes.io,team",
        "metricsServer": "http://prometheus.monitoring:9090",
        "clusterName": "prod-eu-1",
        "noCrossNamespaceRefs": True,
        "selectorLabels": "app.kubernetes.io/name,app",
        "eventWebhook": "https://events.example.com/flagger",
    },
    "linkerd, msteams, debug": {
        "meshProvider": "linkerd",
        "logLevel": "debug",
        "msteams": {"url": "https://example.webhook.office.com/x"},
        "configTracking": {"enabled": False},
        "ingressAnnotationsPrefix": "custom.ingress.kubernetes.io",
        "threadiness": 1,
    },
    "gatewayapi, warn, contour class": {
        "meshProvider": "gatewayapi:v1",
        "logLevel": "warn",
        "ingressClass": "contour-external",
        "leaderElection": {"enabled": True, "replicaCount": 2},
        "kubeconfigQPS": 20,
        "kubeconfigBurst": 40,
        "threadiness": 10,
    },
}


def flagger_chart() -> Path:
    source = source_dir()
    if source is None:
        pytest.skip(f"Flagger's Go module is not on this machine ({DOWNLOAD_COMMAND} fetches it)")
    return source / "charts" / "flagger"


def chart_command(values: dict[str, Any], ns: str, tmp_path: Path) -> list[str]:
    """The flagger container's command of Flagger's chart rendered with ``values`` in ``ns``."""
    path = tmp_path / "values.yaml"
    path.write_text(yaml.safe_dump({**values, "namespace": ns}))
    rendered = helm(
        "template", "flagger", str(flagger_chart()), "--namespace", ns, "--kube-version", KUBE_VERSION,
        "--values", str(path),
    ).stdout  # fmt: skip
    deployments = [d for d in yaml.safe_load_all(rendered) if d and d["kind"] == "Deployment"]
    (container,) = [
        c for d in deployments for c in d["spec"]["template"]["spec"]["containers"] if c["name"] == "flagger"
    ]
    command: list[str] = container["command"]
    assert command[0] == "./flagger"
    return command[1:]


def assert_read_as_flagger_means(parsed: controller_flags.Settings, values: dict[str, Any], ns: str) -> None:
    """Each value of Flagger's chart reached the setting Flagger gives it."""
    assert parsed.mesh_provider == values["meshProvider"]
    assert parsed.namespace == ns
    assert parsed.log_level == values["logLevel"]
    assert parsed.threadiness == values["threadiness"]
    assert (parsed.kubeconfig_qps, parsed.kubeconfig_burst) == (
        values.get("kubeconfigQPS", 100),
        values.get("kubeconfigBurst", 250),
    )
    assert parsed.metrics_server == values.get("metricsServer", "http://prometheus:9090")
    assert parsed.enable_leader_election is values.get("leaderElection", {}).get("enabled", False)
    assert parsed.lease_namespace == ns
    assert parsed.enable_config_tracking is values.get("configTracking", {}).get("enabled", True)
    assert parsed.slack_url == values.get("slack", {}).get("url", "")
    assert parsed.slack_user == values.get("slack", {}).get("user", "flagger")
    assert parsed.slack_channel == values.get("slack", {}).get("channel", "")
    assert parsed.msteams_url == values.get("msteams", {}).get("url", "")
    assert parsed.include_label_prefix == tuple(filter(None, values.get("includeLabelPrefix", "").split(",")))
    assert parsed.selector_labels == tuple(
        values.get("selectorLabels", "app,name,app.kubernetes.io/name").split(",")
    )
    assert parsed.ingress_class == values.get("ingressClass", "")
    assert parsed.ingress_annotations_prefix == values.get(
        "ingressAnnotationsPrefix", "nginx.ingress.kubernetes.io"
    )
    assert parsed.no_cross_namespace_refs is values.get("noCrossNamespaceRefs", False)
    assert parsed.cluster_name == values.get("clusterName", "")
    assert parsed.event_webhook == values.get("eventWebhook", "")


@pytest.mark.parametrize("case", CASES)
def test_flaggers_chart_arguments_run_flagger_py(
    case: str, flagger_crds: Cluster, namespace: str, controllers: Controllers, tmp_path: Path
) -> None:
    values, ns = CASES[case], namespace
    args = chart_command(values, ns, tmp_path)
    # What the chart's arguments mean, read in-process exactly as the controller reads them.
    parsed = controller_flags.parse(args, environ={})
    assert_read_as_flagger_means(parsed, values, ns)
    assert parsed.ignored == ("threadiness",)
    # The process, started with exactly those arguments. Added after them, only what a pod gets from
    # its environment and this test cannot: -kubeconfig (a pod uses its service account) and -port (the
    # chart's 8080 may be taken on a shared machine). Neither is rendered by the chart.
    argv = [*RUN, *args, f"-kubeconfig={controllers.cluster.kubeconfig}"]
    controller = start(controllers, argv, "flagger-py")
    controller.wait_ready(60)
    assert status(controller, "/healthz") == 200
    log = controller.log()
    ignored = [
        line for line in log.splitlines() if "flags accepted for Flagger compatibility and ignored" in line
    ]
    assert len(ignored) == 1, log
    assert "-threadiness (every Canary ticks in its own task" in ignored[0]
    assert " WARNING " in ignored[0]
    if values["logLevel"] == "warn":
        assert not [line for line in log.splitlines() if " INFO " in line or " DEBUG " in line], log
    else:
        # The process read its command line as the in-process parse did: the same summary.
        (started,) = [line for line in log.splitlines() if "starting flagger-py" in line]
        same = controller_flags.parse([*argv[len(RUN) :], f"-port={controller.port}"], environ={})
        assert started.endswith(f": {controller_flags.summary(same)}")
        assert f"-namespace={ns}" in started
        if "kubeconfigQPS" in values:
            assert f"-kubeconfig-qps={values['kubeconfigQPS']}" in started
        assert "hooks.slack.com" not in log  # credentials stay out of the log
        assert "webhook.office.com" not in log
    if parsed.enable_leader_election:  # the Lease in the watched namespace, held by this process
        lease_holder = holder(controllers.cluster, ns)
        assert lease_holder.startswith(f"{socket.gethostname()}_")
        if values["logLevel"] != "warn":
            assert lease_holder == identity(controller)
    else:
        assert not controllers.cluster.api.request("GET", lease_path(ns)).is_success
    assert controller.stop() == 0


def test_a_chart_argument_flagger_py_cannot_honour_stops_it_with_the_reason(
    flagger_crds: Cluster, namespace: str, tmp_path: Path
) -> None:
    args = chart_command(
        {"controlplane": {"kubeconfig": {"secretName": "mesh-cluster", "key": "kubeconfig"}}},
        namespace,
        tmp_path,
    )
    assert "-kubeconfig-service-mesh=/tmp/controlplane/kubeconfig" in args
    done = subprocess.run(
        [*RUN, *args, f"-kubeconfig={flagger_crds.kubeconfig}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("flagger-py run: -kubeconfig-service-mesh: routing in another cluster")
