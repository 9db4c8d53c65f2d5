"""Fixtures shared by every test directory."""

from __future__ import annotations

import http.server
import os
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from flagger_py.testing.prometheus import Prometheus
from tests.paths import CONTROL_PLANE_STARTUP, REFERENCE, TESTENV_BIN, THIRDPARTY_CRDS
from tests.webhooks.server import Reply, Server

# The end-to-end tests run only through `make e2e`, inside a network namespace made for them.
collect_ignore = [] if os.environ.get("FLAGGER_PY_NETNS") == "inside" else ["e2e"]

# Tests that read the shared reference data: marked ``shared``, or using these fixtures.
SHARED_FIXTURES = frozenset({"router_crds", "with_reference_crd", "thirdparty"})
SHARED_SKIPPED = pytest.StashKey[int]()


def pytest_sessionstart(session: pytest.Session) -> None:
    """Under CI, refuse to run without the shared reference data (CI always has it); elsewhere the
    tests that need it are skipped (see pytest_collection_modifyitems)."""
    missing = shared_missing()
    if missing and os.environ.get("CI") == "true":
        raise pytest.UsageError(f"{shared_message(missing)}; CI must have it")
    if not (TESTENV_BIN / "flagger").exists() and os.environ.get("CI") == "true":
        # The tests that run Flagger itself skip without it elsewhere; make test builds it.
        raise pytest.UsageError(
            f"{TESTENV_BIN / 'flagger'} missing: testenv/flagger.sh builds it; CI must have it"
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = shared_missing()
    if not missing:
        return
    needing = [
        item
        for item in items
        if item.get_closest_marker("shared") or SHARED_FIXTURES & set(getattr(item, "fixturenames", ()))
    ]
    # Left out rather than skipped one by one: the terminal summary says why, in one line.
    items[:] = [item for item in items if item not in needing]
    config.hook.pytest_deselected(items=needing)
    config.stash[SHARED_SKIPPED] = len(needing)


def shared_missing() -> list[str]:
    return [str(p) for p in (REFERENCE / "crd.yaml", THIRDPARTY_CRDS) if not p.exists()]


def shared_message(missing: list[str]) -> str:
    return (
        f"shared reference data not found ({', '.join(missing)}): Flagger's CRD and manifests and upstream "
        "CRDs, kept in the project's shared/ folder beside this clone (or FLAGGER_PY_SHARED)"
    )


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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    skipped = config.stash.get(SHARED_SKIPPED, 0)
    if skipped:
        terminalreporter.write_line(
            f"{skipped} tests left out: {shared_message(shared_missing())}; CI has it", yellow=True
        )
    seconds = config.stash.get(CONTROL_PLANE_STARTUP, None)
    if seconds is not None:
        terminalreporter.write_line(f"local control plane started in {seconds:.1f}s (binaries cached)")


@pytest.fixture
def serve() -> Iterator[Callable[..., Server]]:
    """Start local HTTP(S) servers that record requests and answer from a script; stopped after."""
    servers: list[Server] = []

    def start(reply: Callable[[str, int], Reply], tls: tuple[Path, Path] | None = None) -> Server:
        servers.append(Server(reply, tls))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def http_target() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server answering every GET with 200 "ok": (its URL, the paths it was asked for)."""
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
    yield f"http://127.0.0.1:{server.server_address[1]}/", hits
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate and key for 127.0.0.1 (local HTTPS servers)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key
