"""The loader's bounds and readings: aliases, nesting, sizes, scalars, duplicate keys, Lists and
how much of a user's value a message repeats. Each test names the hostile input it replays."""

from __future__ import annotations

import io
import json
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flagger_py import cli
from flagger_py.manifest import echo, loader
from flagger_py.manifest.check import check_document, check_loaded, json_size
from tests.paths import REFERENCE, REPO, THIRDPARTY_CRDS
from tests.validate.test_cli import VALID

CANARY = VALID  # the one valid Canary of the validate tests
BROKEN_CANARY = CANARY.replace("stepWeight: 10", "stepWeight: ten")
STEP_WEIGHT_LINE = "Canary/podinfo spec.analysis.stepWeight: must be an integer (got 'ten')"


def load(text: str) -> list[loader.Document]:
    return list(loader.documents("t.yaml", text))


def errors(text: str) -> list[str | None]:
    return [d.error for d in load(text)]


def validate_text(tmp_path: Path, text: str) -> tuple[int, list[str], str]:
    path = tmp_path / "t.yaml"
    path.write_text(text)
    out, err = io.StringIO(), io.StringIO()
    code = cli.validate([str(path)], out=out, err=err)
    return code, [line.removeprefix(f"{path}:") for line in out.getvalue().splitlines()], err.getvalue()


@pytest.fixture(params=["libyaml", "python"])
def both_parsers(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test over libyaml's event parser and over PyYAML's own (used without libyaml)."""
    if request.param == "python":
        monkeypatch.setattr(loader, "_Loader", loader._PythonLoader)
    return str(request.param)


# --- 1. aliases, sizes, scalars ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("metadata: &m {name: x, labels: *m}\n", 1),  # the probe's input
        ("spec: &s [a, [b, *s]]\n", 1),
        ("spec: &s\n  a:\n    b: *s\n", 3),
        ("base: &b\n  <<: *b\n", 2),  # a merge key into itself: PyYAML would recurse forever
    ],
)
def test_alias_inside_its_own_anchor_is_refused(both_parsers: str, text: str, line: int) -> None:
    (document,) = load(text + "---\n" + CANARY)[:1]
    assert document.content is None
    assert document.error is not None
    assert f"(line {line}) is inside the value of its own anchor" in document.error
    assert "Kubernetes refuses recursive aliases" in document.error


def test_the_document_after_a_refused_one_is_still_read(tmp_path: Path) -> None:
    code, lines, _ = validate_text(tmp_path, "metadata: &m {name: x, labels: *m}\n---\n" + BROKEN_CANARY)
    assert code == cli.EXIT_INVALID
    assert lines[1] == f"2 {STEP_WEIGHT_LINE}"


def test_aliases_to_siblings_are_read_and_shared() -> None:
    (document,) = load("a: &a {x: 1}\nb: *a\nc: [*a, *a]\n")
    assert document.error is None
    assert document.content["b"] is document.content["a"]


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, levels)]
    return "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {name: laughs}\nspec:\n" + "".join(
        f"  {line}\n" for line in lines
    )


def merge_bomb(levels: int = 12) -> str:
    lines = ["m0: &m0 {a: 1, b: 2, c: 3, d: 4}"]
    lines += [
        f"m{i}: &m{i} {{<<: [*m{i - 1}, *m{i - 1}, *m{i - 1}, *m{i - 1}], k{i}: 1}}" for i in range(1, levels)
    ]
    return "".join(f"{line}\n" for line in lines)


@pytest.mark.parametrize(
    "text",
    [
        billion_laughs(),  # 672 bytes: 6 GB and 115 s before MemoryError until the loader counted
        billion_laughs(levels=30, width=2),  # 2**30 strings, from two aliases a level
        merge_bomb(),  # merge keys copy what they merge
        "big: &big [" + ", ".join(["x"] * 5000) + "]\nspread: [" + ", ".join(["*big"] * 100) + "]\n",
    ],
    ids=["billion-laughs", "binary-laughs", "merge-keys", "wide-alias"],
)
def test_alias_bomb_is_refused_fast_and_small(both_parsers: str, tmp_path: Path, text: str) -> None:
    tracemalloc.start()
    started = time.monotonic()
    try:
        code, lines, _ = validate_text(tmp_path, text + "---\n" + BROKEN_CANARY)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 5
    assert peak < 50 * 1024 * 1024
    assert code == cli.EXIT_INVALID
    assert lines[0].startswith(f"1 document has more than {loader.MAX_NODES:,} keys and values (line ")
    assert "aliases expanded: Kubernetes refuses excessive aliasing" in lines[0]
    assert lines[1] == f"2 {STEP_WEIGHT_LINE}"


def test_node_bound_counts_every_alias_as_what_it_stands_for(
    both_parsers: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # map, key a, list a with 3 items (4), key b, list b, two aliases of 4 nodes each: 16 nodes
    text = "a: &a [1, 1, 1]\nb: [*a, *a]\n"
    monkeypatch.setattr(loader, "MAX_NODES", 16)
    assert errors(text) == [None]
    monkeypatch.setattr(loader, "MAX_NODES", 15)
    (error,) = errors(text)
    assert error is not None
    assert error.startswith("document has more than 15 keys and values (line 2)")


def test_node_bound_without_aliases(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "MAX_NODES", 50)
    assert errors("k: [" + ", ".join(["1"] * 47) + "]\n") == [None]  # 47 items + map, key, list
    (error,) = errors("k: [" + ", ".join(["1"] * 48) + "]\n")
    assert error is not None
    assert error.startswith("document has more than 50 keys and values")


def nested_lists(depth: int) -> str:
    return "[" * depth + "]" * depth + "\n"


def test_depth_bound_is_exact(both_parsers: str) -> None:
    assert errors(nested_lists(loader.MAX_DEPTH)) == [None]
    (error,) = errors(nested_lists(loader.MAX_DEPTH + 1))
    assert error == (
        "nested more than 100 levels deep (line 1), counting what aliases stand for: "
        "flagger-py reads no deeper; flatten the structure"
    )


def test_depth_counts_what_an_alias_stands_for(both_parsers: str) -> None:
    anchored = "a: &deep " + nested_lists(60)
    assert errors(anchored + "b: " + "[" * 30 + "*deep" + "]" * 30 + "\n") == [None]  # 1 + 30 + 60 levels
    (error,) = errors(anchored + "b: " + "[" * 50 + "*deep" + "]" * 50 + "\n")
    assert error is not None
    assert error.startswith("nested more than 100 levels deep (line 2)")


@pytest.mark.parametrize(
    "deep",
    [
        nested_lists(10_000),
        "{a: " * 10_000 + "1" + "}" * 10_000 + "\n",
        "- " * 10_000 + "x\n",  # block sequences, one line
        "".join(" " * i + "a:\n" for i in range(400)) + " " * 400 + "a: 1\n",  # block mappings
        "a: &a [1]\n" + "".join(f"b{i}: &b{i} [*{'a' if i == 0 else f'b{i - 1}'}]\n" for i in range(200)),
    ],
    ids=["flow-lists", "flow-maps", "block-lists", "block-maps", "alias-chain"],
)
def test_ten_thousand_levels_are_refused_not_recursed(both_parsers: str, tmp_path: Path, deep: str) -> None:
    """A document nested too deeply ends its file: reading on past it would cost what the bound saves."""
    code, lines, err = validate_text(tmp_path, BROKEN_CANARY + "---\n" + deep + "---\n" + BROKEN_CANARY)
    assert code == cli.EXIT_INVALID, err
    assert len(lines) == 2
    assert lines[0] == f"1 {STEP_WEIGHT_LINE}"
    assert lines[1].startswith("2 nested more than 100 levels deep (line ")
    assert "Traceback" not in err


def test_file_over_the_bound_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.truncate(loader.MAX_FILE_BYTES + 1)  # sparse: 16 MiB of NUL bytes, read but never parsed
    started = time.monotonic()
    (document,) = loader.load(str(big))
    assert time.monotonic() - started < 5
    assert document.error == (
        "file is larger than 16 MiB, more than flagger-py reads in one file: split it "
        "(the API server takes at most 3 MiB per request)"
    )
    with pytest.raises(loader.TooLarge):  # and the simulator says so too
        loader.sources(str(big))


def test_file_at_the_bound_is_read(tmp_path: Path) -> None:
    path = tmp_path / "at.yaml"
    comment = "# padding\n"
    path.write_text(CANARY + comment * ((loader.MAX_FILE_BYTES - len(CANARY)) // len(comment)))
    assert path.stat().st_size <= loader.MAX_FILE_BYTES
    documents = list(loader.load(str(path)))
    assert [d.error for d in documents] == [None]


@pytest.mark.parametrize(
    ("literal", "read_as"),
    [
        ("9" * 5000, "9" * 5000),  # Python refuses to read 4,300+ digits; Kubernetes reads text
        ("-" + "9" * 400, "-" + "9" * 400),
        ("1" * 309, int("1" * 309)),  # below 2**1024: still a number
        ("9" * 309, "9" * 309),  # above 2**1024 (a float's range), so text, as go-yaml reads it
        ("0x" + "f" * 300, "0x" + "f" * 300),
        (":".join(["59"] * 300), ":".join(["59"] * 300)),  # base 60, 900 characters
        ("1_000", 1000),
    ],
    ids=["5000-digits", "negative", "309-ones", "309-nines", "hex", "base-60", "underscores"],
)
def test_integers_beyond_a_float_are_text(both_parsers: str, literal: str, read_as: object) -> None:
    (document,) = load(f"n: {literal}\n")
    assert document.error is None
    assert document.content == {"n": read_as}


def test_huge_integer_in_an_ignored_document_is_ignored(tmp_path: Path) -> None:
    code, lines, err = validate_text(
        tmp_path, "apiVersion: v1\nkind: ConfigMap\ndata:\n  n: " + "9" * 5000 + "\n"
    )
    assert (code, lines) == (cli.EXIT_OK, [])
    assert "0 flagger.app object(s) checked" in err


def test_binary_is_its_decoded_text(both_parsers: str) -> None:
    (document,) = load("!!binary aGVsbG8=: !!binary |\n  d29y\n  bGQ=\nraw: !!binary /w==\n")
    assert document.content == {"hello": "world", "raw": "\ufffd"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: !!binary not-base64!\n", "!!binary 'not-base64!' is not base64"),
        ("a: !!int five\n", "'five' is not a !!int"),
        ('a: !!int ""\n', "'' is not a !!int"),
        ("a: !!float x\n", "'x' is not a !!float"),
        ("a: !!bool maybe\n", "'maybe' is not a !!bool"),
        ("a: !!timestamp soon\n", "'soon' is not a !!timestamp"),
        ("a: !Ref x\n", "could not determine a constructor for the tag '!Ref'"),
        ("a: *nowhere\n", "found undefined alias 'nowhere'"),
    ],
)
def test_unreadable_values_are_reported_and_the_next_document_read(
    both_parsers: str, text: str, message: str
) -> None:
    first, second = load(text + "---\n" + CANARY)
    assert first.error is not None
    assert first.error.startswith(f"not valid YAML: {message} (line 1, column ")
    assert (second.index, second.error) == (2, None)


def test_python_tags_run_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    code, lines, _ = validate_text(
        tmp_path, f"a: !!python/object/apply:os.system ['touch {marker}']\nb: !!python/name:os.system x\n"
    )
    assert code == cli.EXIT_INVALID
    assert lines == [
        "1 not valid YAML: could not determine a constructor for the tag "
        "'tag:yaml.org,2002:python/object/apply:os.system' (line 1, column 4)"
    ]
    assert not marker.exists()


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("kind: Canary\nname: \x00\n", "#x0000 is not allowed in YAML (line 2, column 7)"),
        ("a: b\x1b[31m\n", "#x001b is not allowed in YAML (line 1, column 5)"),
        ("é: \x7f\n", "#x007f is not allowed in YAML (line 1, column 4)"),
    ],
)
def test_control_characters_are_reported_with_their_place(text: str, where: str) -> None:
    (error,) = errors(text)
    assert error == (
        f"not valid YAML: character {where}; remove it, or write it as an escape in a double-quoted string"
    )


def test_not_utf8_names_the_byte_and_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("a: 1\nname: café\n".encode("latin-1"))
    with pytest.raises(loader.UnreadableInput, match=r"not UTF-8 text \(byte 14, line 2\); save it as UTF-8"):
        loader.read_text(str(path))


def reference_files() -> Iterator[Path]:
    for root in (REPO / "examples", REFERENCE, THIRDPARTY_CRDS):
        yield from sorted(p for p in root.rglob("*") if p.suffix in loader.SUFFIXES)


@pytest.mark.shared
def test_every_reference_manifest_fits_a_tenth_of_the_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bounds leave room: Flagger's manifests, the examples and 4 MB of upstream CRDs (the
    largest document: 11,709 nodes, 41 levels) read with a tenth of the nodes and half the depth."""
    monkeypatch.setattr(loader, "MAX_NODES", loader.MAX_NODES // 10)
    monkeypatch.setattr(loader, "MAX_DEPTH", loader.MAX_DEPTH // 2)
    files = list(reference_files())
    assert len(files) > 60
    for path in files:
        assert path.stat().st_size < loader.MAX_FILE_BYTES // 10
        for document in loader.load(str(path)):
            assert document.error is None, (path, document.error)


# --- 3. duplicate keys ---------------------------------------------------------------------------


def duplicate_lines(tmp_path: Path, text: str) -> list[str]:
    return [line for line in validate_text(tmp_path, text)[1] if "duplicate key" in line]


def test_duplicate_key_names_the_mapping_and_both_lines(tmp_path: Path) -> None:
    text = CANARY.replace(
        "  analysis: {interval: 1m, threshold: 5, stepWeight: 10}\n",
        "  analysis:\n    interval: 1m\n    threshold: 5\n    stepWeight: 10\n    interval: 2m\n",
    )
    code, lines, _ = validate_text(tmp_path, text)
    assert code == cli.EXIT_INVALID  # valid but for the duplicate
    assert lines == [
        "1 Canary/podinfo spec.analysis: duplicate key 'interval' (lines 9 and 12): "
        "YAML keeps the later value but Kubernetes clients differ; keep one"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (CANARY + "kind: Canary\n", ["1 Canary/podinfo duplicate key 'kind' (lines 2 and 9)"]),
        (
            CANARY.replace("service: {port: 9898}", "service: {port: 9898, port: 80, port: 81}"),
            [
                "1 Canary/podinfo spec.service: duplicate key 'port' (line 7)",
                "1 Canary/podinfo spec.service: duplicate key 'port' (line 7)",
            ],
        ),
        (
            CANARY.replace("stepWeight: 10}", "stepWeight: 10, metrics: [{name: a, interval: 1m, name: b}]}"),
            ["1 Canary/podinfo spec.analysis.metrics[0]: duplicate key 'name' (line 8)"],
        ),
        (
            CANARY.replace("metadata:\n", "metadata:\n  labels: {'a.b/c': x, 'a.b/c': y}\n"),
            ["1 Canary/podinfo metadata.labels: duplicate key 'a.b/c' (line 4)"],
        ),
    ],
    ids=["top-level", "three-times", "in-a-list", "quoted-key"],
)
def test_duplicate_key_paths(tmp_path: Path, text: str, expected: list[str]) -> None:
    assert [line.split("):")[0] + ")" for line in duplicate_lines(tmp_path, text)] == expected


def test_merge_keys_are_not_duplicates(tmp_path: Path) -> None:
    text = CANARY.replace(
        "  analysis: {interval: 1m, threshold: 5, stepWeight: 10}\n",
        "  analysis:\n    <<: &defaults {interval: 1m, threshold: 5, stepWeight: 20}\n    stepWeight: 10\n",
    )
    assert validate_text(tmp_path, text)[:2] == (cli.EXIT_OK, [])


def test_duplicates_in_other_kinds_are_ignored(tmp_path: Path) -> None:
    assert validate_text(tmp_path, "apiVersion: v1\nkind: ConfigMap\ndata: {a: 1, a: 2}\n")[:2] == (
        cli.EXIT_OK,
        [],
    )


def test_a_flagger_app_version_written_first_is_still_checked(tmp_path: Path) -> None:
    """apiVersion twice, Canary first: the clients that keep the first value create a Canary."""
    text = CANARY.replace("kind: Canary\n", "kind: Canary\napiVersion: apps/v1\n")
    code, lines, _ = validate_text(tmp_path, text)
    assert code == cli.EXIT_INVALID
    assert lines == [
        "1 Canary/podinfo duplicate key 'apiVersion' (lines 1 and 3): "
        "YAML keeps the later value but Kubernetes clients differ; keep one"
    ]


@pytest.mark.parametrize("number", range(len(CANARY.splitlines())))
def test_any_line_of_a_valid_canary_written_twice_fails(tmp_path: Path, number: int) -> None:
    """The probe's 78 silent passes: a line repeated below itself, same key and same value."""
    lines = CANARY.splitlines(keepends=True)
    text = "".join([*lines[: number + 1], lines[number], *lines[number + 1 :]])
    code, out, _ = validate_text(tmp_path, text)
    assert code == cli.EXIT_INVALID
    key = lines[number].strip().split(":")[0]
    assert any(f"duplicate key '{key}' (lines {number + 1} and {number + 2})" in line for line in out), out


# --- 4. Lists ------------------------------------------------------------------------------------


def indented(text: str, first: str = "  - ", rest: str = "    ") -> str:
    lines = text.splitlines()
    return "".join([first + lines[0] + "\n"] + [rest + line + "\n" for line in lines[1:]])


@pytest.mark.parametrize(
    ("api_version", "kind"), [("v1", "List"), ("flagger.app/v1beta1", "CanaryList"), ("v1", "ConfigMapList")]
)
def test_list_items_are_checked(tmp_path: Path, api_version: str, kind: str) -> None:
    text = f"apiVersion: {api_version}\nkind: {kind}\nitems:\n" + indented(CANARY) + indented(BROKEN_CANARY)
    code, lines, err = validate_text(tmp_path, text)
    assert code == cli.EXIT_INVALID
    assert lines == ["1 Canary/podinfo items[1].spec.analysis.stepWeight: must be an integer (got 'ten')"]
    assert "2 flagger.app object(s) checked, 1 invalid" in err


def test_lists_in_lists(tmp_path: Path) -> None:
    inner = "apiVersion: v1\nkind: List\nitems:\n" + indented(BROKEN_CANARY)
    text = "apiVersion: v1\nkind: List\nitems:\n" + indented(CANARY) + indented(inner)
    assert validate_text(tmp_path, text)[1] == [
        "1 Canary/podinfo items[1].items[0].spec.analysis.stepWeight: must be an integer (got 'ten')"
    ]


def test_list_of_valid_objects_is_valid(tmp_path: Path) -> None:
    code, lines, err = validate_text(tmp_path, "apiVersion: v1\nkind: List\nitems:\n" + indented(CANARY) * 3)
    assert (code, lines) == (cli.EXIT_OK, [])
    assert "3 flagger.app object(s) checked, 0 invalid" in err


def test_list_item_that_is_not_an_object(tmp_path: Path) -> None:
    text = "apiVersion: v1\nkind: List\nitems:\n  - just text\n" + indented(CANARY)
    assert validate_text(tmp_path, text)[1] == [
        "1 items[0]: document must be a mapping with apiVersion and kind (got 'just text')"
    ]


def test_duplicate_items_key_of_a_list_of_canaries(tmp_path: Path) -> None:
    text = "apiVersion: v1\nkind: List\nitems: []\nitems:\n" + indented(CANARY)
    code, lines, _ = validate_text(tmp_path, text)
    assert code == cli.EXIT_INVALID
    assert lines == [
        "1 List/<unnamed> duplicate key 'items' (lines 3 and 4): "
        "YAML keeps the later value but Kubernetes clients differ; keep one"
    ]


def test_list_kinds_without_items_are_other_kinds(tmp_path: Path) -> None:
    assert validate_text(tmp_path, "apiVersion: v1\nkind: List\nitems: 3\n")[:2] == (cli.EXIT_OK, [])


# --- 5. echoed values ----------------------------------------------------------------------------

MEGA = "x" * 1_000_000


@pytest.mark.parametrize(
    "text",
    [
        BROKEN_CANARY.replace("name: podinfo\n", f"name: {MEGA}\n", 1),
        CANARY.replace("kind: Canary", f"kind: {MEGA}"),
        CANARY.replace("flagger.app/v1beta1", f"flagger.app/{MEGA}"),
        CANARY.replace("flagger.app/v1beta1", f"'flagger.app/{' '.join(['v1'] * 300_000)}'"),
        CANARY.replace("  service:", f"  ? {MEGA}\n  : 1\n  service:"),
        CANARY.replace("  service:", f"  ? '{MEGA} y'\n  : 1\n  service:"),
        CANARY.replace("stepWeight: 10", f"stepWeight: '{MEGA}'"),
        CANARY.replace("interval: 1m", f"interval: {MEGA}"),
        CANARY + f"kind: Canary\n? {MEGA}\n: 1\n? {MEGA}\n: 2\n",
        CANARY.replace("spec:", f"spec: !{MEGA}"),
        CANARY.replace("spec:", f"spec: *{MEGA}\nother:"),
        "apiVersion: flagger.app/v1beta1\nkind: AlertProvider\nmetadata: {name: x}\n"
        f"spec: {{type: {MEGA}, address: 'http://x/'}}\n",
        CANARY.replace("stepWeight: 10}", f"stepWeight: 10, webhooks: [{{name: a, url: 'ftp://{MEGA}'}}]}}"),
    ],
    ids=[
        "name",
        "kind",
        "api-version",
        "api-version-words",
        "key",
        "quoted-key",
        "value",
        "interval",
        "duplicate-key",
        "tag",
        "alias",
        "alert-provider",
        "webhook-url",
    ],
)
def test_megabyte_values_are_echoed_short(tmp_path: Path, text: str) -> None:
    code, lines, err = validate_text(tmp_path, text)
    assert code == cli.EXIT_INVALID, lines
    assert any("..." in line or "\u2026" in line for line in lines), lines  # the value is there, shortened
    for line in lines:
        assert len(line) < 2 * echo.MAX_MESSAGE, line[:300]
        assert "x" * 121 not in line  # a name shows 120 characters at most, a value 80
    assert len(err) < 200


def test_control_characters_in_names_stay_on_one_line(both_parsers: str, tmp_path: Path) -> None:
    text = BROKEN_CANARY.replace("name: podinfo\n", 'name: "pod\\u2028in\\x1bfo\\x85"\n', 1)
    code, lines, _ = validate_text(tmp_path, text)
    assert code == cli.EXIT_INVALID
    assert lines == ["1 Canary/pod in fo spec.analysis.stepWeight: must be an integer (got 'ten')"]


def test_lone_surrogates_in_names_stay_printable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """PyYAML's own parser reads the escape \\ud800 (libyaml refuses it): no encoding can write it."""
    monkeypatch.setattr(loader, "_Loader", loader._PythonLoader)
    text = BROKEN_CANARY.replace("name: podinfo\n", 'name: "pod\\ud800"\n', 1)
    code, lines, _ = validate_text(tmp_path, text)
    assert code == cli.EXIT_INVALID
    assert lines == ["1 Canary/pod? spec.analysis.stepWeight: must be an integer (got 'ten')"]
    assert "\n".join(lines).encode("utf-8")  # no lone surrogate left to fail the write


def test_message_shortens_any_long_quoted_value_and_word() -> None:
    message = f"must be one of: a, b (got {MEGA!r}) (did you mean 'a'?) {'9' * 5000} \"{MEGA}\""
    short = echo.message(message)
    assert short == (
        "must be one of: a, b (got '"
        + "x" * 77
        + "...') (did you mean 'a'?) "
        + "9" * 77
        + '... "'
        + "x" * 77
        + '..."'
    )
    assert (
        echo.message("spec.analysis.metrics[0].templateRef.name")
        == "spec.analysis.metrics[0].templateRef.name"
    )
    assert len(echo.message("x " * 10_000)) == echo.MAX_MESSAGE


# --- size measured, not written ------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(), children, max_size=5),
    max_leaves=40,
)


@settings(max_examples=200, deadline=None)
@given(value=json_values)
def test_json_size_is_the_size_of_compact_json(value: Any) -> None:
    assert json_size(value) == len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def test_json_size_of_shared_parts_without_expanding_them() -> None:
    value: Any = ["x"]
    for _ in range(60):
        value = [value, value]  # 2**60 strings once written out
    started = time.monotonic()
    size = json_size(value)
    assert time.monotonic() - started < 1
    assert size == 8 * 2**60 - 3  # '["x"]' is 5 bytes, and each level doubles it and adds '[', ',' and ']'
    verdict = check_document(
        {"apiVersion": "flagger.app/v1beta1", "kind": "Canary", "metadata": {"name": "x"}, "spec": value}
    )
    assert verdict is not None
    assert [str(p) for p in verdict.problems] == [
        "object is 8796093022208.0 MiB as JSON; Kubernetes stores at most 1.5 MiB per object"
    ]


def test_object_that_contains_itself() -> None:
    spec: dict[str, Any] = {}
    spec["self"] = spec
    verdict = check_document(
        {"apiVersion": "flagger.app/v1beta1", "kind": "Canary", "metadata": {"name": "x"}, "spec": spec}
    )
    assert verdict is not None
    assert [str(p) for p in verdict.problems] == ["object contains itself (a recursive alias)"]


def test_check_loaded_of_an_unreadable_document() -> None:
    (document,) = load("a: [\n")
    (verdict,) = check_loaded(document)
    assert (verdict.kind, verdict.valid) == ("", False)
    assert str(verdict.problems[0]).startswith("not valid YAML: ")
