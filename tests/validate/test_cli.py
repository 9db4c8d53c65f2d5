"""flagger-py validate as a command: inputs, exit codes, and no traceback whatever the input."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flagger_py import cli
from flagger_py.manifest import loader
from flagger_py.manifest.check import Verdict, check_document, check_loaded
from tests.paths import BROKEN, REFERENCE

VALID = """\
apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: podinfo
spec:
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
  service: {port: 9898}
  analysis: {interval: 1m, threshold: 5, stepWeight: 10}
"""


def run(*paths: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.validate(list(paths), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_valid_file_exits_zero(tmp_path: Path) -> None:
    path = tmp_path / "canary.yaml"
    path.write_text(VALID)
    assert run(str(path)) == (0, "", "1 flagger.app object(s) checked, 0 invalid\n")


@pytest.mark.shared
def test_directory_is_walked_recursively() -> None:
    code, out, err = run(str(REFERENCE))
    assert code == cli.EXIT_INVALID
    files = {line.split(":")[0] for line in out.splitlines()}
    assert str(REFERENCE / "docs-examples" / "metrics-05.yaml") in files
    assert "checked, 7 invalid" in err


def test_several_paths_and_the_verdict_of_the_worst(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(VALID)
    code, out, _ = run(str(good), str(BROKEN / "01-step-weight-not-integer.yaml"))
    assert code == cli.EXIT_INVALID
    assert len(out.splitlines()) == 1


def test_unreadable_input_exits_two(tmp_path: Path) -> None:
    code, out, err = run(str(tmp_path / "missing.yaml"))
    assert (code, out) == (cli.EXIT_UNREADABLE, "")
    assert err == (
        f"flagger-py validate: cannot read {tmp_path / 'missing.yaml'}: no such file or directory\n"
        "0 flagger.app object(s) checked, 0 invalid, 1 input(s) could not be checked\n"
    )


def test_binary_input_exits_two(tmp_path: Path) -> None:
    path = tmp_path / "blob.yaml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    code, _, err = run(str(path))
    assert code == cli.EXIT_UNREADABLE
    assert "not UTF-8 text" in err


def test_empty_directory_exits_two(tmp_path: Path) -> None:
    code, _, err = run(str(tmp_path))
    assert code == cli.EXIT_UNREADABLE
    assert "no .yaml, .yml or .json files" in err


# --- 2. could not check (2), invalid (1), valid (0), whatever happens on one file ----------------

BROKEN_01 = BROKEN / "01-step-weight-not-integer.yaml"
BROKEN_01_LINE = f"{BROKEN_01}:1 Canary/podinfo spec.analysis.stepWeight: must be an integer (got 'ten')\n"


def test_a_failure_on_one_file_is_reported_and_the_others_still_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = tmp_path / "first.yaml"
    first.write_text(VALID)
    real = check_loaded

    def failing(document: loader.Document, **kwargs: Any) -> list[Verdict]:
        if document.source == str(first):
            raise RuntimeError("boom\nsecond line")
        return real(document, **kwargs)

    monkeypatch.setattr(cli, "check_loaded", failing)
    code, out, err = run(str(first), str(BROKEN_01))
    assert code == cli.EXIT_UNREADABLE
    assert out == BROKEN_01_LINE
    assert err == (
        f"flagger-py validate: could not check {first} (document 1): flagger-py failed "
        "(RuntimeError: boom second line); please report this with the file\n"
        "1 flagger.app object(s) checked, 1 invalid, 1 input(s) could not be checked\n"
    )


def test_a_failure_while_reading_keeps_the_verdicts_before_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = loader.load

    def failing(path: str) -> Iterator[loader.Document]:
        yield from real(path)
        raise MemoryError

    monkeypatch.setattr(loader, "load", failing)
    code, out, err = run(str(BROKEN_01))
    assert (code, out) == (cli.EXIT_UNREADABLE, BROKEN_01_LINE)
    assert err.splitlines()[0] == (
        f"flagger-py validate: could not check {BROKEN_01} (after document 1): flagger-py failed "
        "(MemoryError); please report this with the file"
    )
    assert "Traceback" not in err


def test_missing_and_not_utf8_files_do_not_stop_the_run(tmp_path: Path) -> None:
    (tmp_path / "a-latin1.yaml").write_bytes("metadata: {name: caf\xe9}\n".encode("latin-1"))
    (tmp_path / "b.yaml").write_text(BROKEN_01.read_text())
    code, out, err = run(str(tmp_path / "missing.yaml"), str(tmp_path), str(BROKEN_01))
    assert code == cli.EXIT_UNREADABLE  # could not check wins over invalid
    assert out == BROKEN_01_LINE.replace(str(BROKEN_01), str(tmp_path / "b.yaml")) + BROKEN_01_LINE
    assert err.splitlines() == [
        f"flagger-py validate: cannot read {tmp_path / 'missing.yaml'}: no such file or directory",
        f"flagger-py validate: cannot read {tmp_path / 'a-latin1.yaml'}: not UTF-8 text (byte 20, line 1); "
        "save it as UTF-8",
        "2 flagger.app object(s) checked, 2 invalid, 2 input(s) could not be checked",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: &m {name: x, labels: *m}\nspec: {}\n",
        "a: &a [x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
        ),
        "apiVersion: v1\nkind: ConfigMap\ndata:\n  key: !!binary aGVsbG8=\n  n: " + "1" * 4301 + "\n",
        "spec: " + "[" * 10_000 + "]" * 10_000 + "\n",
    ],
    ids=["recursive-alias", "billion-laughs", "binary-and-huge-int", "deep"],
)
def test_the_probe_inputs_are_verdicts_and_the_next_file_is_checked(tmp_path: Path, text: str) -> None:
    path = tmp_path / "probe.yaml"
    path.write_text(text)
    code, out, err = run(str(path), str(BROKEN_01))
    assert code == cli.EXIT_INVALID
    assert out.endswith(BROKEN_01_LINE)
    assert "Traceback" not in out + err
    assert "could not check" not in err


def test_file_over_the_bound_is_invalid_and_the_next_file_checked(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.truncate(loader.MAX_FILE_BYTES + 1)
    code, out, _ = run(str(big), str(BROKEN_01))
    assert code == cli.EXIT_INVALID
    assert out == (
        f"{big}:1 file is larger than 16 MiB, more than flagger-py reads in one file: split it "
        "(the API server takes at most 3 MiB per request)\n" + BROKEN_01_LINE
    )


def test_quiet_keeps_the_reasons_a_file_was_not_checked(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = cli.validate([str(tmp_path / "missing.yaml")], out=out, err=err, quiet=True)
    assert (code, out.getvalue()) == (cli.EXIT_UNREADABLE, "")
    assert (
        err.getvalue()
        == f"flagger-py validate: cannot read {tmp_path / 'missing.yaml'}: no such file or directory\n"
    )


def test_output_the_terminal_cannot_encode_is_escaped(tmp_path: Path) -> None:
    path = tmp_path / "canary.yaml"
    path.write_text(BROKEN_01.read_text().replace("name: podinfo", "name: podinfo-é"))
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="ascii")
    assert cli.validate([str(path)], out=out, err=io.StringIO()) == cli.EXIT_INVALID
    out.flush()
    assert raw.getvalue().decode("ascii") == (
        f"{path}:1 Canary/podinfo-\\xe9 spec.analysis.stepWeight: must be an integer (got 'ten')\n"
    )


def test_exit_codes_through_the_console_script(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "flagger_py.cli", "validate", str(tmp_path / "missing.yaml"), "-"],
        input="metadata: &m {name: x, labels: *m}\n---\n" + BROKEN_01.read_text(),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == cli.EXIT_UNREADABLE
    assert proc.stdout.splitlines() == [
        "<stdin>:1 alias *m (line 1) is inside the value of its own anchor &m (line 1): "
        "Kubernetes refuses recursive aliases; write the value out",
        "<stdin>:2 Canary/podinfo spec.analysis.stepWeight: must be an integer (got 'ten')",
    ]
    assert "Traceback" not in proc.stderr


def test_stdin_through_the_console_script() -> None:
    broken = (BROKEN / "04-step-weight-over-100.yaml").read_text()
    proc = subprocess.run(
        [sys.executable, "-m", "flagger_py.cli", "validate", "-"],
        input=broken,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stdout == (
        "<stdin>:1 Canary/podinfo spec.analysis.stepWeight: must be between 0 and 100 (got 150)\n"
    )


def test_five_megabyte_document_is_refused_clearly(tmp_path: Path) -> None:
    doc = yaml.safe_load(VALID)
    doc["spec"]["analysis"]["webhooks"] = [
        {"name": f"hook-{i}", "url": "http://loadtester.test/", "metadata": {"cmd": "x" * 1000}}
        for i in range(5000)
    ]
    path = tmp_path / "huge.yaml"
    path.write_text(yaml.safe_dump(doc))
    assert path.stat().st_size > 5_000_000
    code, out, _ = run(str(path))
    assert code == cli.EXIT_INVALID
    message = "object is 5.1 MiB as JSON; Kubernetes stores at most 1.5 MiB per object"
    assert out == f"{path}:1 Canary/podinfo {message}\n"


def test_nesting_too_deep_for_the_parser(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(
        "apiVersion: flagger.app/v1beta1\nkind: Canary\nspec: " + "[" * 100_000 + "]" * 100_000 + "\n"
    )
    code, out, _ = run(str(path))
    assert code == cli.EXIT_INVALID
    assert out == (
        f"{path}:1 nested more than 100 levels deep (line 3), counting what aliases stand for: "
        "flagger-py reads no deeper; flatten the structure\n"
    )


def test_version_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["version"]) == 0
    assert capsys.readouterr().out.startswith("flagger-py ")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=30,
)
field_names = st.sampled_from(
    [
        "targetRef",
        "analysis",
        "service",
        "provider",
        "interval",
        "threshold",
        "stepWeight",
        "stepWeights",
        "metrics",
        "webhooks",
        "match",
        "name",
        "port",
        "kind",
        "apiVersion",
        "alerts",
        "sessionAffinity",
    ]
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    kind=st.sampled_from(["Canary", "MetricTemplate", "AlertProvider", "Other"]),
    spec=st.dictionaries(field_names, json_values, max_size=6),
)
def test_no_input_raises(kind: str, spec: dict[str, object]) -> None:
    doc = {"apiVersion": "flagger.app/v1beta1", "kind": kind, "metadata": {"name": "x"}, "spec": spec}
    verdict = check_document(doc)
    assert verdict is not None
    for problem in verdict.problems:
        assert problem.message


yaml_fragments = st.lists(
    st.sampled_from(
        [
            "apiVersion: flagger.app/v1beta1\n",
            "kind: Canary\n",
            "kind: MetricTemplate\n",
            "metadata:\n",
            "  name: x\n",
            "spec:\n",
            "  analysis: {interval: 1m}\n",
            "---\n",
            "- a\n",
            "  - [\n",
            "}{",
            "&a [*a, *a]\n",
            "? x\n",
            "\t",
            ": :\n",
            "!!binary AAAA\n",
            "!!python/object:os.system x\n",
            "%YAML 1.1\n",
            "key: 2001-12-14\n",
        ]
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(fragments=yaml_fragments)
def test_no_text_raises(fragments: list[str], tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "doc.yaml"
    path.write_text("".join(fragments))
    code, _, err = run(str(path))
    assert code in (cli.EXIT_OK, cli.EXIT_INVALID)
    assert "Traceback" not in err
