"""A run survives the controller: a restart resumes from status, and with leader election a standby
replica takes over when the leader dies, without losing or repeating a step."""

from __future__ import annotations

import threading
import time

import httpx

from flagger_py.testing.cluster import Cluster
from tests.cluster import kube, workloads
from tests.cluster.controller import Controller, Controllers, eventually

ITERATIONS = 6


class History:
    """Every (phase, iterations) the Canary's status shows, polled in the background."""

    def __init__(self, cluster: Cluster, ns: str) -> None:
        self.seen: list[tuple[str, int]] = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._poll, args=(cluster, ns), daemon=True)
        self.thread.start()

    def _poll(self, cluster: Cluster, ns: str) -> None:
        while not self.done.is_set():
            status = kube.status(cluster, ns)
            step = (str(status.get("phase", "")), int(status.get("iterations") or 0))
            if not self.seen or self.seen[-1] != step:
                self.seen.append(step)
            time.sleep(0.1)

    def stop(self) -> list[tuple[str, int]]:
        self.done.set()
        self.thread.join()
        return self.seen


def start_release(cluster: Cluster, ns: str) -> History:
    eventually("Initialized", lambda: kube.phase(cluster, ns) == "Initialized", 60)
    history = History(cluster, ns)
    kube.set_image(cluster, ns, "Deployment", "podinfo", "podinfo:6.0.1")
    eventually("iteration 2", lambda: kube.status(cluster, ns).get("iterations", 0) >= 2, 60)
    return history


def assert_one_clean_run(cluster: Cluster, ns: str, history: History) -> None:
    eventually("Succeeded", lambda: kube.phase(cluster, ns) == "Succeeded", 90)
    seen = history.stop()
    counts = [n for phase, n in seen if phase == "Progressing"]
    assert counts == sorted(counts), f"iterations went back: {seen}"
    events = kube.events(cluster, ns)
    iterations = {e["message"].rsplit(" ", 1)[-1] for e in events if "canary iteration" in e["message"]}
    assert iterations == {f"{i}/{ITERATIONS}" for i in range(1, ITERATIONS + 1)}, "a step was lost"
    copies = [e for e in events if e["message"].startswith("Copying")]
    assert len(copies) == 1, "promoted twice"
    assert copies[0].get("count", 1) == 1, "promoted twice"
    assert kube.image(kube.deployment(cluster, ns, "podinfo-primary")) == "podinfo:6.0.1"


def test_a_restarted_controller_resumes_the_run_from_status(
    flagger_crds: Cluster, namespace: str, controllers: Controllers
) -> None:
    cluster, ns = flagger_crds, namespace
    cluster.api.apply(workloads.deployment(ns, replicas=1))
    cluster.api.apply(workloads.bluegreen(ns, iterations=ITERATIONS, analysis={"interval": "2s"}))
    first = controllers()
    history = start_release(cluster, ns)
    first.kill()
    at_kill = kube.status(cluster, ns)["iterations"]
    controllers()
    assert_one_clean_run(cluster, ns, history)
    assert at_kill < ITERATIONS


def leader(candidates: list[Controller]) -> Controller | None:
    for controller in candidates:
        try:
            if httpx.get(f"http://127.0.0.1:{controller.port}/readyz", timeout=1).status_code == 200:
                return controller
        except httpx.HTTPError:
            continue
    return None


def test_a_standby_replica_takes_over_when_the_leader_dies(
    flagger_crds: Cluster, namespace: str, controllers: Controllers
) -> None:
    cluster, ns = flagger_crds, namespace
    election = (
        "--enable-leader-election=true",
        "--leader-election-namespace", ns,
        "--leader-election-lease-duration", "4s",
        "--leader-election-renew-deadline", "3s",
        "--leader-election-retry-period", "1s",
    )  # fmt: skip
    replicas = [controllers(*election, ready=False), controllers(*election, ready=False)]
    cluster.api.apply(workloads.deployment(ns, replicas=1))
    cluster.api.apply(workloads.bluegreen(ns, iterations=ITERATIONS, analysis={"interval": "2s"}))
    first = eventually("a leader", lambda: leader(replicas), 60)
    standby = next(c for c in replicas if c is not first)
    lease_path = f"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/flagger-leader-election"
    holder = cluster.api.get(lease_path)["spec"]["holderIdentity"]
    history = start_release(cluster, ns)
    assert "flagger_py.events" not in standby.log(), "the standby acted while not leading"
    first.kill()
    eventually("the standby leads", lambda: leader([standby]) is standby, 60)
    assert_one_clean_run(cluster, ns, history)
    lease = cluster.api.get(lease_path)["spec"]
    assert lease["holderIdentity"] != holder
    assert lease["leaseTransitions"] >= 1


def test_a_leader_that_stops_cleanly_hands_over_at_once(
    flagger_crds: Cluster, namespace: str, controllers: Controllers
) -> None:
    ns = namespace
    election = ("--enable-leader-election=true", "--leader-election-namespace", ns,
                "--leader-election-lease-duration", "60s",
                "--leader-election-retry-period", "1s")  # fmt: skip
    replicas = [controllers(*election, ready=False), controllers(*election, ready=False)]
    first = eventually("a leader", lambda: leader(replicas), 60)
    standby = next(c for c in replicas if c is not first)
    assert first.stop() == 0
    # The Lease is released on SIGTERM: no 60 s wait for it to expire.
    eventually("the standby leads", lambda: leader([standby]) is standby, 30)  # well under the 60 s Lease
