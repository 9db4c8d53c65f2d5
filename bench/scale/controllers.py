"""The two controllers as processes, with what the benchmark samples from them: CPU time and resident
memory (from /proc), and their /metrics."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from flagger_py.testing.cluster import free_port

from .hosts import VARIANTS

TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def flagger_py_argv(
    kubeconfig: Path, namespace: str, port: int, metrics_server: str, qps: int, variant: str = ""
) -> list[str]:
    """``flagger-py run``, or a host variant of it (``bench.scale.hosts``) with the same flags."""
    command = ["-m", f"bench.scale.hosts.{VARIANTS[variant]}"] if variant else ["-m", "flagger_py", "run"]
    return [
        sys.executable, *command,
        "-kubeconfig", str(kubeconfig),
        f"-kubeconfig-qps={qps}",  # the same client-side limit as Flagger's
        f"-kubeconfig-burst={max(250, 2 * qps)}",
        "-namespace", namespace,
        "-mesh-provider", "kubernetes",
        "-metrics-server", metrics_server,
        "-port", str(port),
        "-log-level", "warning",
    ]  # fmt: skip


def flagger_argv(
    binary: Path, kubeconfig: Path, namespace: str, port: int, metrics_server: str, qps: int
) -> list[str]:
    return [
        str(binary),
        f"-kubeconfig={kubeconfig}",
        f"-kubeconfig-qps={qps}",
        f"-kubeconfig-burst={max(250, 2 * qps)}",
        f"-namespace={namespace}",
        "-mesh-provider=kubernetes",
        f"-metrics-server={metrics_server}",
        f"-port={port}",
        "-log-level=warn",
    ]


@dataclass
class Sample:
    at: float
    cpu_seconds: float
    rss_bytes: int


@dataclass
class Controller:
    """A controller process; a thread samples its CPU time and RSS every ``every`` seconds."""

    name: str
    argv: list[str]
    port: int
    log: Path
    every: float = 1.0
    samples: list[Sample] = field(default_factory=list)
    lag_samples: list[tuple[float, float]] = field(default_factory=list)
    process: subprocess.Popen[bytes] | None = None
    _stop: threading.Event = field(default_factory=threading.Event)

    @property
    def identity(self) -> str:
        """The ServiceAccount it runs as: one per controller, shared by flagger-py's host variants."""
        return self.name.split(":", 1)[0]

    @classmethod
    def flagger_py(
        cls,
        kubeconfig: Path,
        namespace: str,
        metrics_server: str,
        log: Path,
        qps: int,
        name: str = "flagger-py",
    ) -> Controller:
        """flagger-py, or one of its host variants named ``flagger-py:<variant>``."""
        port = free_port()
        variant = name.partition(":")[2]
        argv = flagger_py_argv(kubeconfig, namespace, port, metrics_server, qps, variant)
        return cls(name, argv, port, log)

    @classmethod
    def flagger(
        cls, binary: Path, kubeconfig: Path, namespace: str, metrics_server: str, log: Path, qps: int
    ) -> Controller:
        port = free_port()
        argv = flagger_argv(binary, kubeconfig, namespace, port, metrics_server, qps)
        return cls("flagger", argv, port, log)

    def start(self) -> Controller:
        self.process = subprocess.Popen(self.argv, stdout=self.log.open("wb"), stderr=subprocess.STDOUT)
        threading.Thread(target=self._sample, daemon=True).start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/metrics", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{self.name} does not serve /metrics: {self.log.read_text()[-3000:]}")

    def _sample(self) -> None:
        count = 0
        while not self._stop.is_set() and self.process is not None and self.process.poll() is None:
            try:
                stat = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
                cpu = (int(stat[11]) + int(stat[12])) / TICKS  # utime + stime
                rss = int(stat[21]) * PAGE
            except (OSError, IndexError, ValueError):
                return
            self.samples.append(Sample(time.monotonic(), cpu, rss))
            count += 1
            if self.identity == "flagger-py" and count % 10 == 0:  # the gauge is the worst of 10 s
                lag = self.metric("flagger_py_event_loop_lag_seconds")
                if lag is not None:
                    self.lag_samples.append((time.monotonic(), lag))
            self._stop.wait(self.every)

    def metrics_text(self) -> str:
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}/metrics", timeout=10).text
        except httpx.HTTPError:
            return ""

    def metric(self, prefix: str) -> float | None:
        """The sum of the samples whose line starts with ``prefix`` (None when there is none)."""
        values = [
            float(line.rsplit(" ", 1)[1])
            for line in self.metrics_text().splitlines()
            if line.startswith(prefix) and not line.startswith("#")
        ]
        return sum(values) if values else None

    def cpu_between(self, start: float, end: float) -> float:
        before = [s for s in self.samples if s.at <= start] or self.samples[:1]
        after = [s for s in self.samples if s.at <= end] or self.samples[-1:]
        return after[-1].cpu_seconds - before[-1].cpu_seconds

    def rss_at(self, when: float) -> int:
        before = [s for s in self.samples if s.at <= when] or self.samples[:1]
        return before[-1].rss_bytes

    def peak_rss(self) -> int:
        return max(s.rss_bytes for s in self.samples)

    def stop(self) -> None:
        self._stop.set()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
