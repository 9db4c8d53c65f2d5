"""The install, Flux, monitoring, troubleshooting, migration and tutorial pages: every manifest is
accepted, every Helm command renders the chart, every link resolves, and the monitoring page lists
exactly the series the controller exports."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from flagger_py.manifest.check import check_document
from flagger_py.operator.telemetry import Telemetry
from tests.charts.helm import KUBE_VERSION, helm
from tests.paths import CHARTS, REPO

DOCS = REPO / "docs"
PAGES = sorted(
    [
        DOCS / n
        for n in (
            "install-helm.md",
            "install-flux.md",
            "monitoring.md",
            "troubleshooting.md",
            "upgrade-from-flagger.md",
        )
    ]
    + list((DOCS / "tutorials").glob("*.md"))
)
EVERY_PAGE = sorted([*DOCS.rglob("*.md"), REPO / "README.md", *(REPO / "charts").glob("README.md")])


def blocks(page: Path, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", page.read_text(), re.S)


def documents(page: Path) -> list[dict[str, Any]]:
    return [d for block in blocks(page, "yaml") for d in yaml.safe_load_all(block) if d]


def commands(page: Path) -> list[list[str]]:
    """Shell commands of the page's ``sh`` blocks, continuation lines joined, comments dropped."""
    out = []
    for block in blocks(page, "sh"):
        text = re.sub(r"\\\n\s*", " ", block)
        for raw in text.splitlines():
            line = raw.split(" #", 1)[0].strip()
            if line and not line.startswith("#"):
                out.append(shlex.split(line))
    return out


def test_the_pages_exist_and_are_indexed() -> None:
    index = (DOCS / "README.md").read_text()
    for page in PAGES:
        assert page.exists()
        assert page.relative_to(DOCS).as_posix() in index, f"{page.name} is not linked from docs/README.md"
    assert len(list((DOCS / "tutorials").glob("*.md"))) >= 5


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(DOCS).as_posix())
def test_every_manifest_is_accepted(page: Path) -> None:
    for doc in documents(page):
        verdict = check_document(doc)
        if verdict is None:
            assert {"apiVersion", "kind", "metadata"} <= set(doc), doc
            continue
        assert verdict.valid, (page.name, verdict.problems)


@pytest.mark.parametrize("page", sorted((DOCS / "tutorials").glob("*.md")), ids=lambda p: p.name)
def test_every_tutorial_canary_has_its_target(page: Path) -> None:
    canaries = [d for d in documents(page) if d["kind"] == "Canary"]
    assert len(canaries) == 1
    deployments = [
        d
        for p in (page, DOCS / "tutorials" / "kubernetes.md")
        for d in documents(p)
        if d["kind"] == "Deployment"
    ]
    target = canaries[0]["spec"]["targetRef"]["name"]
    assert [d for d in deployments if d["metadata"]["name"] == target]
    assert any(c[:4] == ["kubectl", "-n", "test", "set"] for c in commands(page)), "no release step"


def _helm_commands() -> list[tuple[str, list[str]]]:
    found = []
    for page in EVERY_PAGE:
        for command in commands(page):
            if command[:2] in (["helm", "upgrade"], ["helm", "install"]):
                found.append((page.name, command))
    return found


@pytest.mark.parametrize(("page", "command"), _helm_commands(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_helm_command_renders_the_chart(page: str, command: list[str]) -> None:
    args = [a for a in command[2:] if a not in ("-i", "--install", "--create-namespace", "--reuse-values")]
    release, chart, *rest = args
    assert chart.startswith("./charts/"), f"{page}: {chart}"
    helm("template", release, str(REPO / chart), "--kube-version", KUBE_VERSION, *rest)


def test_flux_helm_release_values_are_accepted(tmp_path: Path) -> None:
    for doc in documents(DOCS / "install-flux.md"):
        if doc["kind"] != "HelmRelease":
            continue
        chart = doc["spec"]["chart"]["spec"]["chart"]
        values = tmp_path / "values.yaml"
        values.write_text(yaml.safe_dump(doc["spec"].get("values") or {}))
        helm("template", "rel", str(REPO / chart), "--kube-version", KUBE_VERSION, "--values", str(values))


@pytest.mark.parametrize("page", EVERY_PAGE, ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_relative_link_resolves(page: Path) -> None:
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    text = re.sub(r"`[^`\n]*`", "", text)  # code spans hold patterns, not links
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        assert file.exists(), f"{page.name}: broken link {target}"
        if anchor and file.suffix == ".md":
            slugs = {_slug(h) for h in re.findall(r"^#+ (.+)$", file.read_text(), re.M)}
            assert anchor in slugs, f"{page.name}: no heading for #{anchor} in {file.name}"


def _slug(heading: str) -> str:
    slug = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return slug.replace(" ", "-")


def test_monitoring_lists_exactly_the_exported_series() -> None:
    page = (DOCS / "monitoring.md").read_text()
    documented = set(re.findall(r"^\| `(flagger_\w+)` \|", page, re.M))
    exported = set()
    for family in Telemetry().registry.collect():
        exported.add(family.name + ("_total" if family.type == "counter" else ""))
    assert documented == exported


def test_the_chart_readme_names_the_golden_files() -> None:
    assert (CHARTS / "README.md").read_text().count("tests/charts/golden") == 1
