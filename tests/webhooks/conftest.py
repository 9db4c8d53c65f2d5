"""Fixtures of the webhook tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.webhooks.server import Reply, Server


@pytest.fixture
def serve() -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []

    def start(reply: Callable[[str, int], Reply], tls: tuple[Path, Path] | None = None) -> Server:
        servers.append(Server(reply, tls))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()
