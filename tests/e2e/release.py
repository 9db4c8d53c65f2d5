"""One release on real traffic: the app, its Canary, the route clients use, the controller, the load.

The Canary specs here are Flagger's own tutorial specs (traefik, Gateway API), with intervals cut so
that a release takes about a minute; the load is Flagger's way too: a rollout webhook asking the load
tester to run ``hey`` against the proxy during each interval.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from flagger_py.testing.cluster import wait_until
from tests.cluster import kube
from tests.cluster.controller import Controller, Controllers, eventually

from . import app, controllers
from .environment import Env
from .traffic import Clients, Recorder, Window, counter_value

TARGET = "app"
INTERVAL = controllers.INTERVAL
# The load tester's hey, as in Flagger's tutorials, adds a little traffic at each interval; the
# test's own clients (traffic.Clients) carry the steady load the weights are measured on.
LOAD_SECONDS = 5
LOAD_QPS = 5
LOAD_WORKERS = 1
CLIENT_RATE = 50.0  # requests per second of the test's own clients: 250 per 5 s step


@dataclass
class Release:
    env: Env
    namespace: str
    host: str
    controllers: Controllers
    controller_name: str = "flagger-py"
    controller: Controller | None = None
    started: float = field(default_factory=time.monotonic)

    @property
    def cluster(self) -> Any:
        return self.env.cluster

    def load_webhook(
        self, path: str = "/", headers: dict[str, str] | None = None, host: str | None = None
    ) -> dict[str, Any]:
        header_flags = "".join(f" -H '{k}: {v}'" for k, v in (headers or {}).items())
        cmd = (
            f"hey -z {LOAD_SECONDS}s -q {LOAD_QPS} -c {LOAD_WORKERS} -host {host or self.host}{header_flags} "
            f"{self.env.traefik.url}{path}"
        )
        return {"name": "load-test", "type": "rollout", "url": f"{self.env.loadtester_url}/", "timeout": "5s",
                "metadata": {"type": "cmd", "cmd": cmd}}  # fmt: skip

    def gate_webhook(self, kind: str = "confirm-traffic-increase") -> dict[str, Any]:
        """A manual gate of the load tester's: open or closed by ``gate(...)``."""
        return {"name": "gate", "type": kind, "url": f"{self.env.loadtester_url}/gate/check"}

    def gate(self, action: str) -> None:
        """Open or close this release's gate, as a person does with curl."""
        body = {"name": TARGET, "namespace": self.namespace}
        httpx.post(f"{self.env.loadtester_url}/gate/{action}", json=body, timeout=5).raise_for_status()

    def canary(self, provider: str, analysis: dict[str, Any], **spec: Any) -> dict[str, Any]:
        return {
            "apiVersion": "flagger.app/v1beta1",
            "kind": "Canary",
            "metadata": {"name": TARGET, "namespace": self.namespace},
            "spec": {
                "provider": provider,
                "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": TARGET},
                "progressDeadlineSeconds": 60,
                "service": {"port": app.PORT, "targetPort": app.PORT, **spec.pop("service", {})},
                "analysis": {"interval": INTERVAL, **analysis},
                **spec,
            },
        }

    def start_controller(self) -> Controller:
        self.controller = controllers.start(
            self.controller_name, self.controllers, "traefik", self.env.prometheus.url
        )
        return self.controller

    def phase(self) -> str:
        return kube.phase(self.cluster, self.namespace, TARGET)

    def wait_phase(self, phase: str, timeout: float = 240.0) -> None:
        try:
            eventually(f"Canary {phase}", lambda: self.phase() == phase, timeout, interval=0.5)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{self.diagnosis()}") from None

    def diagnosis(self) -> str:
        """What a person debugging a failed scenario looks at first."""
        status = kube.status(self.cluster, self.namespace, TARGET)
        events = "\n".join(kube.messages(self.cluster, self.namespace, TARGET))
        logs = self.controllers.logs()[-6000:]
        pods = "\n".join(
            f"{p['metadata']['name']}: {p.get('status', {}).get('phase')} "
            f"{[c.get('state') for c in p.get('status', {}).get('containerStatuses') or []]} "
            f"{[c.get('message') for c in p.get('status', {}).get('conditions') or [] if c.get('message')]}"
            for p in self.cluster.api.get(f"/api/v1/namespaces/{self.namespace}/pods")["items"]
        )
        others = "\n".join(
            f"{e['involvedObject']['kind']}/{e['involvedObject']['name']}: {e.get('reason')}: "
            f"{e.get('message')}"
            for e in self.cluster.api.get(f"/api/v1/namespaces/{self.namespace}/events")["items"]
            if e["involvedObject"]["kind"] != "Canary"
        )
        crashed = "\n".join(
            self.cluster.kubectl(
                "-n", self.namespace, "logs", "--previous", "--tail=20", p["metadata"]["name"], check=False
            ).stdout
            for p in self.cluster.api.get(f"/api/v1/namespaces/{self.namespace}/pods")["items"]
            if any(c.get("restartCount") for c in p.get("status", {}).get("containerStatuses") or [])
        )
        parts = {"status": status, "crashed containers": crashed, "events": events, "other events": others}
        parts |= {"pods": pods, "controller": logs}
        return "\n".join(f"{name}:\n{text}" for name, text in parts.items())

    def new_version(self, version: str, *, error_rate: float = 0.0, latency: str = "0s") -> None:
        """What a user's CD does: a new pod template on the target Deployment."""
        deployment = app.deployment(self.namespace, TARGET, version, error_rate=error_rate, latency=latency)
        self.cluster.api.apply(deployment)

    def clients(
        self, rate: float = CLIENT_RATE, headers: dict[str, str] | None = None, users: int = 0
    ) -> Clients:
        return Clients(self.env.traefik.url, self.host, rate=rate, headers=headers or {}, users=users)

    def recorder(self, weights: Callable[[], int | None]) -> Recorder:
        return Recorder(self.cluster, self.namespace, TARGET, weights, self.phase)

    def get(self, path: str = "/", headers: dict[str, str] | None = None) -> httpx.Response:
        return httpx.get(
            f"{self.env.traefik.url}{path}", headers={"Host": self.host, **(headers or {})}, timeout=5
        )

    def wait_serving(self, version: str, timeout: float = 60.0) -> None:
        def serving() -> bool:
            response = self.get()
            return response.status_code == 200 and response.headers.get("X-App-Version") == version

        wait_until(f"{version} to answer through Traefik", serving, timeout, interval=0.5)

    def entrypoint_5xx(self) -> float:
        """5xx responses Traefik has sent to clients on the web entry point (user-visible errors)."""
        text = httpx.get(f"http://{self.env.traefik.metrics_address}/metrics", timeout=5).text
        return counter_value(
            text,
            "traefik_entrypoint_requests_total",
            lambda labels: 'entrypoint="web"' in labels and 'code="5' in labels,
        )


@contextmanager
def release(env: Env, controller_name: str) -> Iterator[Release]:
    namespace = f"e-{uuid.uuid4().hex[:6]}"
    env.cluster.create_namespace(namespace)
    started = Controllers(env.cluster, namespace)
    made = Release(env, namespace, f"{namespace}.example.test", started, controller_name)
    try:
        yield made
    finally:
        started.stop_all()
        env.cluster.api.delete(f"/api/v1/namespaces/{namespace}")


def rows(windows: list[Window]) -> str:
    return "\n".join(w.row() for w in windows)
