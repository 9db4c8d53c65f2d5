"""A real, local Kubernetes control plane for tests: etcd, kube-apiserver, kube-controller-manager,
kube-scheduler and kwok (fake nodes whose pods become Running and Ready), on free loopback ports.

    with LocalCluster.start(bin_dir) as cluster:
        cluster.api.get("/api/v1/namespaces")

Processes are stopped by the PIDs this module started, never by name. ``ExistingCluster`` wraps a
kubeconfig of a cluster started elsewhere (kind, k3d, a real one) with the same interface.
"""

from __future__ import annotations

import base64
import contextlib
import http.server
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

SERVICE_CIDR = "10.96.0.0/16"
KWOK_STAGES = Path(__file__).with_name("kwok-stages.yaml")
NODE_ANNOTATION = "kwok.x-k8s.io/node"


class ClusterError(Exception):
    """The control plane could not be started or did not answer; carries the components' log tails."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(what: str, check: Callable[[], bool], timeout: float, interval: float = 0.1) -> None:
    """Poll ``check`` until it returns True; raise ClusterError naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(httpx.HTTPError, OSError):
            if check():
                return
        if time.monotonic() > deadline:
            raise ClusterError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def wait_serving(
    what: str,
    popen: subprocess.Popen[bytes],
    url: str,
    ready: Callable[[httpx.Response], bool],
    log: Callable[[], str],
    timeout: float,
    interval: float = 0.1,
) -> None:
    """Poll ``url`` until ``ready`` accepts its answer; an AssertionError naming ``what``, with
    ``log()``, when the process ``popen`` exits first or ``timeout`` s pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if popen.poll() is not None:
            raise AssertionError(f"{what} exited with {popen.returncode}:\n{log()}")
        with contextlib.suppress(httpx.HTTPError):
            if ready(httpx.get(url, timeout=2)):
                return
        time.sleep(interval)
    raise AssertionError(f"{what} did not answer {url} in {timeout}s:\n{log()}")


def respond(
    handler: http.server.BaseHTTPRequestHandler, status: int, body: bytes, content_type: str = ""
) -> None:
    """Answer the request a local test server's ``handler`` serves: the status, a Content-Type when
    one is given, the Content-Length and the body."""
    handler.send_response(status)
    if content_type:
        handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def stop_group(popen: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """SIGTERM the process group ``popen`` leads (started with ``start_new_session``), SIGKILL it after
    ``timeout`` s; a process that already ended is left alone."""
    if popen.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(popen.pid, signal.SIGTERM)
    try:
        popen.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(popen.pid, signal.SIGKILL)
        popen.wait(timeout=10)


class Api:
    """A minimal synchronous client of the Kubernetes REST API (what tests need; nothing more)."""

    def __init__(self, server: str, token: str, ca: Path | None = None) -> None:
        self.server = server
        self.token = token
        self.client = httpx.Client(
            base_url=server,
            headers={"Authorization": f"Bearer {token}"},
            verify=str(ca) if ca else False,
            timeout=30.0,
        )

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: Mapping[str, str] | None = None,
        content_type: str = "application/json",
    ) -> httpx.Response:
        content = None
        if body is not None:
            content = body if isinstance(body, str | bytes) else json.dumps(body)
        return self.client.request(
            method, path, content=content, params=params, headers={"Content-Type": content_type}
        )

    def get(self, path: str, **params: str) -> Any:
        response = self.request("GET", path, params=params)
        response.raise_for_status()
        return response.json()

    def merge_patch(self, path: str, body: Mapping[str, Any]) -> Any:
        """A JSON merge patch of the object at ``path``; answers it as the server stored it."""
        response = self.request("PATCH", path, body, content_type="application/merge-patch+json")
        response.raise_for_status()
        return response.json()

    def apply(self, obj: Mapping[str, Any], manager: str = "flagger-py-tests", *, force: bool = True) -> Any:
        """Server-side apply one object; raises httpx.HTTPStatusError with the server's message on failure."""
        response = self.request(
            "PATCH",
            object_path(obj),
            json.dumps(obj),
            params={
                "fieldManager": manager,
                "force": "true" if force else "false",
                "fieldValidation": "Strict",
            },
            content_type="application/apply-patch+yaml",
        )
        if response.is_error:
            raise httpx.HTTPStatusError(response.text, request=response.request, response=response)
        return response.json()

    def delete(self, path: str) -> None:
        response = self.request("DELETE", path)
        if response.status_code != 404:
            response.raise_for_status()

    def close(self) -> None:
        self.client.close()


_CORE_PLURALS = {
    "Namespace": "namespaces",
    "Node": "nodes",
    "ServiceAccount": "serviceaccounts",
    "Service": "services",
    "ConfigMap": "configmaps",
    "Secret": "secrets",
    "Pod": "pods",
    "Deployment": "deployments",
    "DaemonSet": "daemonsets",
    "ReplicaSet": "replicasets",
    "HorizontalPodAutoscaler": "horizontalpodautoscalers",
    "CustomResourceDefinition": "customresourcedefinitions",
    "Ingress": "ingresses",
}
_CLUSTER_SCOPED = {
    "Namespace", "Node", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "GatewayClass",
}  # fmt: skip


def collection_path(api_version: str, plural: str, namespace: str | None) -> str:
    """/api/v1/namespaces/ns/pods or /apis/apps/v1/namespaces/ns/deployments."""
    base = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
    return f"{base}/namespaces/{namespace}/{plural}" if namespace else f"{base}/{plural}"


def _plural(kind: str) -> str:
    """The REST plural Kubernetes derives from a kind: Canary -> canaries, Ingress -> ingresses."""
    lower = kind.lower()
    if lower.endswith("y") and lower[-2:-1] not in "aeiou":
        return lower[:-1] + "ies"
    if lower.endswith(("s", "x", "ch", "sh")):
        return lower + "es"
    return lower + "s"


def object_path(obj: Mapping[str, Any], plural: str | None = None) -> str:
    """The REST path of an object (for kinds this module knows the plural of, or given ``plural``)."""
    kind = obj["kind"]
    plural = plural or _CORE_PLURALS.get(kind) or _plural(kind)
    namespace = None if kind in _CLUSTER_SCOPED else obj["metadata"].get("namespace", "default")
    return f"{collection_path(obj['apiVersion'], plural, namespace)}/{obj['metadata']['name']}"


@dataclass
class Cluster:
    """What a test needs of a cluster: an API client and a kubeconfig for other tools."""

    server: str
    kubeconfig: Path
    api: Api
    bin_dir: Path | None = None

    def kubectl(
        self, *args: str, stdin: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        kubectl = str(self.bin_dir / "kubectl") if self.bin_dir else "kubectl"
        # A discovery cache of its own: ports are reused, and another cluster's cache would be stale.
        cache = self.kubeconfig.parent / "kubectl-cache"
        return subprocess.run(
            [kubectl, "--kubeconfig", str(self.kubeconfig), "--cache-dir", str(cache), *args],
            input=stdin,
            capture_output=True,
            text=True,
            check=check,
            timeout=120,
        )

    def install_crds(self, documents: Sequence[Mapping[str, Any]], timeout: float = 30.0) -> None:
        """Apply CustomResourceDefinitions and wait until each is Established."""
        for doc in documents:
            self.api.apply(doc)
        for doc in documents:
            path = object_path(doc)

            def established(path: str = path) -> bool:
                return _established(self.api.get(path))

            wait_until(f"CRD {doc['metadata']['name']} to be Established", established, timeout)

    def create_namespace(self, name: str) -> None:
        self.api.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})

    def wait_available(self, namespace: str, name: str, timeout: float = 60.0) -> Mapping[str, Any]:
        """Wait until the Deployment's newest generation is rolled out and Available; return it."""
        path = f"/apis/apps/v1/namespaces/{namespace}/deployments/{name}"
        seen: dict[str, Any] = {}

        def ready() -> bool:
            seen.update(self.api.get(path))
            return deployment_available(seen)

        wait_until(f"Deployment {namespace}/{name} to be Available", ready, timeout)
        return seen


def renamed_group(crd: Mapping[str, Any], group: str) -> dict[str, Any]:
    """A copy of a CRD served under another API group, so that two CRDs of the same name can be
    installed side by side (for example Flagger's own next to ours)."""
    copy = json.loads(json.dumps(crd))
    copy["spec"]["group"] = group
    copy["metadata"] = {"name": f"{copy['spec']['names']['plural']}.{group}"}
    return copy  # type: ignore[no-any-return]


def deployment_available(dep: Mapping[str, Any]) -> bool:
    """True when the Deployment's current spec is fully rolled out and Available."""
    spec, status = dep.get("spec", {}), dep.get("status", {})
    want = spec.get("replicas", 1)
    conditions = {c["type"]: c["status"] for c in status.get("conditions", [])}
    return (
        status.get("observedGeneration", 0) >= dep["metadata"].get("generation", 0)
        and status.get("updatedReplicas", 0) == want
        and status.get("replicas", 0) == want
        and status.get("availableReplicas", 0) == want
        and (want == 0 or conditions.get("Available") == "True")
    )


def _established(crd: Mapping[str, Any]) -> bool:
    return any(
        c["type"] == "Established" and c["status"] == "True"
        for c in (crd.get("status") or {}).get("conditions") or []
    )


@dataclass
class _Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def tail(self, lines: int = 30) -> str:
        try:
            text = self.log.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return f"--- {self.name}: no log"
        return f"--- {self.name} (pid {self.popen.pid}, exit {self.popen.poll()}) ---\n" + "\n".join(text)


@dataclass
class LocalCluster(Cluster):
    """A control plane started here; stop() ends exactly the processes it started."""

    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="flagger-py-cluster-")))
    processes: list[_Process] = field(default_factory=list)
    startup_seconds: float = 0.0
    owns_workdir: bool = True

    @classmethod
    def start(
        cls,
        bin_dir: Path,
        *,
        nodes: int = 3,
        etcd: str | None = None,
        timeout: float = 60.0,
        apiserver_args: Sequence[str] = (),
    ) -> LocalCluster:
        """Start etcd, kube-apiserver, controller-manager, scheduler and kwok with ``nodes`` fake nodes;
        ``apiserver_args`` are added to kube-apiserver's (audit logging in the scale benchmark)."""
        started = time.monotonic()
        workdir = Path(tempfile.mkdtemp(prefix="flagger-py-cluster-"))
        token = secrets.token_hex(16)
        port = free_port()
        server = f"https://127.0.0.1:{port}"
        kubeconfig = workdir / "kubeconfig"
        cluster = cls(
            server=server, kubeconfig=kubeconfig, api=Api(server, token), bin_dir=bin_dir, workdir=workdir
        )
        try:
            etcd = etcd or shutil.which("etcd") or "etcd"
            cluster._boot(bin_dir, etcd, token, port, nodes, timeout, list(apiserver_args))
        except BaseException:
            logs = cluster.log_tails()
            cluster.stop()
            raise ClusterError("the local control plane did not start:\n" + logs) from None
        cluster.startup_seconds = time.monotonic() - started
        return cluster

    def _boot(
        self, bin_dir: Path, etcd: str, token: str, port: int, nodes: int, timeout: float, extra: list[str]
    ) -> None:
        pki = self.workdir / "pki"
        pki.mkdir()
        _openssl("genrsa", "-out", str(pki / "sa.key"), "2048")
        _openssl("rsa", "-in", str(pki / "sa.key"), "-pubout", "-out", str(pki / "sa.pub"))
        (pki / "tokens.csv").write_text(f'{token},admin,admin,"system:masters"\n')
        _write_kubeconfig(self.kubeconfig, self.server, token)

        etcd_port, peer_port = free_port(), free_port()
        self._spawn(
            "etcd",
            [
                etcd,
                f"--data-dir={self.workdir / 'etcd'}",
                f"--listen-client-urls=http://127.0.0.1:{etcd_port}",
                f"--advertise-client-urls=http://127.0.0.1:{etcd_port}",
                f"--listen-peer-urls=http://127.0.0.1:{peer_port}",
                f"--initial-advertise-peer-urls=http://127.0.0.1:{peer_port}",
                f"--initial-cluster=default=http://127.0.0.1:{peer_port}",
                "--log-level=warn",
                "--quota-backend-bytes=4294967296",
                "--experimental-watch-progress-notify-interval=1s",
            ],
        )
        self._spawn(
            "kube-apiserver",
            [
                str(bin_dir / "kube-apiserver"),
                f"--etcd-servers=http://127.0.0.1:{etcd_port}",
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                f"--secure-port={port}",
                f"--cert-dir={pki}",
                f"--token-auth-file={pki / 'tokens.csv'}",
                "--authorization-mode=RBAC",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                f"--service-account-key-file={pki / 'sa.pub'}",
                f"--service-account-signing-key-file={pki / 'sa.key'}",
                f"--service-cluster-ip-range={SERVICE_CIDR}",
                "--allow-privileged=true",
                "--profiling=false",
                "--endpoint-reconciler-type=none",
                # etcd 3.4 (Debian's) cannot answer watch-progress requests, so streaming lists cannot be
                # served; with WatchList on, newer clients (kwok) end every watch in an error and relist
                # with back-off, and pods take many seconds to become Running.
                "--feature-gates=WatchList=false",
                "--v=1",
                *extra,
            ],
        )
        wait_until(
            "kube-apiserver /readyz", lambda: self.api.request("GET", "/readyz").status_code == 200, timeout
        )
        common = [f"--kubeconfig={self.kubeconfig}", "--leader-elect=false", "--profiling=false", "--v=1"]
        self._spawn(
            "kube-controller-manager",
            [
                str(bin_dir / "kube-controller-manager"),
                *common,
                "--bind-address=127.0.0.1",
                f"--secure-port={free_port()}",
                f"--service-account-private-key-file={pki / 'sa.key'}",
                "--use-service-account-credentials=false",
                f"--service-cluster-ip-range={SERVICE_CIDR}",
                "--controllers=*,-nodeipam,-nodelifecycle,-cloud-node-lifecycle,-service,-route,-persistentvolume-binder,-attachdetach",
                "--concurrent-deployment-syncs=10",
                "--concurrent-replicaset-syncs=10",
                "--kube-api-qps=200",
                "--kube-api-burst=400",
            ],
        )
        self._spawn(
            "kube-scheduler",
            [
                str(bin_dir / "kube-scheduler"),
                *common,
                "--bind-address=127.0.0.1",
                f"--secure-port={free_port()}",
                "--kube-api-qps=200",  # binds a thousand pods in seconds, not the default 50 per second
                "--kube-api-burst=400",
            ],
        )
        self._spawn(
            "kwok",
            [
                str(bin_dir / "kwok"),
                f"--kubeconfig={self.kubeconfig}",
                "--manage-all-nodes=false",
                f"--manage-nodes-with-annotation-selector={NODE_ANNOTATION}=fake",
                "--cidr=10.244.0.1/16",
                "--node-ip=10.244.0.1",
                "--node-port=0",
                "--server-address=",
                f"--config={KWOK_STAGES}",
            ],
        )
        for index in range(nodes):
            self.api.apply(fake_node(f"kwok-node-{index}"))
        wait_until(
            "the default ServiceAccount",
            lambda: (
                self.api.request("GET", "/api/v1/namespaces/default/serviceaccounts/default").status_code
                == 200
            ),
            timeout,
        )
        wait_until(f"{nodes} Ready fake nodes", lambda: _ready_nodes(self.api) >= nodes, timeout)
        # New nodes get the not-ready taint at admission; the node lifecycle controller (not run
        # here: kwok sends no heartbeats) would lift it once they are Ready. Lift it ourselves.
        for index in range(nodes):
            self.api.merge_patch(f"/api/v1/nodes/kwok-node-{index}", {"spec": {"taints": None}})

    def _spawn(self, name: str, argv: list[str]) -> None:
        log = self.workdir / f"{name}.log"
        handle = log.open("wb")
        popen = subprocess.Popen(
            argv, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True, cwd=self.workdir
        )
        handle.close()
        self.processes.append(_Process(name, popen, log))
        time.sleep(0.05)
        if popen.poll() is not None:
            raise ClusterError(f"{name} exited at once with code {popen.returncode}")

    def log_tails(self, lines: int = 30) -> str:
        return "\n".join(p.tail(lines) for p in self.processes)

    def stop(self) -> None:
        """Stop the processes this cluster started (newest first) and remove its directory."""
        self.api.close()
        for process in reversed(self.processes):
            if process.popen.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.popen.pid, signal.SIGTERM)
        for process in reversed(self.processes):
            try:
                process.popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.popen.pid, signal.SIGKILL)
                process.popen.wait(timeout=10)
        self.processes.clear()
        if self.owns_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> LocalCluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def existing_cluster(kubeconfig: Path, bin_dir: Path | None = None) -> Cluster:
    """A Cluster over a kubeconfig that uses a bearer token or a client certificate."""
    config = yaml.safe_load(kubeconfig.read_text())
    context_name = config.get("current-context") or config["contexts"][0]["name"]
    context = next(c["context"] for c in config["contexts"] if c["name"] == context_name)
    cluster_entry = next(c["cluster"] for c in config["clusters"] if c["name"] == context["cluster"])
    user = next(u["user"] for u in config["users"] if u["name"] == context["user"])
    server = cluster_entry["server"]
    api = Api(server, user.get("token", ""))
    ca_data = cluster_entry.get("certificate-authority-data")
    cert_files: tuple[str, str] | None = None
    if "client-certificate-data" in user:
        folder = Path(tempfile.mkdtemp(prefix="flagger-py-kubeconfig-"))
        (folder / "cert.pem").write_bytes(base64.b64decode(user["client-certificate-data"]))
        (folder / "key.pem").write_bytes(base64.b64decode(user["client-key-data"]))
        cert_files = (str(folder / "cert.pem"), str(folder / "key.pem"))
    if ca_data or cert_files:
        verify: Any = False
        if ca_data:
            ca = Path(tempfile.mkdtemp(prefix="flagger-py-ca-")) / "ca.pem"
            ca.write_bytes(base64.b64decode(ca_data))
            verify = str(ca)
        api.client = httpx.Client(
            base_url=server, headers=dict(api.client.headers), verify=verify, cert=cert_files, timeout=30.0
        )
    return Cluster(server=server, kubeconfig=kubeconfig, api=api, bin_dir=bin_dir)


def fake_node(name: str) -> dict[str, Any]:
    """A Node that kwok manages: Ready, with room for many pods."""
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "annotations": {NODE_ANNOTATION: "fake", "node.alpha.kubernetes.io/ttl": "0"},
            "labels": {"type": "kwok", "kubernetes.io/hostname": name, "kubernetes.io/os": "linux"},
        },
        "spec": {},
        "status": {
            "allocatable": {"cpu": "64", "memory": "256Gi", "pods": "500"},
            "capacity": {"cpu": "64", "memory": "256Gi", "pods": "500"},
        },
    }


def _ready_nodes(api: Api) -> int:
    items = api.get("/api/v1/nodes")["items"]
    return sum(
        any(
            c["type"] == "Ready" and c["status"] == "True"
            for c in (n.get("status") or {}).get("conditions") or []
        )
        for n in items
    )


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


def _write_kubeconfig(path: Path, server: str, token: str) -> None:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "local", "cluster": {"server": server, "insecure-skip-tls-verify": True}}],
        "users": [{"name": "admin", "user": {"token": token}}],
        "contexts": [
            {"name": "local", "context": {"cluster": "local", "user": "admin", "namespace": "default"}}
        ],
        "current-context": "local",
    }
    path.write_text(yaml.safe_dump(config))


@contextlib.contextmanager
def started(bin_dir: Path, **kwargs: Any) -> Iterator[LocalCluster]:
    """Context manager form of LocalCluster.start."""
    cluster = LocalCluster.start(bin_dir, **kwargs)
    try:
        yield cluster
    finally:
        cluster.stop()
