"""A real Kubernetes node: Debian's containerd and runc with the bridge CNI, and a kubelet built from
the control plane's Kubernetes version, all inside the test's private network namespace.

Every path the node writes (containerd's root and state, the kubelet's root, pod logs, CNI state and
configuration) is under its own work directory; the processes are stopped by the PIDs started here.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from flagger_py.testing.cluster import Api, ClusterError, free_port, stop_group, wait_until

from .images import PAUSE_IMAGE

POD_CIDR = "10.88.0.0/16"
CNI_BRIDGE = "fpy-cni0"
CNI_PLUGINS = Path("/usr/lib/cni")


def containerd_config(root: Path, state: Path, cni_conf: Path) -> str:
    """containerd 1.6's config: the native snapshotter (overlay inside this sandbox is not
    dependable), runc told not to set oom_score_adj (the sandbox lacks CAP_SYS_RESOURCE, and every pod
    sandbox would otherwise fail with "can't get final child's PID from pipe: EOF"), no AppArmor."""
    return f"""version = 2
root = "{root}"
state = "{state}"
[grpc]
  address = "{state}/containerd.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "{PAUSE_IMAGE}"
  restrict_oom_score_adj = true
  disable_apparmor = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "native"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "{CNI_PLUGINS}"
    conf_dir = "{cni_conf}"
"""


def cni_config(data_dir: Path) -> dict[str, Any]:
    """One bridge network for the pods, addresses from host-local IPAM kept under the node's folder."""
    return {
        "cniVersion": "0.4.0",
        "name": "flagger-py-pods",
        "plugins": [
            {
                "type": "bridge",
                "bridge": CNI_BRIDGE,
                "isGateway": True,
                "ipMasq": False,
                "hairpinMode": True,
                "ipam": {
                    "type": "host-local",
                    "ranges": [[{"subnet": POD_CIDR}]],
                    "routes": [{"dst": "0.0.0.0/0"}],
                    "dataDir": str(data_dir),
                },
            },
            {"type": "loopback"},
        ],
    }


def kubelet_config(root: Path, port: int, healthz: int, node_ip: str) -> dict[str, Any]:
    """The kubelet settings this sandbox needs (cgroup v1 without systemd, no QoS cgroups, no
    allocatable enforcement, no eviction) and everything else at its default."""
    return {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "address": node_ip,
        "port": port,
        "readOnlyPort": 0,
        "healthzBindAddress": "127.0.0.1",
        "healthzPort": healthz,
        "authentication": {"anonymous": {"enabled": True}, "webhook": {"enabled": False}},
        "authorization": {"mode": "AlwaysAllow"},
        "cgroupDriver": "cgroupfs",
        "cgroupsPerQOS": False,
        "enforceNodeAllocatable": [],
        "failCgroupV1": False,
        "failSwapOn": False,
        "evictionHard": {},
        "imageGCHighThresholdPercent": 100,
        "imageGCLowThresholdPercent": 99,
        "podLogsDir": str(root / "pod-logs"),
        "resolvConf": "",
        "serializeImagePulls": False,
        "syncFrequency": "5s",
        "fileCheckFrequency": "5s",
        "nodeStatusUpdateFrequency": "5s",
        "registerNode": True,
        "maxPods": 60,
        "localStorageCapacityIsolation": False,
    }


@dataclass
class RealNode:
    """containerd plus a kubelet registered as Node ``name`` with address ``node_ip``."""

    name: str
    node_ip: str
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="flagger-py-node-")))
    processes: list[tuple[str, subprocess.Popen[bytes], Path]] = field(default_factory=list)

    @property
    def containerd_address(self) -> Path:
        return self.workdir / "containerd-state" / "containerd.sock"

    def start_containerd(self, timeout: float = 60.0) -> None:
        root, state, cni_conf = (self.workdir / d for d in ("containerd-root", "containerd-state", "cni"))
        for d in (root, state, cni_conf):
            d.mkdir(parents=True, exist_ok=True)
        (cni_conf / "10-flagger-py.conflist").write_text(json.dumps(cni_config(self.workdir / "cni-ipam")))
        config = self.workdir / "containerd.toml"
        config.write_text(containerd_config(root, state, cni_conf))
        self._spawn("containerd", ["containerd", "--config", str(config), "--log-level", "warn"])
        wait_until("containerd's socket", self.containerd_address.exists, timeout)

    def start_kubelet(self, bin_dir: Path, api: Api, kubeconfig: Path, timeout: float = 120.0) -> None:
        """Start the kubelet; return once its Node is Ready and untainted (no node lifecycle
        controller runs in the test plane to lift the not-ready taint)."""
        root = self.workdir / "kubelet"
        (root / "pod-logs").mkdir(parents=True, exist_ok=True)
        config = self.workdir / "kubelet.yaml"
        config.write_text(yaml.safe_dump(kubelet_config(root, 10250, free_port(), self.node_ip)))
        self._spawn(
            "kubelet",
            [
                str(bin_dir / "kubelet"),
                f"--config={config}",
                f"--kubeconfig={kubeconfig}",
                f"--root-dir={root}",
                f"--hostname-override={self.name}",
                f"--node-ip={self.node_ip}",
                f"--container-runtime-endpoint=unix://{self.containerd_address}",
                "--v=1",
            ],
        )

        def ready() -> bool:
            node = api.get(f"/api/v1/nodes/{self.name}")
            return any(
                c["type"] == "Ready" and c["status"] == "True"
                for c in (node.get("status") or {}).get("conditions") or []
            )

        try:
            wait_until(f"node {self.name} Ready", ready, timeout, interval=0.5)
        except ClusterError:
            raise ClusterError(f"kubelet did not become Ready:\n{self.log_tails()}") from None
        api.request(
            "PATCH", f"/api/v1/nodes/{self.name}", {"spec": {"taints": None}},
            content_type="application/merge-patch+json",
        ).raise_for_status()  # fmt: skip

    def _spawn(self, name: str, argv: list[str]) -> None:
        log = self.workdir / f"{name}.log"
        with log.open("wb") as handle:
            popen = subprocess.Popen(
                argv, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True, cwd=self.workdir
            )
        self.processes.append((name, popen, log))
        time.sleep(0.1)
        if popen.poll() is not None:
            raise ClusterError(f"{name} exited at once:\n{log.read_text(errors='replace')[-3000:]}")

    def log_tails(self, lines: int = 30) -> str:
        parts = []
        for name, popen, log in self.processes:
            text = log.read_text(errors="replace").splitlines()[-lines:] if log.exists() else []
            parts.append(f"--- {name} (pid {popen.pid}, exit {popen.poll()}) ---\n" + "\n".join(text))
        return "\n".join(parts)

    def stop(self) -> None:
        """Stop the kubelet, then every pod's containers (through containerd), then containerd."""
        for name, popen, _ in reversed(self.processes):
            if name == "containerd":
                self._remove_pods()
            stop_group(popen, timeout=15)
        self.processes.clear()
        with contextlib.suppress(OSError):
            subprocess.run(["ip", "link", "delete", CNI_BRIDGE], check=False, capture_output=True, timeout=10)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def _remove_pods(self) -> None:
        """The runc shims outlive containerd: stop and remove the pod sandboxes while it still runs."""
        ctr = ["ctr", "--address", str(self.containerd_address), "-n", "k8s.io"]
        listing = subprocess.run(
            [*ctr, "tasks", "ls", "-q"], check=False, capture_output=True, text=True, timeout=30
        )
        for task in listing.stdout.split():
            subprocess.run(
                [*ctr, "tasks", "kill", "-s", "SIGKILL", task], check=False, capture_output=True, timeout=30
            )
        time.sleep(0.5)
        for task in listing.stdout.split():
            subprocess.run(
                [*ctr, "tasks", "delete", "-f", task], check=False, capture_output=True, timeout=30
            )
