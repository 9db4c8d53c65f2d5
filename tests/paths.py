"""Where the test data lives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# The project's shared/ folder (Flagger's reference manifests, third-party CRDs) sits beside the clone.
SHARED = Path(os.environ.get("FLAGGER_PY_SHARED", REPO.parent / "shared"))
REFERENCE = SHARED / "flagger-reference"
THIRDPARTY_CRDS = SHARED / "thirdparty-crds"
BROKEN = REPO / "tests" / "validate" / "broken"
CRDS = REPO / "crds"
CHARTS = REPO / "charts"
# The test binaries testenv/build.sh builds (kube-apiserver, kwok, helm...), in its cache outside the clone.
TESTENV_CACHE = Path(
    os.environ.get("FLAGGER_PY_TESTENV_CACHE")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "flagger-py" / "testenv"
)
TESTENV_BIN = Path(os.environ.get("FLAGGER_PY_TESTENV_BIN", TESTENV_CACHE / "bin"))
TESTENV_CRDS = TESTENV_BIN.parent / "crds"  # CRDs testenv/build.sh takes out of Go modules


def reference_files() -> list[Path]:
    """Every manifest under shared/flagger-reference except Flagger's CRD itself."""
    return sorted(p for p in REFERENCE.rglob("*.yaml") if p.name != "crd.yaml")


# Seconds the local control plane took to start, printed at the end of the run.
CONTROL_PLANE_STARTUP = pytest.StashKey[float]()
