"""Which controller runs a scenario: flagger-py, and, side by side on the same environment and the same
Canary specs, Flagger 1.44 (built by testenv/flagger.sh into the test cache).

``FLAGGER_PY_E2E_CONTROLLERS`` names them (default ``flagger-py``; ``make e2e-flagger`` sets
``flagger-py,flagger``). Flagger raises analysis intervals under 10 s to 10 s, so when it takes part
every scenario of the run uses 10 s, for both; flagger-py alone runs them at 5 s.
"""

from __future__ import annotations

import os

from flagger_py.testing.cluster import free_port
from tests.cluster.controller import Controller, Controllers
from tests.paths import TESTENV_BIN

NAMES = tuple(n for n in os.environ.get("FLAGGER_PY_E2E_CONTROLLERS", "flagger-py").split(",") if n)
FLAGGER = TESTENV_BIN / "flagger"
INTERVAL = "10s" if "flagger" in NAMES else "5s"


def start(name: str, controllers: Controllers, mesh_provider: str, metrics_server: str) -> Controller:
    """Start controller ``name`` watching the scenario's namespace; wait until it serves."""
    if name == "flagger-py":
        return controllers(
            "--mesh-provider", mesh_provider, "--metrics-server", metrics_server, "--min-interval", "1s"
        )
    if name != "flagger":
        raise ValueError(f"FLAGGER_PY_E2E_CONTROLLERS: unknown controller {name!r} (flagger-py, flagger)")
    if not FLAGGER.exists():
        raise AssertionError(f"{FLAGGER} missing: run testenv/flagger.sh (make e2e-flagger does)")
    port = free_port()
    argv = [
        str(FLAGGER),
        f"-kubeconfig={controllers.cluster.kubeconfig}",
        f"-namespace={controllers.namespace}",
        f"-mesh-provider={mesh_provider}",
        f"-metrics-server={metrics_server}",
        f"-port={port}",
        "-log-level=info",
        "-zap-encoding=console",
    ]
    log = controllers.workdir / f"flagger-{len(controllers.started)}.log"
    controller = Controller(argv, log, port, ready_path="/healthz")
    controllers.started.append(controller.start())
    controller.wait_ready()
    return controller
