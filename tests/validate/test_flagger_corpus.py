"""Flagger's own corpus: every flagger.app manifest of Flagger 1.44's docs and e2e suites
(tests/flagger_corpus.py) that Flagger's CRD accepts is accepted by `flagger-py validate`, and every
such Canary `flagger-py simulate`s to a verdict (promoted or rolled back, never undecided nor an error)
with the -mesh-provider Flagger runs it with there.

Flagger's verdict is our structural checker on Flagger's CRD (shared/flagger-reference/crd.yaml), as in
test_reference_manifests.py; tests/cluster/test_differential.py asks a real API server the same question.
"""

from __future__ import annotations

import functools
import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from flagger_py import cli
from flagger_py.crd import schema
from flagger_py.manifest import loader
from flagger_py.manifest.check import check_document
from tests import flagger_corpus, prerequisites
from tests.paths import REFERENCE

# What Flagger's CRD says of these documents: the field it names first, and why. Mostly fragments of
# a Canary the docs show to explain one field, and examples of retired versions; documents rejected
# for one reason are listed by their numbers.
_FAQ = "docs/gitbook/faq.md#{}"
_GATEWAY_API = "docs/gitbook/tutorials/gatewayapi-progressive-delivery.md#{}"
REJECTED_BY_FLAGGER = {
    _FAQ.format(1): ("spec.analysis", "fragment: service settings only"),
    _FAQ.format(2): ("metadata.name", "fragment: no name, targetRef or analysis"),
    **dict.fromkeys(map(_FAQ.format, (3, 4, 6, 7)), ("spec.targetRef", "fragment: no targetRef or analysis")),
    **dict.fromkeys(
        map(_FAQ.format, (8, 9)), ("metadata.name", "fragment: no name, service port or targetRef")
    ),
    **dict.fromkeys(map(_GATEWAY_API.format, range(7, 12)), ("spec.targetRef", "fragment: service only")),
    "docs/gitbook/tutorials/istio-progressive-delivery.md#3": ("spec.targetRef", "fragment: no targetRef"),
    "docs/gitbook/tutorials/istio-progressive-delivery.md#4": ("metadata.name", "fragment: service only"),
    "docs/gitbook/tutorials/zero-downtime-deployments.md#1": ("metadata.name", "fragment: service only"),
    "docs/gitbook/usage/alerting.md#1": ("spec", "both address and secretRef: Flagger's oneOf rejects it"),
    "docs/gitbook/usage/metrics.md#1": ("spec.query", "placeholder nulls"),
    **dict.fromkeys(
        ["docs/gitbook/usage/metrics.md#5", "docs/gitbook/usage/metrics.md#10"], ("spec.query", "no query")
    ),
    "docs/gitbook/usage/metrics.md#7": ("apiVersion", "retired flagger.app/v1alpha1"),
    "kustomize/README.md#1": ("apiVersion", "retired flagger.app/v1alpha3"),
}

SOURCE = flagger_corpus.source_dir()
ENTRIES = flagger_corpus.entries(SOURCE) if SOURCE is not None else []
BY_KEY = {e.key: e for e in ENTRIES}
ACCEPTED = [e.key for e in ENTRIES if e.key not in REJECTED_BY_FLAGGER]
CANARIES = [k for k in ACCEPTED if BY_KEY[k].kind == "Canary"]
needs_source = pytest.mark.skipif(
    SOURCE is None, reason=f"Flagger's source is not on this machine ({flagger_corpus.DOWNLOAD_COMMAND})"
)


@functools.cache
def flagger_crds() -> schema.CrdSet:
    return schema.from_documents(list(yaml.safe_load_all((REFERENCE / "crd.yaml").read_text())))


def content_of(key: str) -> Any:
    entry = BY_KEY[key]
    (document,) = loader.documents(key, entry.text)
    assert document.error is None, document.error
    return document.content


def write(tmp_path: Path, key: str) -> Path:
    path = tmp_path / "manifest.yaml"
    path.write_text(BY_KEY[key].text)
    return path


@pytest.mark.shared
def test_corpus_is_found() -> None:
    """Under CI Flagger's source must be there (it is what makes these tests mean anything)."""
    prerequisites.flagger_source()
    kinds = {e.kind for e in ENTRIES}
    assert {"Canary", "MetricTemplate", "AlertProvider"} <= kinds
    assert len(ENTRIES) >= 120, len(ENTRIES)
    assert len(BY_KEY) == len(ENTRIES)  # keys are unique
    assert set(REJECTED_BY_FLAGGER) <= set(BY_KEY), set(REJECTED_BY_FLAGGER) - set(BY_KEY)
    assert [e.key for e in ENTRIES if e.error is not None] == []  # every document is YAML


@pytest.mark.shared
@needs_source
@pytest.mark.parametrize("key", sorted(BY_KEY))
def test_same_verdict_as_flagger_crd(key: str) -> None:
    content = content_of(key)
    ours = check_document(content)
    flaggers = check_document(content, flagger_crds(), models=False)
    assert ours is not None
    assert flaggers is not None
    assert flaggers.valid == (key not in REJECTED_BY_FLAGGER), flaggers.problems
    assert ours.valid == flaggers.valid, (ours.problems, flaggers.problems)


@pytest.mark.shared
@needs_source
@pytest.mark.parametrize("key", ACCEPTED)
def test_validate_accepts(key: str, tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = cli.validate([str(write(tmp_path, key))], out=out, err=err)
    assert (code, out.getvalue()) == (cli.EXIT_OK, ""), err.getvalue()
    assert "1 flagger.app object(s) checked, 0 invalid" in err.getvalue()


@pytest.mark.shared
@needs_source
@pytest.mark.parametrize("key", CANARIES)
def test_simulates_to_a_verdict(key: str, tmp_path: Path) -> None:
    assert SOURCE is not None
    provider = flagger_corpus.mesh_provider(SOURCE, BY_KEY[key].path)
    out, err = io.StringIO(), io.StringIO()
    code = cli.run_simulation(
        str(write(tmp_path, key)), None, "json", out=out, err=err, mesh_provider=provider
    )
    assert code == cli.EXIT_OK, err.getvalue()
    result = json.loads(out.getvalue())
    verdict = result["verdict"]
    assert verdict["outcome"] in ("promoted", "skipped", "rolled back"), verdict
    assert result["ticks"][-1]["phase"] in ("Succeeded", "Failed"), verdict


# Webhooks whose failure is a failed check (gates only wait, post-rollout and event hooks only report).
CHECKING_HOOKS = frozenset({"", "rollout", "pre-rollout"})


@pytest.mark.shared
@needs_source
@pytest.mark.parametrize("key", CANARIES)
def test_failing_checks_roll_back(key: str, tmp_path: Path) -> None:
    """Every metric without data and every checking webhook failing: rolled back, as Flagger does
    (promoted without analysis under skipAnalysis; promoted when the Canary checks nothing)."""
    assert SOURCE is not None
    spec = content_of(key)["spec"]
    analysis = spec.get("analysis") or {}
    metrics = {m["name"]: {"noData": True} for m in analysis.get("metrics") or []}
    hooks = {
        h["name"]: {"fail": "always", "message": "refused by the test"}
        for h in analysis.get("webhooks") or []
        if h.get("type", "") in CHECKING_HOOKS
    }
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(json.dumps({"metrics": metrics, "webhooks": hooks}))
    provider = flagger_corpus.mesh_provider(SOURCE, BY_KEY[key].path)
    out, err = io.StringIO(), io.StringIO()
    code = cli.run_simulation(
        str(write(tmp_path, key)), str(scenario), "json", out=out, err=err, mesh_provider=provider
    )
    assert code == cli.EXIT_OK, err.getvalue()
    verdict = json.loads(out.getvalue())["verdict"]
    expected = "skipped" if spec.get("skipAnalysis") else "rolled back" if metrics or hooks else "promoted"
    assert verdict["outcome"] == expected, verdict


@pytest.mark.shared
@needs_source
@pytest.mark.parametrize("key", sorted(REJECTED_BY_FLAGGER))
def test_rejected_name_what_is_wrong(key: str, tmp_path: Path) -> None:
    field, _ = REJECTED_BY_FLAGGER[key]
    flaggers = check_document(content_of(key), flagger_crds(), models=False)
    assert flaggers is not None
    assert field in [p.path for p in flaggers.problems], flaggers.problems
    out, err = io.StringIO(), io.StringIO()
    assert cli.validate([str(write(tmp_path, key))], out=out, err=err) == cli.EXIT_INVALID
    lines = out.getvalue().splitlines()
    assert lines
    assert all(line.startswith(f"{write(tmp_path, key)}:1 ") for line in lines), lines
    assert any(f" {field}: " in line for line in lines), lines


# --- the extractor itself, on small inputs (no Flagger source needed) ----------------------------

CANARY_TEXT = "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: {name}\n"


def test_markdown_yaml_blocks_lose_the_fence_indentation() -> None:
    text = (
        "Intro\n\n1. step\n\n   ```yaml\n   apiVersion: flagger.app/v1beta1\n   kind: Canary\n"
        "   metadata:\n     name: a\n   ```\n\n```text\napiVersion: flagger.app/v1beta1\n```\n"
    )
    assert list(flagger_corpus.markdown_pieces(text, "x.md")) == [(6, CANARY_TEXT.format(name="a"))]


def test_script_heredocs_expand_what_the_script_sets() -> None:
    script = (
        'NAME="podinfo"\nexport NS=test  # comment\n'
        "cat <<EOF | kubectl apply -f -\n" + CANARY_TEXT.format(name="${NAME}") + "  namespace: $NS\n"
        '  regex: "^(.*?;)?(x)$"\n  price: \\$5\nEOF\n'
        "cat <<'EOF' | kubectl apply -f -\nkeep: $NAME\nEOF\n"
        "cat <<EOF | helm upgrade -i x -f -\nnot: kubectl\nEOF\n"
        'grep x <<< "$NAME"\ncat <<\\END | kubectl create -f -\nkeep: ${NAME}\nEND\n'
        "cat <<EOF\nnever closed, never applied\n"
    )
    pieces = list(flagger_corpus.script_pieces(script, "t.sh"))
    assert pieces == [
        (4, CANARY_TEXT.format(name="podinfo") + '  namespace: test\n  regex: "^(.*?;)?(x)$"\n  price: $5\n'),
        (13, "keep: $NAME\n"),
        (20, "keep: ${NAME}\n"),
    ]


@pytest.mark.parametrize(
    ("script", "says"),
    [
        ("ROOT=$(git rev-parse)\ncat <<EOF | kubectl apply -f -\nx: $ROOT\nEOF\n", "computes at run time"),
        ("cat <<EOF | kubectl apply -f -\nx: ${UNSET}\nEOF\n", "never sets"),
        ("cat <<EOF | kubectl apply -f -\nx: $(date)\nEOF\n", "only bash can evaluate"),
        ("cat <<EOF | kubectl apply -f -\nx: ${A:-b}\nEOF\n", "parameter expansion"),
        ("cat <<EOF | kubectl apply -f -\nx: 1\n", "never closed"),
    ],
)
def test_script_heredocs_bash_alone_can_read_are_refused(script: str, says: str) -> None:
    with pytest.raises(flagger_corpus.CorpusError, match=says) as caught:
        list(flagger_corpus.script_pieces(script, "t.sh"))
    assert str(caught.value).startswith("t.sh:")


def test_documents_are_keyed_per_file_and_unparsable_ones_kept(tmp_path: Path) -> None:
    (tmp_path / "artifacts").mkdir()
    (tmp_path / "artifacts" / "a.yaml").write_text(
        "apiVersion: v1\nkind: Service\n---\n" + CANARY_TEXT.format(name="one") + "---\n"
        "apiVersion: flagger.app/v1beta1\nkind: Canary\nspec: [unclosed\n---\n"
        + CANARY_TEXT.format(name="two")
    )
    found = flagger_corpus.entries(tmp_path)
    assert [(e.key, e.line, e.kind, e.error is not None) for e in found] == [
        ("artifacts/a.yaml#1", 4, "Canary", False),
        ("artifacts/a.yaml#2", 9, None, True),
        ("artifacts/a.yaml#3", 13, "Canary", False),
    ]


def test_mesh_provider_is_the_one_flagger_runs_with(tmp_path: Path) -> None:
    (tmp_path / "test" / "suite").mkdir(parents=True)
    (tmp_path / "kustomize" / "mesh").mkdir(parents=True)
    (tmp_path / "test" / "suite" / "install.sh").write_text("kubectl apply -k ${REPO_ROOT}/kustomize/mesh\n")
    (tmp_path / "kustomize" / "mesh" / "patch.yaml").write_text("args:\n  - -mesh-provider=kuma\n")
    (tmp_path / "docs.md").write_text("helm upgrade --set meshProvider=gatewayapi:v1 flagger\n")
    (tmp_path / "plain.md").write_text("nothing\n")
    assert flagger_corpus.mesh_provider(tmp_path, "test/suite/test-canary.sh") == "kuma"
    assert flagger_corpus.mesh_provider(tmp_path, "docs.md") == "gatewayapi:v1"
    assert flagger_corpus.mesh_provider(tmp_path, "plain.md") == "istio"
