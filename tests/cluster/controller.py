"""Running ``flagger-py run`` as a real process against the test control plane."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from flagger_py.testing.cluster import Cluster, free_port, wait_serving
from tests.cluster import kube

TICK = "1s"


@dataclass
class Controller:
    """One controller process; its log is kept in a file."""

    argv: list[str]
    log_path: Path
    port: int
    process: subprocess.Popen[bytes] | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    ready_path: str = "/readyz"  # Flagger answers /healthz only

    def start(self) -> Controller:
        log = self.log_path.open("ab")
        env = {**os.environ, **self.env}
        self.process = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT, env=env)
        return self

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Until ``ready_path`` answers 200 (flagger-py's /readyz: leading, caches synced)."""
        assert self.process is not None
        wait_serving(
            "the controller",
            self.process,
            f"http://127.0.0.1:{self.port}{self.ready_path}",
            lambda answer: answer.status_code == 200,
            self.log,
            timeout,
            interval=0.2,
        )

    def metrics(self) -> str:
        return httpx.get(f"http://127.0.0.1:{self.port}/metrics", timeout=5).text

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, timeout: float = 15.0) -> int:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def kill(self) -> None:
        """SIGKILL: no cleanup, no Lease release, as when a node dies."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class Controllers:
    """Starts controllers for one test and stops them all afterwards."""

    cluster: Cluster
    namespace: str
    started: list[Controller] = field(default_factory=list)
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="flagger-py-ctl-")))

    def __call__(
        self,
        *flags: str,
        ready: bool = True,
        env: Mapping[str, str] | None = None,
        kubeconfig: Path | None = None,
    ) -> Controller:
        port = free_port()
        argv = [
            sys.executable, "-m", "flagger_py", "run",
            "--kubeconfig", str(kubeconfig or self.cluster.kubeconfig),
            "--namespace", self.namespace,
            "--mesh-provider", "kubernetes",
            "--min-interval", "1s",
            "--port", str(port),
            *flags,
        ]  # fmt: skip
        controller = Controller(
            argv, self.workdir / f"controller-{len(self.started)}.log", port, env=env or {}
        )
        self.started.append(controller.start())
        if ready:
            controller.wait_ready()
        return controller

    def logs(self) -> str:
        return "\n".join(f"--- controller {i} ---\n{c.log()[-20000:]}" for i, c in enumerate(self.started))

    def stop_all(self) -> None:
        for controller in self.started:
            controller.stop()


@contextlib.contextmanager
def playing(step: Callable[[], None], period: float = 0.2) -> Iterator[None]:
    """Run ``step`` every ``period`` seconds in a thread while the block runs: a test playing another
    controller (a Gateway accepting routes, Knative). Errors are ignored: the namespace may be going away."""
    stop = threading.Event()

    def play() -> None:
        while not stop.is_set():
            with contextlib.suppress(Exception):
                step()
            stop.wait(period)

    thread = threading.Thread(target=play, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def eventually(what: str, check: Callable[[], Any], timeout: float = 60.0, interval: float = 0.25) -> Any:
    """Poll ``check`` until it returns something truthy; that value."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


Weights = Callable[[], tuple[int, int] | None]


def watch_weights(read: Weights) -> Callable[[], set[int]]:
    """Sample the canary weight every 0.1 s in the background (``read`` answers the (primary, canary)
    weights, or None before there is a route); call the result to stop and get the canary weights seen."""
    seen: set[int] = set()

    def sample() -> None:
        if found := read():
            seen.add(found[1])

    sampling = contextlib.ExitStack()
    sampling.enter_context(playing(sample, period=0.1))

    def done() -> set[int]:
        sampling.close()
        return seen

    return done


def promoted_in_steps(cluster: Cluster, ns: str, read: Weights) -> None:
    """The Canary ``podinfo`` of ``ns``, with the controller running: Initialized with all traffic on
    the primary; then podinfo:6.0.1 steps the canary weight through 10/20/30 and is promoted, and all
    traffic is back on the primary."""
    eventually("Initialized", lambda: kube.phase(cluster, ns) == "Initialized", 60)
    assert read() == (100, 0)
    seen = watch_weights(read)
    kube.set_image(cluster, ns, "Deployment", "podinfo", "podinfo:6.0.1")
    eventually("Succeeded", lambda: kube.phase(cluster, ns) == "Succeeded", 120)
    steps = seen()
    assert {10, 20, 30} <= steps, f"the canary weight did not step 10/20/30 (saw {sorted(steps)})"
    assert read() == (100, 0)
    assert kube.image(kube.deployment(cluster, ns, "podinfo-primary")) == "podinfo:6.0.1"


def release_with_credentials(cluster: Cluster, ns: str, controllers: Controllers, kubeconfig: Path) -> None:
    """The Canary ``podinfo`` already applied in ``ns`` goes through a whole release (initialization,
    promotion, revertOnDeletion finalization, leader election) by a controller that authenticates with
    ``kubeconfig``, without a Warning Event."""
    controllers("--enable-leader-election=true", "--leader-election-namespace", ns, kubeconfig=kubeconfig)
    eventually("Initialized", lambda: kube.phase(cluster, ns) == "Initialized", 60)
    kube.set_image(cluster, ns, "Deployment", "podinfo", "podinfo:6.0.1")
    eventually("Succeeded", lambda: kube.phase(cluster, ns) == "Succeeded", 60)
    assert not [e for e in kube.events(cluster, ns) if e["type"] == "Warning"]
    path = f"/apis/flagger.app/v1beta1/namespaces/{ns}/canaries/podinfo"
    cluster.api.delete(path)
    eventually("the Canary finalized", lambda: not kube.exists(cluster, path), 60)
