"""Releases on real traffic through Traefik's Kubernetes CRD provider (``provider: traefik``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.cluster.controller import Controllers

from . import app
from .conftest import Env
from .release import TARGET, Release, release, rows
from .traffic import assert_steps

pytestmark = pytest.mark.timeout(600)


@pytest.fixture
def run(env: Env) -> Iterator[Release]:
    with release(env, lambda ns: Controllers(env.cluster, ns)) as made:
        yield made


def traefik_weight(made: Release) -> Callable[[], int | None]:
    """The canary's share of the TraefikService's weights, as Traefik's API reports them."""

    def read() -> int | None:
        services = made.env.traefik.weights(f"{made.namespace}-{TARGET}@kubernetescrd")
        if not services:
            return None
        primary = sum(w for name, w in services.items() if "-primary-" in name)
        canary = sum(w for name, w in services.items() if "-canary-" in name)
        return round(100 * canary / (primary + canary)) if primary + canary else None

    return read


def ingress_route(made: Release) -> dict[str, object]:
    return {
        "apiVersion": "traefik.io/v1alpha1",
        "kind": "IngressRoute",
        "metadata": {"name": TARGET, "namespace": made.namespace},
        "spec": {
            "entryPoints": ["web"],
            "routes": [
                {"match": f"Host(`{made.host}`)", "kind": "Rule",
                 "services": [{"name": TARGET, "kind": "TraefikService"}]}
            ],
        },
    }  # fmt: skip


def initialized(made: Release, analysis: dict[str, object]) -> None:
    api = made.cluster.api
    api.apply(app.deployment(made.namespace, TARGET, "v1"))
    api.apply(made.canary("traefik", analysis))
    api.apply(ingress_route(made))
    made.start_controller()
    made.wait_phase("Initialized", 120)
    made.wait_serving("v1")


METRICS = [
    {"name": "request-success-rate", "interval": "15s", "thresholdRange": {"min": 99}},
    {"name": "request-duration", "interval": "15s", "thresholdRange": {"max": 500}},
]


def test_progressive_canary_is_promoted_with_the_declared_weights_on_the_wire(run: Release) -> None:
    analysis = {"threshold": 5, "maxWeight": 50, "stepWeight": 10, "metrics": METRICS,
                "webhooks": [run.load_webhook()]}  # fmt: skip
    initialized(run, analysis)
    errors_before = run.entrypoint_5xx()
    clients = run.clients().start()
    recorder = run.recorder(traefik_weight(run)).start()
    run.new_version("v2")
    run.wait_phase("Succeeded", 300)
    windows = recorder.stop()
    clients.stop()
    print(rows(windows))
    assert_steps(windows, [10, 20, 30, 40, 50])
    slow = "\n".join(run.env.traefik.slow_or_failed(run.host))
    assert clients.failures() == 0, f"{clients.describe_failures(windows)}\nTraefik:\n{slow}"
    assert run.entrypoint_5xx() == errors_before, "Traefik answered no 5xx"
    run.wait_serving("v2")
