"""A real Prometheus (Debian's package) scrapes a local exporter; PromQL over its HTTP API answers.
hey (Debian's package) is on PATH and loads a local server."""

from __future__ import annotations

import http.server
import re
import subprocess
import threading
from collections.abc import Callable

import pytest

from flagger_py.testing.prometheus import Exporter, Prometheus

METRICS = """\
# TYPE http_requests_total counter
http_requests_total{code="200",workload="podinfo-canary"} 90
http_requests_total{code="500",workload="podinfo-canary"} 10
"""


def test_scrape_and_query(prometheus: Callable[[list[str]], Prometheus]) -> None:
    with Exporter(METRICS) as exporter:
        prom = prometheus([exporter.address])
        prom.wait_for_scrape()
        data = prom.query('sum(http_requests_total{code!~"5.."}) / sum(http_requests_total) * 100')
        assert data["resultType"] == "vector"
        assert float(data["result"][0]["value"][1]) == pytest.approx(90.0)
        assert prom.query('http_requests_total{code="404"}')["result"] == []


def test_hey_loads_a_local_server() -> None:
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *_: object) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/load"
        out = subprocess.run(
            ["hey", "-n", "40", "-c", "2", url], capture_output=True, text=True, timeout=60, check=True
        )
    finally:
        server.shutdown()
        server.server_close()
    assert len(hits) == 40
    assert re.search(r"\[200\]\s+40 responses", out.stdout)
