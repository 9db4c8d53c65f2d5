"""The benchmark's cluster: a local control plane with audit logging, its CRDs, a Prometheus serving
healthy synthetic metrics, and one ServiceAccount (and kubeconfig) per controller, so the audit log
tells their requests apart."""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from flagger_py.crd import schema
from flagger_py.testing.cluster import LocalCluster
from flagger_py.testing.prometheus import Exporter, Prometheus

NAMESPACE = "bench-system"
# The control plane and Prometheus run niced on the same two cores as the controller under test, so
# the controller gets the CPU it asks for first, as on a node of its own; they get all the rest.
NICE = 10
IDENTITIES = ("flagger-py", "flagger")


def deprioritize(pids: list[int], nice: int) -> None:
    """Every thread of these processes at a lower CPU priority (Linux niceness is per thread; threads
    they start later inherit it)."""
    for pid in pids:
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.setpriority(os.PRIO_PROCESS, int(task.name), nice)


def user(identity: str) -> str:
    return f"system:serviceaccount:{NAMESPACE}:{identity}"


def audit_policy() -> dict[str, Any]:
    """Metadata of every request the two controllers make; nothing of anyone else's."""
    return {
        "apiVersion": "audit.k8s.io/v1",
        "kind": "Policy",
        "omitStages": ["RequestReceived"],
        "rules": [{"level": "Metadata", "users": [user(i) for i in IDENTITIES]}, {"level": "None"}],
    }


@dataclass
class Environment:
    cluster: LocalCluster
    prometheus: Prometheus
    exporter: Exporter
    audit_log: Path
    kubeconfigs: dict[str, Path] = field(default_factory=dict)
    series: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def start(cls, bin_dir: Path, workdir: Path, nodes: int) -> Environment:
        policy, audit_log = workdir / "audit-policy.yaml", workdir / "audit.log"
        policy.write_text(yaml.safe_dump(audit_policy()))
        cluster = LocalCluster.start(
            bin_dir,
            nodes=nodes,
            timeout=120,
            apiserver_args=[
                f"--audit-policy-file={policy}",
                f"--audit-log-path={audit_log}",
                "--audit-log-maxsize=0",
                "--audit-log-mode=batch",
                "--audit-log-batch-max-wait=1s",
            ],
        )
        env: Environment | None = None
        try:
            cluster.install_crds(schema.crd_documents(), timeout=60)
            exporter = Exporter("")
            prometheus = Prometheus.start([exporter.address], scrape_interval="5s")
            env = cls(cluster, prometheus, exporter, audit_log)
            env.exporter.text = env._series_text
            env._identities(workdir)
            deprioritize([p.popen.pid for p in cluster.processes] + [prometheus.popen.pid], NICE)
            return env
        except BaseException:
            if env is not None:
                env.stop()
            else:
                cluster.stop()
            raise

    def _identities(self, workdir: Path) -> None:
        api = self.cluster.api
        api.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
        for identity in IDENTITIES:
            api.apply(
                {
                    "apiVersion": "v1",
                    "kind": "ServiceAccount",
                    "metadata": {"name": identity, "namespace": NAMESPACE},
                }
            )
            api.apply(
                {
                    "apiVersion": "rbac.authorization.k8s.io/v1",
                    "kind": "ClusterRoleBinding",
                    "metadata": {"name": f"bench-{identity}"},
                    "roleRef": {
                        "apiGroup": "rbac.authorization.k8s.io",
                        "kind": "ClusterRole",
                        "name": "cluster-admin",
                    },
                    "subjects": [{"kind": "ServiceAccount", "name": identity, "namespace": NAMESPACE}],
                }
            )
            response = api.request(
                "POST",
                f"/api/v1/namespaces/{NAMESPACE}/serviceaccounts/{identity}/token",
                {
                    "apiVersion": "authentication.k8s.io/v1",
                    "kind": "TokenRequest",
                    "spec": {"expirationSeconds": 86400},
                },
            )
            response.raise_for_status()
            token = response.json()["status"]["token"]
            config = {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [
                    {
                        "name": "c",
                        "cluster": {"server": self.cluster.server, "insecure-skip-tls-verify": True},
                    }
                ],
                "users": [{"name": identity, "user": {"token": token}}],
                "contexts": [{"name": "c", "context": {"cluster": "c", "user": identity}}],
                "current-context": "c",
            }
            path = workdir / f"kubeconfig-{identity}"
            path.write_text(json.dumps(config))
            self.kubeconfigs[identity] = path

    def serve_metrics(self, namespace: str, names: list[str]) -> None:
        """Healthy synthetic metrics for these canaries (one series each)."""
        self.series[namespace] = names

    def _series_text(self) -> str:
        lines = ["# TYPE bench_success_rate gauge"]
        for namespace, names in self.series.items():
            lines += [f'bench_success_rate{{namespace="{namespace}",name="{n}"}} 99.9' for n in names]
        return "\n".join(lines) + "\n"

    def prometheus_queries(self) -> float:
        """Instant queries Prometheus has answered so far (its own counter)."""
        text = httpx.get(f"{self.prometheus.url}/metrics", timeout=10).text
        total = 0.0
        for line in text.splitlines():
            if line.startswith("prometheus_http_requests_total{") and 'handler="/api/v1/query"' in line:
                total += float(line.rsplit(" ", 1)[1])
        return total

    def wait_scraped(self, namespace: str, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        query = f'count(bench_success_rate{{namespace="{namespace}"}})'
        while time.monotonic() < deadline:
            result = self.prometheus.query(query)["result"]
            if result and int(float(result[0]["value"][1])) == count:
                return
            time.sleep(1)
        raise RuntimeError(f"Prometheus has not scraped the {count} series of {namespace}")

    def stop(self) -> None:
        self.prometheus.stop()
        self.exporter.stop()
        self.cluster.stop()
