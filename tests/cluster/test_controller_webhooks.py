"""Gates, rollback hooks and alerts end to end: the controller process, the loadtester process, a
local Slack, on the real control plane."""

from __future__ import annotations

import functools
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from flagger_py.testing.cluster import Cluster, free_port
from tests.cluster import kube, workloads
from tests.cluster.controller import Controllers, eventually
from tests.webhooks.server import Server


@pytest.fixture
def loadtester(tmp_path: Path) -> Iterator[str]:
    """``flagger-py loadtester`` as a process, with its gate file in the test's directory."""
    port = free_port()
    log = (tmp_path / "loadtester.log").open("wb")
    argv = [sys.executable, "-m", "flagger_py", "loadtester", "-port", str(port)]
    argv += ["--gate-file", str(tmp_path / "gates.json")]
    process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        assert process.poll() is None, (tmp_path / "loadtester.log").read_text()
        try:
            return httpx.get(f"{url}/healthz", timeout=1).text == "OK"
        except httpx.HTTPError:
            return False

    try:
        eventually("loadtester healthy", healthy, 60)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def slack_on(cluster: Cluster, ns: str, slack: Server) -> None:
    """An AlertProvider of type slack whose address (with its secret path) lives in a Secret."""
    cluster.api.apply(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "slack-url", "namespace": ns},
            "stringData": {"address": f"{slack.url}/services/T000/B000/XXXX"},
        }
    )
    cluster.api.apply(
        {
            "apiVersion": "flagger.app/v1beta1",
            "kind": "AlertProvider",
            "metadata": {"name": "slack", "namespace": ns},
            "spec": {"type": "slack", "channel": "releases", "secretRef": {"name": "slack-url"}},
        }
    )


def alerts(slack: Server) -> list[tuple[str, str]]:
    """(colour, text) of every message Slack received, in order."""
    out = []
    for path, body, _ in list(slack.requests):
        assert path == "/services/T000/B000/XXXX"
        assert (body["channel"], body["username"]) == ("releases", "flagger")
        attachment = body["attachments"][0]
        out.append((attachment["color"], attachment["text"]))
    return out


def initialized(cluster: Cluster, ns: str, name: str) -> bool:
    return kube.phase(cluster, ns, name) == "Initialized"


def route(severity: str) -> dict[str, Any]:
    return {"name": "team", "severity": severity, "providerRef": {"name": "slack"}}


def gate(loadtester: str, action: str, ns: str, name: str = "podinfo") -> None:
    response = httpx.post(f"{loadtester}/{action}", json={"name": name, "namespace": ns}, timeout=5)
    assert response.status_code == 202, response.text


def new_revision_with_slack(
    cluster: Cluster,
    ns: str,
    controllers: Controllers,
    serve: Callable[..., Server],
    canary: dict[str, Any],
    *flags: str,
) -> Server:
    """A local Slack behind the AlertProvider ``slack``, podinfo:6.0.0 and ``canary`` applied, the
    controller started with ``flags``; once the Canary is Initialized, podinfo:6.0.1 is rolled out.
    Answers the Slack."""
    slack = serve(lambda _path, _n: (200, "ok"))
    slack_on(cluster, ns, slack)
    cluster.api.apply(workloads.deployment(ns, replicas=1, image="podinfo:6.0.0"))
    cluster.api.apply(canary)
    controllers(*flags)
    eventually("Initialized", lambda: kube.phase(cluster, ns) == "Initialized", 60)
    kube.set_image(cluster, ns, "Deployment", "podinfo", "podinfo:6.0.1")
    return slack


@pytest.fixture
def slack_release(
    flagger_crds: Cluster, namespace: str, controllers: Controllers, serve: Callable[..., Server]
) -> Callable[..., Server]:
    """``new_revision_with_slack`` in this test's namespace: give it the Canary and the controller's flags."""
    return functools.partial(new_revision_with_slack, flagger_crds, namespace, controllers, serve)


def test_a_closed_promotion_gate_holds_the_release_until_it_is_opened(
    flagger_crds: Cluster, namespace: str, loadtester: str, slack_release: Callable[..., Server]
) -> None:
    cluster, ns = flagger_crds, namespace
    hook = {"name": "approval", "type": "confirm-promotion", "url": f"{loadtester}/gate/check"}
    canary = workloads.bluegreen(ns, analysis={"webhooks": [hook], "alerts": [route("info")]})
    slack = slack_release(canary, "--cluster-name", "staging-eu")
    eventually("WaitingPromotion", lambda: kube.phase(cluster, ns) == "WaitingPromotion", 60)
    halted = f"Halt podinfo.{ns} advancement waiting for promotion approval approval"  # Flagger's words

    def gate_checks() -> int:
        return sum(e["count"] for e in kube.events(cluster, ns) if e["message"] == halted)

    eventually("the gate said no", lambda: gate_checks() >= 1, 60)
    time.sleep(4)  # four more ticks of 1 s
    assert kube.phase(cluster, ns) == "WaitingPromotion"
    assert kube.image(kube.deployment(cluster, ns, "podinfo-primary")) == "podinfo:6.0.0"

    gate(loadtester, "gate/open", ns)
    eventually("Succeeded", lambda: kube.phase(cluster, ns) == "Succeeded", 60)
    assert kube.image(kube.deployment(cluster, ns, "podinfo-primary")) == "podinfo:6.0.1"
    # one Event for all the refusals; its count, written once the canary moved on, has them all
    assert gate_checks() >= 4

    expected = [
        ("good", "New Deployment detected, initialization completed."),
        ("good", "New revision detected, progressing canary analysis."),
        ("good", "Canary promotion is waiting for approval."),  # once, though the gate said no many times
        ("good", "Canary analysis completed successfully, promotion finished."),
    ]
    eventually("Slack messages", lambda: len(slack.requests) >= len(expected), 60)
    assert alerts(slack) == expected
    first = slack.requests[0][1]["attachments"][0]
    assert first["author_name"] == f"podinfo.{ns}"
    assert {f["title"]: f["value"] for f in first["fields"]} == {
        "Cluster": "staging-eu",
        "Target": f"Deployment/podinfo.{ns}",
        "Failed checks threshold": "2",
        "Progress deadline": "600s",
        "Traffic routing": "Blue/Green",
    }
    waiting = slack.requests[2][1]["attachments"][0]
    assert waiting["fields"] == [{"title": "Cluster", "value": "staging-eu", "short": False}]


def test_opening_the_rollback_gate_mid_analysis_rolls_back(
    flagger_crds: Cluster, namespace: str, loadtester: str, slack_release: Callable[..., Server]
) -> None:
    cluster, ns = flagger_crds, namespace
    hook = {"name": "stop-it", "type": "rollback", "url": f"{loadtester}/rollback/check"}
    analysis = {"webhooks": [hook], "alerts": [route("warn")]}
    slack = slack_release(workloads.bluegreen(ns, iterations=600, analysis=analysis))
    eventually("two iterations", lambda: kube.status(cluster, ns).get("iterations", 0) >= 2, 60)
    assert kube.phase(cluster, ns) == "Progressing"
    gate(loadtester, "rollback/open", ns)
    eventually("Failed", lambda: kube.phase(cluster, ns) == "Failed", 60)

    assert kube.image(kube.deployment(cluster, ns, "podinfo-primary")) == "podinfo:6.0.0"
    eventually("canary at zero", lambda: kube.deployment(cluster, ns, "podinfo")["spec"]["replicas"] == 0)
    warnings = [e["message"] for e in kube.events(cluster, ns) if e["type"] == "Warning"]
    assert f"Rolling back podinfo.{ns} manual webhook invoked" in warnings
    # severity warn: the info alerts (initialization, new revision) are not sent
    eventually("Slack message", lambda: slack.requests, 60)
    assert alerts(slack) == [("good", "Rolling back manual webhook invoked")]  # Flagger's alert text


def test_a_slow_webhook_holds_only_its_own_canary(
    flagger_crds: Cluster, namespace: str, controllers: Controllers, serve: Callable[..., Server]
) -> None:
    cluster, ns = flagger_crds, namespace
    release, answered = threading.Event(), []

    def hanging(_path: str, _n: int) -> tuple[int, str]:
        release.wait(120)
        answered.append(True)
        return 200, "ok"

    slow_hooks = serve(hanging)
    slow_hook = {"name": "slow", "type": "rollout", "url": f"{slow_hooks.url}/slow", "timeout": "150s"}
    for name in ("slow", "fast"):
        cluster.api.apply(workloads.deployment(ns, name=name, replicas=1))
    cluster.api.apply(workloads.bluegreen(ns, "slow", analysis={"webhooks": [slow_hook]}))
    cluster.api.apply(workloads.bluegreen(ns, "fast"))
    controllers()
    try:
        for name in ("slow", "fast"):
            eventually(f"{name} Initialized", functools.partial(initialized, cluster, ns, name), 60)
            kube.set_image(cluster, ns, "Deployment", name, "podinfo:6.0.1")

        eventually("slow hook called", lambda: slow_hooks.requests, 60)
        eventually("fast Succeeded", lambda: kube.phase(cluster, ns, "fast") == "Succeeded", 60)
        assert not answered  # the slow canary's one call is still open: nothing waited for it
        assert len(slow_hooks.requests) == 1
        assert kube.phase(cluster, ns, "slow") == "Progressing"
        fast = kube.messages(cluster, ns, "fast")
        assert all(f"Advance fast.{ns} canary iteration {i}/3" in fast for i in (1, 2, 3))
    finally:
        release.set()
    eventually("slow Succeeded", lambda: kube.phase(cluster, ns, "slow") == "Succeeded", 60)
