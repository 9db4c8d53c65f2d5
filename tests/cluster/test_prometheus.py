"""A real Prometheus (Debian's package) scrapes a local exporter; PromQL over its HTTP API answers.
hey (Debian's package) is on PATH and loads a local server."""

from __future__ import annotations

import re
import subprocess
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


def test_hey_loads_a_local_server(http_target: tuple[str, list[str]]) -> None:
    url, hits = http_target
    out = subprocess.run(
        ["hey", "-n", "40", "-c", "2", url], capture_output=True, text=True, timeout=60, check=True
    )
    assert len(hits) == 40
    assert re.search(r"\[200\]\s+40 responses", out.stdout)
