"""flagger-py validate over hostile YAML: real manifests (examples/ and shared/flagger-reference)
mutated at the YAML level, with aliases (recursive ones and bombs), tags, huge scalars and
integers, duplicate keys, deep nesting, bytes that are not UTF-8, NULs and List wrappers.

Whatever the input: no exception leaves the command, it exits 0, 1 or 2 (2 only for text that is
not UTF-8), flagger-py never fails on a file ("could not check"), every line names a field or says
why the document was refused, and each input is judged in bounded time and memory.
"""

from __future__ import annotations

import io
import json
import re
import resource
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flagger_py import cli
from flagger_py.manifest import echo, loader
from tests.paths import REFERENCE, REPO

SEED_FILES = sorted((REPO / "examples").glob("*.yaml")) + sorted(
    p for p in REFERENCE.rglob("*.yaml") if p.name != "crd.yaml"
)
SEEDS = [p.read_text() for p in SEED_FILES]
SEED_OBJECTS = [
    d.content for text in SEEDS for d in loader.documents("seed", text) if isinstance(d.content, dict)
]
SECONDS_PER_INPUT = 10  # generous: the slowest input here takes about one; a bomb took 115 before
MIB = 1024 * 1024


# --- the emitted YAML ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Raw:
    """A piece of flow YAML written as is: an alias, a tag, a bomb."""

    text: str


@dataclass(frozen=True)
class Pairs:
    """A mapping that may write a key twice."""

    items: tuple[tuple[Any, Any], ...]


def flow(value: Any) -> str:
    """``value`` as flow YAML (JSON, but for the raw pieces)."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, Pairs):
        return "{" + ", ".join(f"{flow(k)}: {flow(v)}" for k, v in value.items) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{flow(str(k))}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False, default=str)


def paths(value: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield at
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*at, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, (*at, index))


def replaced(value: Any, at: tuple[Any, ...], new: Callable[[Any], Any]) -> Any:
    if not at:
        return new(value)
    head, rest = at[0], at[1:]
    if isinstance(value, dict):
        return {k: replaced(v, rest, new) if k == head else v for k, v in value.items()}
    return [replaced(v, rest, new) if i == head else v for i, v in enumerate(value)]


def laughs(levels: int, width: int) -> Raw:
    parts = [f"&b0 [{', '.join(['lol'] * width)}]"]
    parts += [f"&b{i} [{', '.join([f'*b{i - 1}'] * width)}]" for i in range(1, levels)]
    return Raw("[" + ", ".join(parts) + "]")


def nested(depth: int, mapping: bool) -> Raw:
    return Raw("{a: " * depth + "1" + "}" * depth if mapping else "[" * depth + "]" * depth)


# --- mutations -----------------------------------------------------------------------------------

sizes = st.sampled_from([1, 99, 100, 101, 1_000, 10_000])
long_sizes = st.sampled_from([81, 400, 4_300, 4_301, 5_000, 100_000, 2_000_000])

fragments = st.one_of(
    st.just(Raw("&r [1, *r]")),
    st.just(Raw("&r {a: {b: *r}}")),
    st.just(Raw("&r {<<: *r}")),
    st.just(Raw("[&s {a: 1}, *s, *s]")),
    st.just(Raw("{<<: [&m {a: 1}, *m], b: 2}")),
    st.builds(laughs, st.integers(2, 12), st.integers(2, 10)),
    st.sampled_from(
        [
            "!!binary aGVsbG8=",
            "!!binary 'not base64!'",
            "{!!binary aGVsbG8=: 1, !!binary /w==: 2}",
            "!!python/object/apply:os.system ['true']",
            "!!python/name:os.system x",
            "!Unknown x",
            "!!int five",
            '!!int ""',
            "!!float x",
            "!!bool maybe",
            "!!set {a, b}",
            "!!omap [{a: 1}, {b: 2}]",
            "!!pairs [{a: 1}, {a: 2}]",
            "!!timestamp 2001-12-14",
            "!!timestamp soon",
            "!!str 5",
            "!!int 0x1F",
            "!!null x",
            "*undefined",
            "~",
            ".nan",
            "-.inf",
            "0o17",
            "1:20:30",
            "yes",
            "2001-12-14",
            '"\\x00\\u2028\\x1b[31m"',
            '"\\ud800"',
        ]
    ).map(Raw),
    st.builds(lambda n: Raw("9" * n), long_sizes),
    st.builds(lambda n: Raw("-0x" + "f" * n), long_sizes),
    st.builds(lambda n: Raw(json.dumps("x" * n)), long_sizes),
    st.builds(lambda n: Raw("{? " + "k" * n + " : 1}"), long_sizes),
    st.builds(lambda n: Raw("!" + "t" * n + " x"), long_sizes),
    st.builds(nested, sizes, st.booleans()),
)


@st.composite
def tree_mutation(draw: st.DrawFn, value: Any) -> Any:
    at = draw(st.sampled_from(list(paths(value))))
    kind = draw(st.sampled_from(["replace", "duplicate", "list"]))
    if kind == "replace":
        piece = draw(fragments)
        return replaced(value, at, lambda _: piece)
    if kind == "duplicate":

        def twice(node: Any) -> Any:
            if not isinstance(node, dict) or not node:
                return node
            items = list(node.items())
            key, item = items[draw(st.integers(0, len(items) - 1))]
            again = item if draw(st.booleans()) else draw(fragments)
            return Pairs((*items, (key, again)))

        return replaced(value, at, twice)
    kind_name = draw(st.sampled_from(["List", "CanaryList", "ConfigMapList"]))
    other = draw(st.sampled_from(SEED_OBJECTS))
    return {"apiVersion": "v1", "kind": kind_name, "items": [value, other]}


@st.composite
def line_mutation(draw: st.DrawFn, text: str) -> str:
    lines = text.splitlines(keepends=True) or ["\n"]
    i = draw(st.integers(0, len(lines) - 1))
    j = draw(st.integers(0, len(lines) - 1))
    kind = draw(st.sampled_from(["repeat", "drop", "anchor", "tag", "value", "indent", "document"]))
    line = lines[i]
    if kind == "repeat":
        return "".join([*lines[: i + 1], line, *lines[i + 1 :]])  # a key written twice
    if kind == "drop":
        return "".join(lines[:i] + lines[i + 1 :])
    if kind == "anchor":  # &a on one key, *a on another: inside its own anchor when j is below i
        lines[i] = re.sub(r":(\s|$)", r": &a\1", line, count=1)
        lines[j] = re.sub(r":\s.*$", ": *a", lines[j].rstrip("\n")) + "\n"
        return "".join(lines)
    if kind == "tag":
        tag = draw(st.sampled_from(["!!binary ", "!!int ", "!!python/object:os.system ", "!x ", "!!str "]))
        lines[i] = re.sub(r":\s", lambda _: f": {tag}", line, count=1)
        return "".join(lines)
    if kind == "value":
        piece = flow(draw(fragments))
        lines[i] = re.sub(r":\s.*$", lambda _: f": {piece}", line.rstrip("\n")) + "\n"
        return "".join(lines)
    if kind == "indent":
        lines[i] = " " * draw(st.sampled_from([1, 2, 40, 400])) + line
        return "".join(lines)
    return text + "\n---\n" + flow(draw(fragments)) + "\n"


@st.composite
def hostile_manifests(draw: st.DrawFn) -> bytes:
    if draw(st.booleans()):
        text = draw(st.sampled_from(SEEDS))
        for _ in range(draw(st.integers(1, 3))):
            text = draw(line_mutation(text))
    else:
        value = draw(st.sampled_from(SEED_OBJECTS))
        for _ in range(draw(st.integers(1, 3))):
            value = draw(tree_mutation(value))
        text = flow(value) + "\n"
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 4)) == 0:
        junk = draw(
            st.sampled_from([b"\x00", b"\xff\xfe", b"\xc3\x28", b"\xef\xbb\xbf", b"\x1b", b"\xed\xa0\x80"])
        )
        where = draw(st.integers(0, len(data)))
        data = data[:where] + junk + data[where:]
    return data


# --- what every answer must look like ------------------------------------------------------------

_NAME = r"[A-Za-z_][\w-]*(?:\.\.\.)?"  # a key in a path, perhaps shortened
_INDEX = r"""\[(?:\d+|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\]"""  # [2], ['a.b/c']
FIELD = re.compile(rf"(?:^|\s)(?:{_NAME}|{_INDEX})(?:\.{_NAME}|{_INDEX})*: \S")
REFUSED = (
    "not valid YAML: ",
    "nested more than ",
    "document has more than ",
    "alias *",
    "file is larger than ",
    "document must be a mapping with apiVersion and kind",
)
WHOLE_OBJECT = re.compile(r"^\S+/.* (?:object is [\d.]+ MiB as JSON|object contains itself|duplicate key )")


def check_answer(path: Path, code: int, out: str, err: str) -> None:
    assert code in (cli.EXIT_OK, cli.EXIT_INVALID, cli.EXIT_UNREADABLE)
    assert "Traceback" not in out + err
    assert "could not check" not in err, err  # flagger-py itself never fails on an input
    if code == cli.EXIT_UNREADABLE:
        assert f"cannot read {path}: not UTF-8 text (byte " in err, err
    for line in out.splitlines():
        assert line.startswith(f"{path}:"), line[:200]
        rest = re.sub(r"^\d+ ", "", line.removeprefix(f"{path}:"))
        assert len(rest) < 2 * echo.MAX_MESSAGE + 250, rest[:300]
        assert rest.startswith(REFUSED) or FIELD.search(rest) or WHOLE_OBJECT.search(rest), rest[:300]
    assert (code == cli.EXIT_INVALID) == bool(out)


@pytest.fixture(scope="module")
def peak_memory() -> Iterator[None]:
    """The whole run raises the process's peak memory by less than 500 MiB (a bomb took 6 GB)."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    yield
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 500 * 1024  # KiB


def test_there_are_seeds() -> None:
    assert len(SEED_FILES) >= 4
    assert any(o.get("kind") == "Canary" for o in SEED_OBJECTS)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
@given(data=hostile_manifests())
def test_validate_survives_hostile_yaml(
    data: bytes, tmp_path_factory: pytest.TempPathFactory, peak_memory: None
) -> None:
    path = tmp_path_factory.mktemp("hostile") / "manifest.yaml"
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    started = time.monotonic()
    code = cli.validate([str(path)], out=out, err=err)
    elapsed = time.monotonic() - started
    check_answer(path, code, out.getvalue(), err.getvalue())
    assert elapsed < SECONDS_PER_INPUT, (elapsed, data[:300])


@pytest.mark.parametrize(
    "piece",
    [laughs(9, 9), laughs(40, 2), Raw("&r {<<: *r}"), nested(10_000, True), Raw("9" * 5_000)],
    ids=["billion-laughs", "two-to-the-forty", "merge-into-itself", "ten-thousand-maps", "5000-digits"],
)
def test_the_worst_pieces_in_every_field_of_a_canary(tmp_path: Path, piece: Raw) -> None:
    """The fuzzer's worst pieces, each in every field of a real Canary in turn: fast every time."""
    canary = next(o for o in SEED_OBJECTS if o.get("kind") == "Canary")
    path = tmp_path / "manifest.yaml"
    started = time.monotonic()
    for at in list(paths(canary))[1:]:
        path.write_text(flow(replaced(canary, at, lambda _: piece)) + "\n")
        out, err = io.StringIO(), io.StringIO()
        code = cli.validate([str(path)], out=out, err=err)
        check_answer(path, code, out.getvalue(), err.getvalue())
    assert time.monotonic() - started < 30
