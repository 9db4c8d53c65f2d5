"""The host's division of duties as the API server records it (its audit log, by user agent): kopf
opens the one Canary watch and writes nothing; the finalizer, status and Events are ours.

A control plane of its own (audit logging is a kube-apiserver flag), so it is a cluster test.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from flagger_py.crd import schema
from flagger_py.testing.cluster import LocalCluster, started
from tests.cluster import kube, workloads
from tests.cluster.controller import Controllers, eventually
from tests.paths import TESTENV_BIN

pytestmark = pytest.mark.cluster
POLICY = {"apiVersion": "audit.k8s.io/v1", "kind": "Policy", "omitStages": ["RequestReceived"]}
CANARY = "/apis/flagger.app/v1beta1/namespaces/{}/canaries/podinfo"


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalCluster, Path]]:
    if not (TESTENV_BIN / "kube-apiserver").exists():
        pytest.fail(f"test binaries missing in {TESTENV_BIN}: run testenv/build.sh (make test does)")
    workdir = tmp_path_factory.mktemp("audit")
    policy, log = workdir / "policy.yaml", workdir / "audit.log"
    policy.write_text(yaml.safe_dump({**POLICY, "rules": [{"level": "Metadata"}]}))
    flags = [f"--audit-policy-file={policy}", f"--audit-log-path={log}", "--audit-log-mode=blocking"]
    with started(TESTENV_BIN, nodes=1, apiserver_args=flags) as cluster:
        cluster.install_crds(schema.crd_documents())
        yield cluster, log


def requests(log: Path, agent: str) -> Counter[tuple[str, str]]:
    """(verb, resource[/subresource]) of every request whose user agent starts with ``agent``."""
    found: Counter[tuple[str, str]] = Counter()
    for line in log.read_text().splitlines():
        event = json.loads(line)
        # each request once: a watch when it starts, everything else when it is answered
        stage = "ResponseStarted" if event["verb"] == "watch" else "ResponseComplete"
        if event["stage"] != stage or not event.get("userAgent", "").startswith(agent):
            continue
        ref = event.get("objectRef") or {}
        resource = ref.get("resource") or event["requestURI"].split("?")[0]
        found[(event["verb"], resource + (f"/{ref['subresource']}" if ref.get("subresource") else ""))] += 1
    return found


def test_kopf_watches_canaries_once_and_writes_nothing(audited: tuple[LocalCluster, Path]) -> None:
    cluster, log = audited
    ns = "host"
    cluster.create_namespace(ns)
    cluster.api.apply(workloads.deployment(ns, replicas=1))
    cluster.api.apply(workloads.bluegreen(ns, revertOnDeletion=True))
    controllers = Controllers(cluster, ns)
    try:
        controllers()
        eventually("Initialized", lambda: kube.phase(cluster, ns) == "Initialized", 60)
        kube.set_image(cluster, ns, "Deployment", "podinfo", "podinfo:6.0.1")
        eventually("Succeeded", lambda: kube.phase(cluster, ns) == "Succeeded", 90)
        meta = kube.canary(cluster, ns)["metadata"]
        assert meta["finalizers"] == ["finalizer.flagger.app"]
        assert not [k for k in meta.get("annotations") or {} if k.startswith("kopf.zalando.org")]
        assert "kopf" not in kube.canary(cluster, ns).get("status", {})
        cluster.api.delete(CANARY.format(ns))
        eventually("the Canary gone", lambda: not kube.exists(cluster, CANARY.format(ns)), 60)
    finally:
        controllers.stop_all()

    kopf, ours = requests(log, "kopf/"), requests(log, "Python/")  # ours: aiohttp's default agent
    assert ours[("patch", "canaries")] == 2, ours  # the finalizer, added and removed by the engine
    assert ours[("patch", "canaries/status")] > 0
    assert {verb for verb, _ in kopf} <= {"get", "list", "watch"}, kopf  # kopf writes nothing
    watches = {resource for verb, resource in kopf + ours if verb == "watch"}
    assert "canaries" in watches
    assert kopf[("watch", "canaries")] + ours[("watch", "canaries")] == 1  # one Canary watch: kopf's
    assert not {"namespaces", "customresourcedefinitions", "leases"} & {r for _, r in kopf}
