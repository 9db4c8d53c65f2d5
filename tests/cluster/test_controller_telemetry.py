"""/metrics of the controller process after a promoted and a rolled-back release, and after a
Canary is deleted."""

from __future__ import annotations

import time
from collections.abc import Callable

from prometheus_client.parser import text_string_to_metric_families

from flagger_py.testing.cluster import Cluster
from tests.cluster import kube, workloads
from tests.cluster.controller import Controller, Controllers, eventually
from tests.webhooks.server import Server

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(controller: Controller) -> Samples:
    out: Samples = {}
    for family in text_string_to_metric_families(controller.metrics()):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def get(samples: Samples, series: str, /, **labels: str) -> float | None:
    return samples.get((series, tuple(sorted(labels.items()))))


def test_metrics_after_a_promotion_and_a_rollback(
    flagger_crds: Cluster, namespace: str, controllers: Controllers, serve: Callable[..., Server]
) -> None:
    cluster, ns = flagger_crds, namespace
    failing = serve(lambda _path, _n: (500, "error rate too high"))
    for name in ("good", "bad"):
        cluster.api.apply(workloads.deployment(ns, name=name, replicas=1))
    cluster.api.apply(workloads.bluegreen(ns, "good"))
    hook = {"name": "gate", "type": "rollout", "url": f"{failing.url}/gate", "timeout": "2s"}
    cluster.api.apply(workloads.bluegreen(ns, "bad", analysis={"webhooks": [hook]}))
    controller = controllers()
    for name in ("good", "bad"):
        eventually(f"{name} Initialized", lambda n=name: kube.phase(cluster, ns, n) == "Initialized", 60)  # type: ignore[misc]
        kube.set_image(cluster, ns, "Deployment", name, "podinfo:6.0.1")
    eventually("good Succeeded", lambda: kube.phase(cluster, ns, "good") == "Succeeded", 60)
    eventually("bad Failed", lambda: kube.phase(cluster, ns, "bad") == "Failed", 60)

    m = scrape(controller)
    assert get(m, "flagger_info", version="0.1.0", mesh_provider="kubernetes") == 1
    assert get(m, "flagger_canary_total", namespace=ns) == 2
    assert get(m, "flagger_canary_status", name="good", namespace=ns) == 1
    assert get(m, "flagger_canary_status", name="bad", namespace=ns) == 2
    assert get(m, "flagger_canary_weight", workload="good-primary", namespace=ns) == 100
    assert get(m, "flagger_canary_weight", workload="good", namespace=ns) == 0
    strategy = {"namespace": ns, "deployment_strategy": "blue-green"}
    assert get(m, "flagger_canary_successes_total", name="good", analysis_status="completed", **strategy) == 1
    assert get(m, "flagger_canary_failures_total", name="bad", analysis_status="completed", **strategy) == 1
    assert get(m, "flagger_py_canary_phase", name="good", namespace=ns, target="good", phase="Succeeded") == 1
    assert get(m, "flagger_py_canary_phase", name="bad", namespace=ns, target="bad", phase="Failed") == 1
    assert (
        get(m, "flagger_py_canary_phase", name="bad", namespace=ns, target="bad", phase="Progressing") is None
    )
    assert get(m, "flagger_py_canary_failed_checks", name="bad", namespace=ns) == 2
    for outcome in ("promoted", "rolled_back"):
        assert get(m, "flagger_py_release_duration_seconds_count", outcome=outcome) == 1
        seconds = get(m, "flagger_py_release_duration_seconds_sum", outcome=outcome)
        assert seconds is not None
        assert 0 < seconds < 120
    ticks = get(m, "flagger_canary_duration_seconds_count", name="good", namespace=ns)
    assert ticks is not None
    assert ticks >= 5  # Flagger's analysis ticks: three iterations, all traffic to the canary, the promotion
    assert get(m, "flagger_py_event_loop_lag_seconds") is not None
    assert (get(m, "flagger_py_api_requests_total", verb="patch") or 0) > 0
    assert get(m, "flagger_py_alerts_dropped") == 0

    time.sleep(3)  # three more (idle) ticks of the Succeeded canary: no analysis, not observed
    assert (
        get(scrape(controller), "flagger_canary_duration_seconds_count", name="good", namespace=ns) == ticks
    )

    cluster.api.delete(f"/apis/flagger.app/v1beta1/namespaces/{ns}/canaries/bad")
    eventually(
        "bad forgotten", lambda: get(scrape(controller), "flagger_canary_total", namespace=ns) == 1, 30
    )
    after = scrape(controller)
    assert not [labels for _, labels in after if ("name", "bad") in labels and ("namespace", ns) in labels]
    assert (
        get(after, "flagger_canary_successes_total", name="good", analysis_status="completed", **strategy)
        == 1
    )
