"""The wheel installs providers/ as flagger_py.providers (never a top-level 'providers'),
ships the CRDs and the kwok stages as package data, and declares the entry points."""

from __future__ import annotations

import configparser
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.packaging.wheel import build_wheel
from tests.paths import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    return zipfile.ZipFile(build_wheel(tmp_path_factory.mktemp("wheel")))


def test_every_provider_subpackage_is_under_flagger_py(wheel: zipfile.ZipFile) -> None:
    names = wheel.namelist()
    subpackages = sorted(p.name for p in (REPO / "providers").iterdir() if (p / "__init__.py").exists())
    assert subpackages == ["metrics", "notifiers", "routers"]
    for sub in subpackages:
        assert f"flagger_py/providers/{sub}/__init__.py" in names
    assert "flagger_py/providers/__init__.py" in names
    assert not [n for n in names if n.startswith("providers/")]


def test_every_package_of_the_source_tree_is_in_the_wheel(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    packages = [p.parent.relative_to(REPO) for p in (REPO / "flagger_py").rglob("__init__.py")]
    assert len(packages) >= 8
    for package in packages:
        assert f"{package.as_posix()}/__init__.py" in names, f"add {package} to [tool.setuptools] packages"


def test_package_data(wheel: zipfile.ZipFile) -> None:
    names = wheel.namelist()
    for crd in ("canaries.yaml", "metrictemplates.yaml", "alertproviders.yaml"):
        assert f"flagger_py/crds/{crd}" in names
    assert "flagger_py/testing/kwok-stages.yaml" in names
    assert "flagger_py/py.typed" in names
    assert not [n for n in names if n.startswith(("tests/", "crds/", "testenv/"))]


def test_entry_points(wheel: zipfile.ZipFile) -> None:
    (meta,) = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
    parser = configparser.ConfigParser(delimiters=("=",))  # names like gatewayapi:v1 hold a colon
    parser.read_string(wheel.read(meta).decode())
    assert parser["console_scripts"]["flagger-py"] == "flagger_py.cli:main"


def run_installed(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """flagger-py from the extracted wheel only (no source tree on the path)."""
    return subprocess.run(
        [sys.executable, "-c", "import sys; from flagger_py.cli import main; sys.exit(main())", *args],
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        cwd=site.parent,
        capture_output=True,
        text=True,
        check=False,
    )


def test_installed_wheel_validates_without_the_source_tree(wheel: zipfile.ZipFile, tmp_path: Path) -> None:
    site = tmp_path / "site"
    wheel.extractall(site)
    broken = run_installed(
        site, "validate", str(REPO / "tests" / "validate" / "broken" / "01-step-weight-not-integer.yaml")
    )
    assert broken.returncode == 1, broken.stderr
    assert "must be an integer (got 'ten')" in broken.stdout
    simulated = run_installed(site, "simulate", str(REPO / "examples" / "podinfo-canary.yaml"))
    assert simulated.returncode == 0, simulated.stderr
    assert simulated.stdout.splitlines()[-1] == "verdict: promoted after 8m"
