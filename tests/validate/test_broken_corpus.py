"""Each broken manifest under tests/validate/broken gets exactly the lines its '# expect:' header lists."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from flagger_py import cli
from tests.paths import BROKEN

CORPUS = sorted(BROKEN.glob("*.yaml"))


def expected_lines(path: Path) -> list[str]:
    return [
        f"{path}:{line.removeprefix('# expect: ')}"
        for line in path.read_text().splitlines()
        if line.startswith("# expect: ")
    ]


def test_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 30
    assert all(expected_lines(p) for p in CORPUS), "every corpus file states what it expects"


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_broken_manifest_gets_exact_message(path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = cli.validate([str(path)], out=out, err=err)
    assert code == cli.EXIT_INVALID
    assert out.getvalue().splitlines() == expected_lines(path)
    assert "Traceback" not in out.getvalue() + err.getvalue()
