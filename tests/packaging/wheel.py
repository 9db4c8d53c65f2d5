"""The flagger-py wheel, built from this checkout the way a release builds it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.paths import REPO


def build_wheel(out: Path) -> Path:
    """Build the wheel into ``out`` (``python -m build --wheel``, no isolation) and return its path."""
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(REPO)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (path,) = out.glob("flagger_py-*.whl")
    return path
