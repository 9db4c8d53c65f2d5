"""What a scenario gets from the session's environment (started by conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flagger_py.testing.cluster import LocalCluster
from flagger_py.testing.prometheus import Prometheus

from .node import RealNode
from .traefik import Traefik


@dataclass
class Env:
    """What a scenario needs: the cluster, the node, the proxy, Prometheus, the load tester."""

    cluster: LocalCluster
    node: RealNode
    traefik: Traefik
    prometheus: Prometheus
    loadtester_url: str
    workdir: Path

    def logs(self) -> str:
        return "\n".join(
            [
                self.cluster.log_tails(20),
                self.node.log_tails(20),
                "--- traefik ---",
                self.traefik.log()[-4000:],
            ]
        )
