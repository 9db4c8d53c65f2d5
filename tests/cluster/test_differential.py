"""Differential test: flagger-py validate and a real API server agree, document by document.

1. Flagger 1.44's own CRD (served under a renamed group, so it can sit next to ours) judges every
   reference manifest and every document of Flagger's docs and e2e suites (tests/flagger_corpus.py)
   by a server-side dry run with strict field validation, as `kubectl apply` does; `flagger-py
   validate` must reach the same verdict, and the corpus's REJECTED_BY_FLAGGER list must be the
   server's.
2. Our CRDs judge the broken corpus the same way; every document is rejected by the API server too,
   except those marked '# cluster: accepts' (rules only the models enforce, reported by the
   controller as Ready=False). Files marked 'cluster: not sent' have their problem in the YAML
   text itself (a duplicate key), so the parsed document the API server would get is valid.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from flagger_py import cli
from flagger_py.crd import schema
from flagger_py.manifest import loader
from flagger_py.manifest.check import check_document
from flagger_py.testing.cluster import Cluster, collection_path, renamed_group
from tests import flagger_corpus
from tests.cluster import workloads
from tests.paths import BROKEN, REFERENCE, REPO, reference_files
from tests.validate.test_flagger_corpus import BY_KEY as CORPUS_ENTRIES
from tests.validate.test_flagger_corpus import REJECTED_BY_FLAGGER as CORPUS_REJECTED

REFERENCE_GROUP = "flagger-reference.test"
PLURALS = {"Canary": "canaries", "MetricTemplate": "metrictemplates", "AlertProvider": "alertproviders"}


def server_verdict(cluster: Cluster, doc: dict[str, Any], group: str | None = None) -> tuple[bool, str]:
    """(accepted, message) of a server-side dry-run create of ``doc``."""
    body = dict(doc)
    api_version = str(body["apiVersion"])
    if group is not None:
        api_version = f"{group}/{api_version.split('/', 1)[1]}"
        body["apiVersion"] = api_version
    metadata = body.get("metadata")
    namespace = str(metadata.get("namespace") or "default") if isinstance(metadata, dict) else "default"
    cluster.create_namespace(namespace)
    path = collection_path(api_version, PLURALS.get(str(body.get("kind")), "unknown"), namespace)
    response = cluster.api.request("POST", path, body, params={"dryRun": "All", "fieldValidation": "Strict"})
    return response.is_success, response.text[:400]


def flagger_documents() -> list[tuple[str, dict[str, Any]]]:
    docs = []
    for path in reference_files():
        for doc in loader.documents(str(path), path.read_text()):
            content = doc.content
            if isinstance(content, dict) and str(content.get("apiVersion", "")).startswith("flagger.app/"):
                docs.append((f"{path.relative_to(REFERENCE)}#{doc.index}", content))
    return docs


def flagger_corpus_documents() -> list[tuple[str, dict[str, Any]]]:
    """Flagger's docs and e2e manifests, keyed 'flagger:<file>#<index>' (none without Flagger's source)."""
    docs = []
    for key, entry in CORPUS_ENTRIES.items():
        (doc,) = loader.documents(key, entry.text)
        assert isinstance(doc.content, dict), (key, doc.error)
        docs.append((f"flagger:{key}", doc.content))
    return docs


def corpus_documents() -> list[tuple[str, dict[str, Any], bool]]:
    docs = []
    for path in sorted(BROKEN.glob("*.yaml")):
        if "cluster: not sent" in path.read_text():
            continue  # a problem of the YAML text (a duplicate key): the parsed document is valid
        accepts = "# cluster: accepts" in path.read_text()
        for doc in loader.documents(str(path), path.read_text()):
            content = doc.content
            if isinstance(content, dict) and str(content.get("apiVersion", "")).startswith("flagger.app/"):
                docs.append((f"{path.name}#{doc.index}", content, accepts))
    return docs


CEL_CASES = {p.name for p in BROKEN.glob("*.yaml") if "# cluster: rejects by a CEL rule" in p.read_text()}


@pytest.fixture(scope="module")
def with_reference_crd(flagger_crds: Cluster) -> Cluster:
    crds = [
        renamed_group(d, REFERENCE_GROUP) for d in yaml.safe_load_all((REFERENCE / "crd.yaml").read_text())
    ]
    flagger_crds.install_crds(crds)
    return flagger_crds


FLAGGER_CORPUS_DOCS = flagger_corpus_documents()
FLAGGER_DOCS = flagger_documents() + FLAGGER_CORPUS_DOCS
CORPUS_DOCS = corpus_documents()


@pytest.mark.parametrize(("key", "doc"), FLAGGER_DOCS, ids=[k for k, _ in FLAGGER_DOCS])
def test_validate_agrees_with_flaggers_crd(
    with_reference_crd: Cluster, key: str, doc: dict[str, Any]
) -> None:
    accepted, message = server_verdict(with_reference_crd, doc, REFERENCE_GROUP)
    verdict = check_document(doc)
    assert verdict is not None
    assert verdict.valid == accepted, f"server: {message}\nvalidate: {verdict.problems}"


@pytest.mark.parametrize(("key", "doc"), FLAGGER_DOCS, ids=[k for k, _ in FLAGGER_DOCS])
def test_our_crd_accepts_what_flaggers_accepts(
    with_reference_crd: Cluster, key: str, doc: dict[str, Any]
) -> None:
    theirs, _ = server_verdict(with_reference_crd, doc, REFERENCE_GROUP)
    ours, message = server_verdict(with_reference_crd, doc)
    assert ours == theirs, message


@pytest.mark.parametrize(("key", "doc"), FLAGGER_CORPUS_DOCS, ids=[k for k, _ in FLAGGER_CORPUS_DOCS])
def test_flagger_corpus_rejections_are_the_api_servers(
    with_reference_crd: Cluster, key: str, doc: dict[str, Any]
) -> None:
    """The list of Flagger's own documents that Flagger's CRD rejects is what its API server says."""
    accepted, message = server_verdict(with_reference_crd, doc, REFERENCE_GROUP)
    assert accepted == (key.removeprefix("flagger:") not in CORPUS_REJECTED), message


@pytest.mark.parametrize(("key", "doc", "accepts"), CORPUS_DOCS, ids=[k for k, _, _ in CORPUS_DOCS])
def test_broken_corpus_against_our_crd(
    flagger_crds: Cluster, key: str, doc: dict[str, Any], accepts: bool
) -> None:
    accepted, message = server_verdict(flagger_crds, doc)
    assert accepted == accepts, message
    verdict = check_document(doc)
    assert verdict is not None
    verdict = cli.with_plugin_problem(verdict, doc)  # as flagger-py validate judges it
    assert not verdict.valid
    if key.split("#", maxsplit=1)[0] in CEL_CASES:
        return  # the schema checker leaves CEL rules to the models, which were checked just above
    structural_only = check_document(doc, schema.ours(), models=False)
    assert structural_only is not None
    assert structural_only.valid == accepted, f"server: {message}\nschema check: {structural_only.problems}"


@pytest.mark.shared
def test_corpus_and_references_are_non_trivial() -> None:
    assert len(FLAGGER_DOCS) >= 30
    if flagger_corpus.source_dir() is not None:
        assert len(FLAGGER_DOCS) >= 150
    assert len(CORPUS_DOCS) >= 35
    assert sum(a for _, _, a in CORPUS_DOCS) >= 3
    assert len(CEL_CASES) == 2
    assert Path(REFERENCE / "crd.yaml").exists()


EXAMPLE_DOCS = [
    (f"{p.name}#{d.index}", d.content)
    for p in sorted((REPO / "examples").glob("*.yaml"))
    for d in loader.documents(str(p), p.read_text())
]


@pytest.mark.parametrize(("key", "doc"), EXAMPLE_DOCS, ids=[k for k, _ in EXAMPLE_DOCS])
def test_bundled_examples_are_accepted_by_our_crd(
    flagger_crds: Cluster, key: str, doc: dict[str, Any]
) -> None:
    accepted, message = server_verdict(flagger_crds, doc)
    assert accepted, message


def _canary_with(**spec: Any) -> dict[str, Any]:
    base = workloads.canary("test")  # of the Deployment podinfo
    base["metadata"]["name"] = "tricky"
    base["spec"].update(spec)
    return base


TRICKY = {
    "null-map-value": _canary_with(
        analysis={
            "interval": "1m",
            "threshold": 5,
            "stepWeight": 10,
            "webhooks": [{"name": "w", "url": "http://x/", "metadata": {"cmd": None}}],
        }
    ),
    "null-list-item": _canary_with(analysis={"interval": "1m", "threshold": 5, "stepWeights": [10, None]}),
    "null-optional-field": _canary_with(provider=None),
    "target-port-name": _canary_with(service={"port": 80, "targetPort": "http"}),
    "target-port-bool": _canary_with(service={"port": 80, "targetPort": True}),
    "float-port": _canary_with(service={"port": 80.0}),
    "status-on-create": {**_canary_with(), "status": {"phase": "Nonsense", "canaryWeight": "x"}},
    "unknown-top-level": {**_canary_with(), "extra": 1},
    "unknown-in-metadata-labels": {**_canary_with(), "metadata": {"name": "tricky", "labels": {"a": "b"}}},
    "empty-analysis-object": _canary_with(analysis={}),
    "interval-1h": _canary_with(analysis={"interval": "1h", "threshold": 5, "stepWeight": 10}),
    "interval-5ms": _canary_with(analysis={"interval": "5ms", "threshold": 5, "stepWeight": 10}),
    "header-no-kind": _canary_with(
        analysis={"interval": "1m", "threshold": 5, "iterations": 2, "match": [{"headers": {"x": {}}}]}
    ),
    "uri-empty": _canary_with(service={"port": 80, "match": [{"uri": {}}]}),
    "lb-both": _canary_with(
        service={
            "port": 80,
            "trafficPolicy": {"loadBalancer": {"simple": "RANDOM", "consistentHash": {"useSourceIp": True}}},
        }
    ),
    "lb-hash-two-keys": _canary_with(
        service={
            "port": 80,
            "trafficPolicy": {
                "loadBalancer": {"consistentHash": {"useSourceIp": True, "httpHeaderName": "x"}}
            },
        }
    ),
    "analysis-null": _canary_with(analysis=None),
    "service-null": _canary_with(service=None),
    "threshold-float-whole": _canary_with(analysis={"interval": "1m", "threshold": 1e3, "stepWeight": 10}),
    "step-weight-null-with-step-weights": _canary_with(
        analysis={"interval": "1m", "threshold": 5, "stepWeight": None, "stepWeights": [10, 20]}
    ),
    "huge-integer": _canary_with(progressDeadlineSeconds=2**62),
    "mirror-group-set-no-port": _canary_with(
        service={
            "port": 80,
            "mirror": [{"backendRef": {"name": "x", "group": "example.com", "kind": "Backend"}}],
        }
    ),
    "origin-two-kinds": _canary_with(
        service={"port": 80, "corsPolicy": {"allowOrigins": [{"exact": "a", "prefix": "b"}]}}
    ),
    "empty-string-enum": _canary_with(
        analysis={
            "interval": "1m",
            "threshold": 5,
            "stepWeight": 10,
            "webhooks": [{"name": "w", "type": "", "url": "http://x/"}],
        }
    ),
    "gateway-ref-bad-namespace": _canary_with(
        service={"port": 80, "gatewayRefs": [{"name": "gw", "namespace": "Bad_NS"}]}
    ),
}


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_tricky_documents_get_the_api_servers_verdict(flagger_crds: Cluster, name: str) -> None:
    doc = TRICKY[name]
    accepted, message = server_verdict(flagger_crds, doc)
    structural = check_document(doc, schema.ours(), models=False)
    assert structural is not None
    assert structural.valid == accepted, f"server: {message}\nschema check: {structural.problems}"
