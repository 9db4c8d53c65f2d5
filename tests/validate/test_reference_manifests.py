"""flagger-py validate reaches Flagger's verdict on every manifest under shared/flagger-reference.

Offline half of the differential test: Flagger's own CRD (shared/flagger-reference/crd.yaml) is
judged by our structural checker; tests/cluster/test_differential.py repeats it against a real
API server with Flagger's CRD installed.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml

from flagger_py import cli
from flagger_py.crd import schema
from flagger_py.manifest import loader
from flagger_py.manifest.check import check_document
from tests.paths import REFERENCE, REPO, reference_files

# What a real API server with Flagger's CRD says of these documents (checked by the cluster test).
REJECTED_BY_FLAGGER = {
    "docs-examples/alerting-01.yaml#1": "both address and secretRef: Flagger's oneOf rejects it",
    "docs-examples/istio-progressive-delivery-03.yaml#1": "no targetRef",
    "docs-examples/istio-progressive-delivery-04.yaml#1": "fragment: no name, targetRef or analysis",
    "docs-examples/metrics-01.yaml#1": "placeholder nulls",
    "docs-examples/metrics-05.yaml#1": "no query",
    "docs-examples/metrics-07.yaml#1": "retired v1alpha1",
    "docs-examples/metrics-10.yaml#1": "no query",
}


def flagger_crds() -> schema.CrdSet:
    return schema.from_documents(list(yaml.safe_load_all((REFERENCE / "crd.yaml").read_text())))


def reference_documents() -> list[tuple[str, object]]:
    docs = []
    for path in reference_files():
        for doc in loader.documents(str(path), path.read_text()):
            key = f"{path.relative_to(REFERENCE)}#{doc.index}"
            docs.append((key, doc.content))
    return docs


DOCS = [
    (k, c)
    for k, c in reference_documents()
    if isinstance(c, dict) and str(c.get("apiVersion", "")).startswith("flagger.app")
]


@pytest.mark.shared
def test_examples_directory_is_valid() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert cli.validate([str(REFERENCE / "examples")], out=out, err=err) == cli.EXIT_OK, out.getvalue()
    assert out.getvalue() == ""


@pytest.mark.shared
@pytest.mark.parametrize(("key", "content"), DOCS, ids=[k for k, _ in DOCS])
def test_same_verdict_as_flagger_crd(key: str, content: object) -> None:
    ours = check_document(content)
    flaggers = check_document(content, flagger_crds(), models=False)
    assert ours is not None
    assert flaggers is not None
    assert ours.valid == flaggers.valid, (ours.problems, flaggers.problems)
    assert ours.valid == (key not in REJECTED_BY_FLAGGER), ours.problems


@pytest.mark.shared
@pytest.mark.parametrize("key", sorted(REJECTED_BY_FLAGGER))
def test_rejected_fragments_name_what_is_missing(key: str) -> None:
    content = dict(DOCS)[key]
    verdict = check_document(content)
    assert verdict is not None
    assert verdict.problems
    text = "\n".join(map(str, verdict.problems))
    assert "Traceback" not in text
    for problem in verdict.problems:
        assert problem.message  # every line says what is wrong


@pytest.mark.shared
def test_other_kinds_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "workloads.yaml"
    path.write_text((REFERENCE / "workloads" / "podinfo-deployment.yaml").read_text())
    out, err = io.StringIO(), io.StringIO()
    assert cli.validate([str(path)], out=out, err=err) == cli.EXIT_OK
    assert "0 flagger.app object(s) checked" in err.getvalue()


def test_bundled_examples_are_valid() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert cli.validate([str(REPO / "examples")], out=out, err=err) == cli.EXIT_OK, out.getvalue()
    assert "6 flagger.app object(s) checked, 0 invalid" in err.getvalue()
