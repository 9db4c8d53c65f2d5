"""The end-to-end environment: real pods behind a real proxy, inside a private network namespace.

Started once per session (``make e2e`` runs these tests through scripts/netns.sh): a control plane
without fake nodes, one real node (containerd, runc, bridge CNI, kubelet), the test app's images,
Traefik (CRD and Gateway API providers), Prometheus discovering the pods and scraping Traefik, and our
load tester. The tests refuse to run outside a namespace made for them: their traffic must reach
nothing but loopback and the pods' bridge.
"""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from flagger_py.crd import schema
from flagger_py.testing.cluster import Api, ClusterError, LocalCluster, free_port, respond, wait_until
from flagger_py.testing.prometheus import Prometheus
from tests.e2e import controllers, images, results
from tests.e2e.environment import Env
from tests.e2e.node import RealNode
from tests.e2e.release import Release, release
from tests.e2e.routers import ROUTERS, Router
from tests.e2e.traefik import GATEWAY_CONTROLLER, Traefik
from tests.paths import TESTENV_BIN, TESTENV_CRDS, THIRDPARTY_CRDS

NODE_IP = "10.87.0.1"  # scripts/netns.sh puts it on a bridge of its own
APP_VERSIONS = ("v1", "v2", "v3")


def pytest_sessionstart(session: pytest.Session) -> None:
    host = os.environ.get("FLAGGER_PY_HOST_NETNS", "")
    here = os.readlink("/proc/self/ns/net")
    if not host or host == here:
        raise pytest.UsageError(
            "the end-to-end tests run only inside a network namespace made for them: "
            "use `make e2e` (scripts/netns.sh)"
        )


def _crds(path: Path) -> list[dict[str, Any]]:
    return [
        d for d in yaml.safe_load_all(path.read_text()) if d and d.get("kind") == "CustomResourceDefinition"
    ]


class PodDiscovery:
    """Prometheus' pod discovery, played over its HTTP service discovery: Debian's Prometheus is built
    without the Kubernetes discovery. Each refresh lists the Running pods annotated
    ``prometheus.io/scrape: "true"`` and labels them as Flagger's Prometheus does
    (kubernetes_namespace, kubernetes_pod_name)."""

    def __init__(self, api: Api) -> None:
        discovery = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                respond(self, 200, json.dumps(discovery.targets()).encode(), "application/json")

            def log_message(self, *_: object) -> None:
                return

        self.api = api
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/targets"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def targets(self) -> list[dict[str, Any]]:
        found = []
        for pod in self.api.get("/api/v1/pods")["items"]:
            annotations = pod["metadata"].get("annotations") or {}
            status = pod.get("status") or {}
            if annotations.get("prometheus.io/scrape") != "true" or status.get("phase") != "Running":
                continue
            if not status.get("podIP"):
                continue
            port = annotations.get("prometheus.io/port", "80")
            found.append(
                {
                    "targets": [f"{status['podIP']}:{port}"],
                    "labels": {
                        "kubernetes_namespace": pod["metadata"]["namespace"],
                        "kubernetes_pod_name": pod["metadata"]["name"],
                    },
                }
            )
        return found

    def scrape_config(self) -> dict[str, Any]:
        return {
            "job_name": "kubernetes-pods",
            "scrape_interval": "1s",
            "http_sd_configs": [{"url": self.url, "refresh_interval": "1s"}],
        }

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _start_loadtester(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    log = (workdir / "loadtester.log").open("wb")
    popen = subprocess.Popen(
        [sys.executable, "-m", "flagger_py", "loadtester", "-port", str(port), "-timeout", "5m",
         "--gate-file", str(workdir / "gates.json")],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    wait_until("the load tester", lambda: httpx.get(f"{url}/healthz", timeout=1).status_code == 200, 30)
    return popen, url


@pytest.fixture(scope="session")
def env() -> Iterator[Env]:
    missing = [
        b for b in ("kube-apiserver", "kubelet", "traefik", "fpy-app") if not (TESTENV_BIN / b).exists()
    ]
    if missing:
        pytest.fail(f"test binaries missing in {TESTENV_BIN}: {', '.join(missing)}; run testenv/build.sh")
    workdir = Path(tempfile.mkdtemp(prefix="flagger-py-e2e-"))
    cluster = LocalCluster.start(
        TESTENV_BIN, nodes=0, apiserver_args=["--kubelet-preferred-address-types=InternalIP"]
    )
    node = RealNode("node-0", NODE_IP)
    traefik = Traefik()
    prometheus: Prometheus | None = None
    loadtester: subprocess.Popen[bytes] | None = None
    discovery: PodDiscovery | None = None
    try:
        node.start_containerd()
        tar = images.archive(images.images_for(TESTENV_BIN / "fpy-app", APP_VERSIONS), workdir / "images.tar")
        images.import_images(node.containerd_address, tar)
        node.start_kubelet(TESTENV_BIN, cluster.api, cluster.kubeconfig)
        cluster.install_crds(schema.crd_documents())
        documents = _crds(THIRDPARTY_CRDS / "traefik" / "kubernetes-crd-definition-v1.yml")
        # The Gateway API release Traefik v3.6 implements and is tested with (v1.4.0): its provider
        # waits, without a word, for informers of kinds that shared/'s v1.6.1 standard set lacks.
        documents += _crds(TESTENV_CRDS / "traefik-v3.6.12-gateway-api.yml")
        cluster.install_crds(documents, timeout=60)
        cluster.api.apply(
            {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "GatewayClass",
             "metadata": {"name": "traefik"}, "spec": {"controllerName": GATEWAY_CONTROLLER}},
        )  # fmt: skip
        traefik.start(
            TESTENV_BIN / "traefik",
            cluster.server,
            cluster.api.token,
            cluster.workdir / "pki" / "apiserver.crt",
        )
        discovery = PodDiscovery(cluster.api)
        prometheus = Prometheus.start([traefik.metrics_address], scrape_configs=[discovery.scrape_config()])
        loadtester, loadtester_url = _start_loadtester(workdir)
        yield Env(cluster, node, traefik, prometheus, loadtester_url, workdir)
    except ClusterError as exc:
        pytest.fail(f"the end-to-end environment did not start: {exc}\n{node.log_tails()}")
    finally:
        if loadtester is not None:
            loadtester.terminate()
            loadtester.wait(timeout=10)
        if prometheus is not None:
            prometheus.stop()
        if discovery is not None:
            discovery.stop()
        traefik.stop()
        node.stop()
        cluster.stop()


@pytest.fixture(params=controllers.NAMES)
def run(env: Env, request: pytest.FixtureRequest) -> Iterator[Release]:
    """One release in a namespace of its own, by each controller of FLAGGER_PY_E2E_CONTROLLERS."""
    with release(env, request.param) as made:
        yield made


@pytest.fixture(params=sorted(ROUTERS))
def router(request: pytest.FixtureRequest) -> Router:
    """Each router the releases go through, in turn."""
    return ROUTERS[request.param]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if results.ROWS:
        terminalreporter.write_line("end-to-end figures:")
        for line in results.table().splitlines():
            terminalreporter.write_line(line)
        results.write()
