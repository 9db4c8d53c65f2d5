"""N Deployments and their Canaries in one namespace, a new image on all of them at once, and the
phases the controller reports."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flagger_py.testing.cluster import Api
from tests.cluster import workloads

IMAGE, NEW_IMAGE = "podinfo:6.0.0", "podinfo:6.0.1"
TEMPLATE = "bench-success-rate"


def deployment(namespace: str, name: str, image: str = IMAGE) -> dict[str, Any]:
    return workloads.deployment(namespace, name, replicas=1, image=image)


def metric_template(namespace: str, prometheus: str) -> dict[str, Any]:
    return {
        "apiVersion": "flagger.app/v1beta1",
        "kind": "MetricTemplate",
        "metadata": {"name": TEMPLATE, "namespace": namespace},
        "spec": {
            "provider": {"type": "prometheus", "address": prometheus},
            "query": 'sum(bench_success_rate{namespace="{{ namespace }}",name="{{ target }}"})',
        },
    }


def canary(namespace: str, name: str, interval: str, iterations: int) -> dict[str, Any]:
    """Blue/green on the kubernetes router, checked by a Prometheus MetricTemplate every tick."""
    success = {
        "name": "success-rate",
        "templateRef": {"name": TEMPLATE},
        "thresholdRange": {"min": 99},
        "interval": "1m",
    }
    return workloads.bluegreen(
        namespace,
        name,
        iterations=iterations,
        progressDeadlineSeconds=600,
        analysis={"interval": interval, "threshold": 3, "metrics": [success]},
    )


def names(n: int) -> list[str]:
    return [f"app-{i:05d}" for i in range(n)]


def parallel(work: Callable[[str], None], items: list[str], threads: int = 8) -> None:
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(work, items))


def create(api: Api, namespace: str, n: int, prometheus: str, interval: str, iterations: int) -> None:
    api.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    api.apply(metric_template(namespace, prometheus))

    def one(name: str) -> None:
        api.apply(deployment(namespace, name))
        api.apply(canary(namespace, name, interval, iterations))

    parallel(one, names(n))


def release(api: Api, namespace: str, n: int) -> None:
    """A new image on every Deployment, as fast as the API server takes it."""

    def one(name: str) -> None:
        patch = {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": NEW_IMAGE}]}}}}
        response = api.request(
            "PATCH",
            f"/apis/apps/v1/namespaces/{namespace}/deployments/{name}",
            patch,
            content_type="application/strategic-merge-patch+json",
        )
        response.raise_for_status()

    parallel(one, names(n))


def phases(api: Api, namespace: str) -> Counter[str]:
    items = api.get(f"/apis/flagger.app/v1beta1/namespaces/{namespace}/canaries")["items"]
    return Counter(((c.get("status") or {}).get("phase") or "None") for c in items)


def wait_for(api: Api, namespace: str, n: int, phase: str, timeout: float, every: float = 2.0) -> float:
    """Until all n canaries are in ``phase``; the monotonic time it happened. RuntimeError on timeout."""
    at, seen = wait_until(api, namespace, n, phase, timeout, every)
    if seen.get(phase, 0) != n:
        raise RuntimeError(
            f"{namespace}: after {timeout:.0f}s not all {n} canaries are {phase}: {dict(seen)}"
        )
    return at


def wait_until(
    api: Api, namespace: str, n: int, phase: str, timeout: float, every: float = 2.0
) -> tuple[float, Counter[str]]:
    """Until all n canaries are in ``phase`` or ``timeout`` passed: (monotonic time, phases then)."""
    deadline = time.monotonic() + timeout
    seen: Counter[str] = Counter()
    while True:
        seen = phases(api, namespace)
        if seen.get(phase, 0) == n or time.monotonic() >= deadline:
            return time.monotonic(), seen
        time.sleep(every)


def promotions(api: Api, namespace: str) -> Counter[str]:
    """How many promotions each canary's Events record (exactly one each: none lost or duplicated)."""
    events = api.get(f"/api/v1/namespaces/{namespace}/events")["items"]
    found: Counter[str] = Counter()
    for event in events:
        message = event.get("message") or ""
        if message.startswith("Promotion completed!"):
            found[event["involvedObject"]["name"]] += int(event.get("count") or 1)
    return found
