"""What the load tester's tests share: payloads, requests, and looking at real processes."""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from flagger_py.testing.cluster import wait_serving

PROC = Path("/proc")


def payload(metadata: dict[str, str] | None = None, namespace: str = "test", **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "podinfo",
        "namespace": namespace,
        "phase": "Progressing",
        "checksum": "abc",
        **fields,
    }
    if metadata is not None:
        body["metadata"] = metadata
    return body


def changed_metadata(body: dict[str, Any], change: dict[str, str | None]) -> dict[str, Any]:
    """``body`` with its metadata changed in place: a ``None`` value removes the key, another sets it."""
    for name, value in change.items():
        if value is None:
            del body["metadata"][name]
        else:
            body["metadata"][name] = value
    return body


async def post(base: str, path: str = "/", body: Any = None, timeout: float = 30) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(base + path, json=body if body is not None else payload(), timeout=timeout)


async def metric(base: str, type_: str, result: str) -> float:
    """The tasks counter for ``type_`` and ``result`` (0 when absent)."""
    async with httpx.AsyncClient() as client:
        text = (await client.get(f"{base}/metrics", timeout=10)).text
    line = f'flagger_loadtester_tasks_total{{result="{result}",type="{type_}"}} '
    found = [row for row in text.splitlines() if row.startswith(line)]
    return float(found[0][len(line) :]) if found else 0.0


def unique_seconds() -> str:
    """A sleep duration no other process on the machine has on its command line."""
    return f"{300 + random.random():.9f}"


def processes_with(argument: str) -> list[int]:
    """Live (not zombie) processes with ``argument`` as one of their command-line arguments."""
    found = []
    wanted = argument.encode()
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
            stat = (entry / "stat").read_bytes()
        except OSError:
            continue
        if wanted in args and stat[stat.rfind(b")") + 2 :][:1] not in (b"Z", b"X"):
            found.append(int(entry.name))
    return found


async def eventually(check: Callable[[], bool], seconds: float = 20.0) -> bool:
    """Whether ``check()`` holds within ``seconds`` (looked at every 50 ms)."""
    for _ in range(int(seconds / 0.05)):
        if check():
            return True
        await asyncio.sleep(0.05)
    return check()


def until(check: Callable[[], bool], seconds: float = 20.0) -> bool:
    """:func:`eventually`, for tests that are not coroutines."""
    for _ in range(int(seconds / 0.05)):
        if check():
            return True
        time.sleep(0.05)
    return check()


@dataclass
class Service:
    """A load tester started as users start it: its own process, flags, and log on stderr."""

    base: str
    popen: subprocess.Popen[bytes]
    log: Path

    def lines(self) -> list[str]:
        return self.log.read_text(errors="replace").splitlines()

    def records(self) -> list[dict[str, Any]]:
        """Every log line, each of which must be one JSON object (``-zap-encoding json``)."""
        return [json.loads(line) for line in self.lines()]

    def wait_healthy(self, seconds: float = 30.0) -> None:
        wait_serving(
            "the load tester",
            self.popen,
            f"{self.base}/healthz",
            lambda answer: answer.text == "OK",
            lambda: "\n".join(self.lines()),
            seconds,
        )

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=15)
