"""Running the ``helm`` binary testenv/build.sh built, on the charts of this repository."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.paths import CHARTS, TESTENV_BIN

HELM = TESTENV_BIN / "helm"
KUBE_VERSION = "1.36.0"
CASES = {  # (chart, case) -> values file (None: the chart's defaults)
    ("flagger-py", "default"): None,
    ("flagger-py", "full"): "flagger-py-full.yaml",
    ("loadtester", "default"): None,
    ("loadtester", "full"): "loadtester-full.yaml",
}
VALUES = Path(__file__).parent / "values"


def helm(*args: str, check: bool = True, kubeconfig: Path | None = None) -> subprocess.CompletedProcess[str]:
    if not HELM.exists():
        pytest.fail(f"helm missing in {TESTENV_BIN}; run testenv/build.sh (make test does)")
    env_args = ["--kubeconfig", str(kubeconfig)] if kubeconfig else []
    result = subprocess.run([str(HELM), *args, *env_args], capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"helm {' '.join(args)} failed:\n{result.stderr}{result.stdout}")
    return result


def values_args(case: str | None) -> list[str]:
    return ["--values", str(VALUES / case)] if case else []


def template(
    chart: str,
    values: str | None = None,
    release: str = "rel",
    namespace: str = "flagger-system",
    *extra: str,
) -> str:
    """The rendered chart, as text."""
    args = [
        "template",
        release,
        str(CHARTS / chart),
        "--namespace",
        namespace,
        "--kube-version",
        KUBE_VERSION,
    ]
    return helm(*args, *values_args(values), *extra).stdout


def objects(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d]


def find(docs: list[dict[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
    found = [d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]
    assert len(found) == 1, f"{len(found)} {kind} {name or ''} rendered"
    return found[0]
