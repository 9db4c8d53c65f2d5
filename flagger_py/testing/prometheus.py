"""A real Prometheus (Debian's ``prometheus`` package) for tests, scraping given local targets.

with Prometheus.start(["127.0.0.1:9100"]) as prom:
    prom.query("up")
"""

from __future__ import annotations

import http.server
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from flagger_py.testing.cluster import ClusterError, free_port, respond, stop_group, wait_until


@dataclass
class Prometheus:
    """A Prometheus process on a free loopback port; stop() ends the process it started."""

    url: str
    workdir: Path
    popen: subprocess.Popen[bytes]

    @classmethod
    def start(
        cls,
        targets: list[str],
        *,
        scrape_interval: str = "1s",
        binary: str | None = None,
        timeout: float = 30.0,
        scrape_configs: list[dict[str, Any]] | None = None,
    ) -> Prometheus:
        """Scrape ``targets`` as job ``test``, and any further ``scrape_configs`` (Prometheus' own
        format: Kubernetes service discovery, relabelling)."""
        binary = binary or shutil.which("prometheus") or "/usr/bin/prometheus"
        workdir = Path(tempfile.mkdtemp(prefix="flagger-py-prometheus-"))
        config = {
            "global": {"scrape_interval": scrape_interval, "evaluation_interval": scrape_interval},
            "scrape_configs": [
                {"job_name": "test", "static_configs": [{"targets": targets}]},
                *(scrape_configs or []),
            ],
        }
        (workdir / "prometheus.yml").write_text(yaml.safe_dump(config))
        port = free_port()
        log = (workdir / "prometheus.log").open("wb")
        popen = subprocess.Popen(
            [
                binary,
                f"--config.file={workdir / 'prometheus.yml'}",
                f"--storage.tsdb.path={workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--storage.tsdb.retention.time=1h",
                "--log.level=warn",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        prom = cls(f"http://127.0.0.1:{port}", workdir, popen)
        try:
            wait_until(
                "Prometheus /-/ready", lambda: httpx.get(f"{prom.url}/-/ready").status_code == 200, timeout
            )
        except ClusterError:
            tail = (workdir / "prometheus.log").read_text(errors="replace")[-2000:]
            prom.stop()
            raise ClusterError(f"prometheus did not start:\n{tail}") from None
        return prom

    def query(self, promql: str) -> Any:
        """Run an instant query; return the ``data`` of the answer."""
        response = httpx.get(f"{self.url}/api/v1/query", params={"query": promql}, timeout=10.0)
        response.raise_for_status()
        return response.json()["data"]

    def wait_for_scrape(self, job: str = "test", timeout: float = 30.0) -> None:
        """Wait until every target of ``job`` has been scraped successfully once."""

        def up() -> bool:
            result = self.query(f'up{{job="{job}"}}')["result"]
            return bool(result) and all(r["value"][1] == "1" for r in result)

        wait_until("Prometheus to scrape its targets", up, timeout, interval=0.2)

    def stop(self) -> None:
        stop_group(self.popen)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Prometheus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Exporter:
    """A local /metrics endpoint serving text that tests set (and change) at will; ``text`` may be a
    function called at every scrape (for counters that grow with time)."""

    def __init__(self, text: str | Callable[[], str] = "") -> None:
        self.text = text
        exporter = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                text = exporter.text
                body = (text() if callable(text) else text).encode()
                status = 200 if self.path.startswith("/metrics") else 404
                respond(self, status, body, "text/plain; version=0.0.4")

            def log_message(self, *_: object) -> None:
                return

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Exporter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
