"""Fixtures: the load tester in this process (aiohttp on a free port) or as its own process."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from flagger_py.loadtester.server import app
from flagger_py.testing.cluster import free_port
from tests.loadtester.helpers import Service


@pytest.fixture
async def loadtester(tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    """Start the application in this process on 127.0.0.1; its base URL."""
    runners: list[web.AppRunner] = []

    async def start(**settings: Any) -> str:
        settings.setdefault("gate_file", tmp_path / "gates.json")
        runner = web.AppRunner(app(**settings))
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        runners.append(runner)
        return f"http://127.0.0.1:{port}"

    yield start
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Callable[..., Service]]:
    """Start ``python -m flagger_py.loadtester.main -host 127.0.0.1`` with more flags."""
    started: list[Service] = []

    def start(*flags: str, gate_file: Path | None = None, env: dict[str, str] | None = None) -> Service:
        port = free_port()
        log = tmp_path / f"loadtester-{port}.log"
        args = [sys.executable, "-m", "flagger_py.loadtester.main", "-host", "127.0.0.1", "-port", str(port)]
        args += ["--gate-file", str(gate_file or tmp_path / "gates.json"), *flags]
        with log.open("wb") as out:
            popen = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env)
        started.append(Service(f"http://127.0.0.1:{port}", popen, log))
        return started[-1]

    yield start
    for one in started:
        one.stop()
