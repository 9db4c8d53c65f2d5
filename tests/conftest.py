"""Fixtures shared by every test directory."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from flagger_py.testing.prometheus import Prometheus


@pytest.fixture
def prometheus() -> Iterator[Callable[[list[str]], Prometheus]]:
    """Start a real Prometheus scraping the given host:port targets; stopped after the test."""
    started: list[Prometheus] = []

    def start(targets: list[str]) -> Prometheus:
        prom = Prometheus.start(targets)
        started.append(prom)
        return prom

    yield start
    for prom in started:
        prom.stop()
