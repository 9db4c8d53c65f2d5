"""What a test needs from this machine that the repository does not hold (a binary testenv builds,
Flagger's source in Go's module cache): found, or the test is skipped here and failed under CI, which
always provides it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

from tests import flagger_corpus


def missing(message: str) -> NoReturn:
    """Skip the test, saying what is missing; under CI, fail it."""
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def binary(path: Path, built_by: str) -> Path:
    """``path``, a binary the script ``built_by`` builds."""
    if not path.exists():
        missing(f"{path} missing: run {built_by}")
    return path


def flagger_source() -> Path:
    """Flagger's module directory (``flagger_corpus.source_dir``)."""
    source = flagger_corpus.source_dir()
    if source is None:
        missing(
            f"Flagger {flagger_corpus.VERSION}'s source not found in Go's module cache; "
            f"fetch it with `{flagger_corpus.DOWNLOAD_COMMAND}` or set FLAGGER_PY_FLAGGER_SRC"
        )
    return source
