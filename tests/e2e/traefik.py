"""Traefik v3.6 as the tests' proxy: its Kubernetes CRD provider (``provider: traefik``) and its
Gateway API provider (``provider: gatewayapi:v1``), both pointed at the test API server, an entry point
for clients, one for Prometheus and its API (to read the weights it really applies).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from flagger_py.testing.cluster import ClusterError, free_port, stop_group, wait_until

GATEWAY_CONTROLLER = "traefik.io/gateway-controller"


@dataclass
class Traefik:
    """One Traefik process listening on loopback: ``web`` (clients), ``metrics`` and ``traefik`` (API)."""

    web_port: int = field(default_factory=free_port)
    metrics_port: int = field(default_factory=free_port)
    api_port: int = field(default_factory=free_port)
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="flagger-py-traefik-")))
    popen: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def metrics_address(self) -> str:
        return f"127.0.0.1:{self.metrics_port}"

    def start(self, binary: Path, server: str, token: str, ca: Path, timeout: float = 60.0) -> Traefik:
        argv = [
            str(binary),
            "--log.level=INFO",
            f"--entrypoints.web.address=127.0.0.1:{self.web_port}",
            f"--entrypoints.metrics.address=127.0.0.1:{self.metrics_port}",
            f"--entrypoints.traefik.address=127.0.0.1:{self.api_port}",
            "--api.insecure=true",
            "--api.dashboard=false",
            "--accesslog=true",
            f"--accesslog.filepath={self.workdir / 'access.log'}",
            "--accesslog.format=json",
            "--ping=true",
            "--metrics.prometheus=true",
            "--metrics.prometheus.entrypoint=metrics",
            "--metrics.prometheus.addServicesLabels=true",
            "--metrics.prometheus.addEntryPointsLabels=true",
            "--providers.kubernetescrd=true",
            f"--providers.kubernetescrd.endpoint={server}",
            f"--providers.kubernetescrd.token={token}",
            f"--providers.kubernetescrd.certauthfilepath={ca}",
            "--providers.kubernetescrd.allowCrossNamespace=true",
            "--providers.kubernetesgateway=true",
            f"--providers.kubernetesgateway.endpoint={server}",
            f"--providers.kubernetesgateway.token={token}",
            f"--providers.kubernetesgateway.certauthfilepath={ca}",
            "--global.checknewversion=false",
            "--global.sendanonymoususage=false",
        ]
        log = self.workdir / "traefik.log"
        with log.open("wb") as handle:
            self.popen = subprocess.Popen(
                argv, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            wait_until("Traefik's ping", lambda: self.api("/ping") == "OK", timeout)
        except ClusterError:
            raise ClusterError(f"traefik did not start:\n{self.log()[-3000:]}") from None
        return self

    def api(self, path: str) -> Any:
        response = httpx.get(f"http://127.0.0.1:{self.api_port}{path}", timeout=5)
        response.raise_for_status()
        return response.text if path == "/ping" else response.json()

    def services(self) -> list[dict[str, Any]]:
        """Traefik's HTTP services as its API reports them (what it routes now)."""
        return list(self.api("/api/http/services"))

    def weighted(self, service_name_part: str) -> dict[str, dict[str, int]]:
        """The weighted services whose name contains ``service_name_part``:
        {service name: {child service name: weight}}."""
        found = {}
        for service in self.services():
            weighted = service.get("weighted")
            if weighted and service_name_part in service.get("name", ""):
                children = weighted.get("services") or []
                found[service["name"]] = {s["name"]: int(s.get("weight", 1)) for s in children}
        return found

    def servers(self, host: str) -> list[str]:
        """The server URLs (the endpoints) Traefik sends requests for ``host`` to, when a router of
        rule ``Host(`host`)`` leads to a load-balanced service."""
        rule = f"Host(`{host}`)"
        names = {r.get("service") for r in self.api("/api/http/routers") if r.get("rule") == rule}
        for service in self.services():
            name = service.get("name", "")
            if name in names or name.split("@", 1)[0] in names:
                return [s["url"] for s in (service.get("loadBalancer") or {}).get("servers") or []]
        return []

    def slow_or_failed(self, host: str, seconds: float = 1.0) -> list[str]:
        """Access-log entries for ``host`` that failed (5xx) or took longer than ``seconds``."""
        path = self.workdir / "access.log"
        found = []
        for line in path.read_text(errors="replace").splitlines() if path.exists() else ():
            entry = json.loads(line)
            if entry.get("RequestHost") != host:
                continue
            if int(entry.get("DownstreamStatus", 0)) >= 500 or entry.get("Duration", 0) > seconds * 1e9:
                seconds_taken = entry.get("Duration", 0) / 1e9
                found.append(
                    f"{entry.get('StartUTC')} {entry.get('DownstreamStatus')} {seconds_taken:.2f}s "
                    f"via {entry.get('ServiceName')} to {entry.get('ServiceAddr')}"
                )
        return found

    def log(self) -> str:
        path = self.workdir / "traefik.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.popen is not None:
            stop_group(self.popen)
