"""A real Prometheus (Debian's package) scrapes a local exporter; PromQL over its HTTP API answers."""

from __future__ import annotations

import pytest

from flagger_py.testing.prometheus import Exporter, Prometheus

METRICS = """\
# TYPE http_requests_total counter
http_requests_total{code="200",workload="podinfo-canary"} 90
http_requests_total{code="500",workload="podinfo-canary"} 10
"""


def test_scrape_and_query() -> None:
    with Exporter(METRICS) as exporter, Prometheus.start([exporter.address]) as prom:
        prom.wait_for_scrape()
        data = prom.query('sum(http_requests_total{code!~"5.."}) / sum(http_requests_total) * 100')
        assert data["resultType"] == "vector"
        assert float(data["result"][0]["value"][1]) == pytest.approx(90.0)
        assert prom.query('http_requests_total{code="404"}')["result"] == []
