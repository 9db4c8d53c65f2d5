"""Reading YAML documents from files, directories and standard input, within fixed bounds.

Every bound is checked while reading, before anything is expanded, so that no input costs more
than the bounds allow; a document or file beyond one is reported (``Document.error``) and the
next one is read (the next file, after a document nested too deeply or a syntax error):

- a file holds at most :data:`MAX_FILE_BYTES` (the API server takes 3 MiB per request);
- a document expands to at most :data:`MAX_NODES` nodes, every alias counted as the nodes it
  stands for (a "billion laughs" of 672 bytes stops here, not after 6 GB), and nests at most
  :data:`MAX_DEPTH` levels, aliases included;
- an alias inside the value of its own anchor is refused, as Kubernetes' YAML reader does.

Values are read as Kubernetes reads them where PyYAML differs: timestamps stay strings,
``!!binary`` is the decoded text, an integer beyond a 64-bit float (over 309 digits) is a string.
Duplicate keys are kept as YAML says (the later wins) and listed in ``Document.duplicates``.
"""

from __future__ import annotations

import base64
import binascii
import io
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import yaml
from yaml.composer import Composer, ComposerError
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from flagger_py.crd.structural import join_path
from flagger_py.manifest import echo

SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"
MIB = 1024 * 1024
# The largest manifest in shared/flagger-reference, examples/ and shared/thirdparty-crds is a
# 0.9 MiB file of CRDs; its largest document has 11,709 nodes and nests 41 levels.
MAX_FILE_BYTES = 16 * MIB
MAX_NODES = 200_000
MAX_DEPTH = 100
# An integer literal longer than this is text without being computed: all but absurd zero padding
# is beyond a 64-bit float anyway (see the module), and Python refuses 4,300 digits and more.
_MAX_INT_TEXT = 400
_MERGE_TAG = "tag:yaml.org,2002:merge"


class UnreadableInput(Exception):
    """A path that does not exist, cannot be read, or is not text."""


class TooLarge(UnreadableInput):
    """A file over :data:`MAX_FILE_BYTES`."""


@dataclass(frozen=True)
class Duplicate:
    """A key written twice in one mapping: the later value is the one read."""

    path: str  # the mapping's path, '' for the document itself
    key: str  # the key as written
    first_line: int
    line: int
    values: tuple[str | None, str | None]  # both values when they are scalars (apiVersion: ...)

    @property
    def message(self) -> str:
        where = (
            f"lines {self.first_line} and {self.line}"
            if self.first_line != self.line
            else f"line {self.line}"
        )
        return (
            f"duplicate key {echo.quoted(self.key)} ({where}): YAML keeps the later value but "
            "Kubernetes clients differ; keep one"
        )


@dataclass(frozen=True)
class Document:
    """One YAML document: where it came from and what it holds (or why it could not be parsed)."""

    source: str
    index: int  # 1-based position in its file
    content: Any
    error: str | None = None
    duplicates: tuple[Duplicate, ...] = ()


class _Refused(yaml.YAMLError):
    """A document beyond a bound: its message is the whole report. Reading goes on with the next
    document unless ``final`` (too deep: reading past it would cost what the bound prevents)."""

    def __init__(self, message: str, *, final: bool = False) -> None:
        super().__init__(message)
        self.final = final


class _Reading(Composer, SafeConstructor, Resolver):
    """A safe loader that counts what it composes and reads values as Kubernetes does (see the
    module), over either event parser below."""

    if TYPE_CHECKING:

        def peek_event(self) -> Any: ...

        def dispose(self) -> None: ...

        def check_event(self, *choices: Any) -> bool: ...

        def get_event(self) -> Any: ...

    def _start_document(self) -> None:
        self._nodes = 0  # of this document, aliases expanded
        self._depth = 0  # of the node being composed
        self._reach: list[int] = []  # deepest level reached under each open node, aliases expanded
        self._open: dict[str, int] = {}  # anchors whose node is being composed -> line
        self._sizes: dict[int, tuple[int, int]] = {}  # id(anchored node) -> (nodes, height)
        self._path: list[str | int | None] = []
        self._in_document = False
        self.duplicates: list[Duplicate] = []

    def compose_document(self) -> Node | None:
        self._start_document()
        self._in_document = True
        node = super().compose_document()
        self._in_document = False
        self._sizes.clear()
        return node

    def skip_document(self) -> None:
        """After a document was refused: forget what was built of it and read on to the next one."""
        self.constructed_objects = {}
        self.recursive_objects = {}
        self.state_generators = []
        self.deep_construct = False
        self.anchors = {}
        if self._in_document:
            while not self.check_event(yaml.DocumentEndEvent):
                self.get_event()
            self.get_event()
            self._in_document = False
        self._start_document()

    def compose_node(self, parent: Node | None, index: Any) -> Any:
        event: Any = self.peek_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            return self._compose_alias(str(event.anchor), line, parent, index)
        self._depth += 1
        self._enter(line, self._depth)
        self._count(1, line)
        before = self._nodes
        anchor = event.anchor
        if anchor is not None and isinstance(event, yaml.CollectionStartEvent):
            self._open[anchor] = line
        self._path.append(_segment(parent, index))
        try:
            node: Any = super().compose_node(parent, index)
            if isinstance(node, MappingNode):
                self._find_duplicates(node)
        finally:
            self._path.pop()
            self._open.pop(anchor or "", None)
            depth, self._depth = self._depth, self._depth - 1
            reached = self._reach.pop()
            if self._reach:
                self._reach[-1] = max(self._reach[-1], reached)
        if anchor is not None:
            self._sizes[id(node)] = (self._nodes - before + 1, reached - depth + 1)
        return node

    def _compose_alias(self, anchor: str, line: int, parent: Node | None, index: Any) -> Any:
        if anchor in self._open:
            raise _Refused(
                f"alias *{echo.value(anchor, 40)} (line {line}) is inside the value of its own anchor "
                f"&{echo.value(anchor, 40)} (line {self._open[anchor]}): Kubernetes refuses recursive "
                "aliases; write the value out"
            )
        node: Any = super().compose_node(parent, index)  # the anchored node, or a ComposerError
        nodes, height = self._sizes.get(id(node), (1, 1))
        self._enter(line, self._depth + height)
        self._reach.pop()
        self._count(nodes, line)
        return node

    def _enter(self, line: int, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise _Refused(_too_deep(line), final=True)
        if self._reach:
            self._reach[-1] = max(self._reach[-1], depth)
        self._reach.append(depth)

    def _count(self, nodes: int, line: int) -> None:
        self._nodes += nodes
        if self._nodes > MAX_NODES:
            raise _Refused(
                f"document has more than {MAX_NODES:,} keys and values (line {line}), aliases "
                "expanded: Kubernetes refuses excessive aliasing and flagger-py reads no more; "
                "use fewer aliases or split the document"
            )

    def _find_duplicates(self, node: MappingNode) -> None:
        seen: dict[Any, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG or not isinstance(key_node, ScalarNode):
                continue  # merged keys may be overridden; complex keys are refused on construction
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, (key_node, value_node))
            except TypeError:
                continue  # unhashable: the constructor refuses it
            if first[0] is key_node:
                continue
            self.duplicates.append(
                Duplicate(
                    path=_join(self._path),
                    key=str(key_node.value),
                    first_line=first[0].start_mark.line + 1,
                    line=key_node.start_mark.line + 1,
                    values=(_scalar(first[1]), _scalar(value_node)),
                )
            )

    def construct_yaml_int(self, node: ScalarNode) -> Any:
        text = str(node.value)
        if len(text) > _MAX_INT_TEXT:
            return text
        value = _guard(node, "!!int", lambda: super(_Reading, self).construct_yaml_int(node))
        return text if abs(value) >= 2**1024 else value

    def construct_yaml_float(self, node: ScalarNode) -> Any:
        return _guard(node, "!!float", lambda: super(_Reading, self).construct_yaml_float(node))

    def construct_yaml_bool(self, node: ScalarNode) -> Any:
        return _guard(node, "!!bool", lambda: super(_Reading, self).construct_yaml_bool(node))

    def construct_yaml_timestamp(self, node: ScalarNode) -> Any:
        return _guard(node, "!!timestamp", lambda: super(_Reading, self).construct_yaml_timestamp(node))

    def construct_yaml_binary(self, node: ScalarNode) -> Any:
        text = self.construct_scalar(node)
        try:
            return base64.b64decode("".join(text.split()), validate=True).decode("utf-8", "replace")
        except (binascii.Error, ValueError) as exc:
            raise ConstructorError(
                None, None, f"!!binary {echo.quoted(text)} is not base64", node.start_mark
            ) from exc


_Reading.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _tag, _name in [
    ("int", "construct_yaml_int"),
    ("float", "construct_yaml_float"),
    ("bool", "construct_yaml_bool"),
    ("timestamp", "construct_yaml_timestamp"),
    ("binary", "construct_yaml_binary"),
]:
    _Reading.add_constructor(f"tag:yaml.org,2002:{_tag}", getattr(_Reading, _name))


class _PythonLoader(_Reading, Reader, Scanner, Parser):
    """PyYAML's own event parser (pure Python)."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self._start_document()


_Loader: Callable[[str], _Reading] = _PythonLoader
try:
    from yaml._yaml import CParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    pass
else:

    class _LibyamlLoader(_Reading, CParser):
        """libyaml's event parser: five times faster, and the parser go-yaml (kubectl's) was ported from."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
            self._start_document()

    _Loader = _LibyamlLoader


def _too_deep(line: int) -> str:
    return (
        f"nested more than {MAX_DEPTH} levels deep (line {line}), counting what aliases stand for: "
        "flagger-py reads no deeper; flatten the structure"
    )


def _guard(node: ScalarNode, tag: str, construct: Callable[[], Any]) -> Any:
    """PyYAML's scalar constructor, with a bad literal (``!!int abc``) as a YAML error, not a crash."""
    try:
        return construct()
    except (ValueError, KeyError, IndexError, AttributeError, TypeError) as exc:
        raise ConstructorError(
            None, None, f"{echo.quoted(node.value)} is not a {tag}", node.start_mark
        ) from exc


def _segment(parent: Node | None, index: Any) -> str | int | None:
    if isinstance(parent, SequenceNode) and isinstance(index, int):
        return index
    if isinstance(parent, MappingNode) and isinstance(index, ScalarNode):
        return str(index.value)
    return None  # the document, a mapping key, or a value under a complex key


def _join(segments: list[str | int | None]) -> str:
    path = ""
    for segment in segments:
        if segment is not None:
            path = join_path(path, echo.value(segment, 80) if isinstance(segment, str) else segment)
    return path


def _scalar(node: Node) -> str | None:
    return str(node.value) if isinstance(node, ScalarNode) else None


# --- files ---------------------------------------------------------------------------------------


def files(target: str) -> list[str]:
    """The manifest files ``target`` names: itself, those under it when a directory, or ``-`` (stdin)."""
    if target == STDIN:
        return [STDIN]
    path = Path(target)
    if path.is_dir():
        found = sorted(
            p
            for p in path.rglob("*")
            if p.is_file() and p.suffix in SUFFIXES and not any(part.startswith(".") for part in p.parts[-2:])
        )
        if not found:
            raise UnreadableInput(f"{target}: no .yaml, .yml or .json files in this directory")
        return [str(p) for p in found]
    return [target]


def display_name(path: str) -> str:
    return "<stdin>" if path == STDIN else path


def read_text(path: str) -> str:
    """The text of one file (``-``: standard input); UnreadableInput, or TooLarge past the bound."""
    name = display_name(path)
    if path == STDIN:
        buffer = getattr(sys.stdin, "buffer", None)
        if buffer is None:  # a text stream put in its place (tests)
            return _decode(_read(io.BytesIO(sys.stdin.read(MAX_FILE_BYTES + 1).encode()), name), name)
        return _decode(_read(buffer, name), name)
    try:
        with Path(path).open("rb") as handle:
            return _decode(_read(handle, name), name)
    except FileNotFoundError as exc:
        raise UnreadableInput(f"{name}: no such file or directory") from exc
    except IsADirectoryError as exc:
        raise UnreadableInput(f"{name}: is a directory") from exc
    except PermissionError as exc:
        raise UnreadableInput(f"{name}: permission denied") from exc
    except OSError as exc:
        raise UnreadableInput(f"{name}: {exc.strerror or exc}") from exc


def _read(handle: IO[bytes], name: str) -> bytes:
    data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise TooLarge(
            f"{name}: file is larger than {MAX_FILE_BYTES // MIB} MiB, more than flagger-py reads in one "
            "file: split it (the API server takes at most 3 MiB per request)"
        )
    return data


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise UnreadableInput(
            f"{name}: not UTF-8 text (byte {exc.start}, line {line}); save it as UTF-8"
        ) from exc


def sources(target: str) -> list[tuple[str, str]]:
    """(name, text) of every manifest file under ``target``; ``-`` reads standard input."""
    return [(display_name(path), read_text(path)) for path in files(target)]


def load(path: str) -> Iterator[Document]:
    """The documents of one file; a file over the bound is one document with that error."""
    name = display_name(path)
    try:
        text = read_text(path)
    except TooLarge as exc:
        yield Document(name, 1, None, error=str(exc).removeprefix(f"{name}: "))
        return
    yield from documents(name, text)


# --- documents -----------------------------------------------------------------------------------


def documents(name: str, text: str) -> Iterator[Document]:
    """Parse every document of a multi-document YAML stream. A document that breaks a bound, or
    holds a value that cannot be read, is reported and the next one read; a syntax error or a
    document nested too deeply ends the stream."""
    unprintable = Reader.NON_PRINTABLE.search(text)
    if unprintable is not None:
        yield Document(name, 1, None, error=f"not valid YAML: {_unprintable(text, unprintable.start())}")
        return
    done = 0  # documents read so far, empty ones included
    try:
        loader = _Loader(text)
        try:
            while loader.check_node():
                try:
                    node = loader.get_node()
                    duplicates = tuple(loader.duplicates)
                    content = loader.construct_document(node)
                except (_Refused, ComposerError, ConstructorError) as exc:
                    done += 1
                    yield Document(name, done, None, error=_error(exc))
                    if isinstance(exc, _Refused) and exc.final:
                        return
                    try:
                        loader.skip_document()
                    except yaml.YAMLError:
                        return  # a syntax error further in the refused document: the stream ends there
                    continue
                done += 1
                if content is not None:
                    yield Document(name, done, content, duplicates=duplicates)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        yield Document(name, done + 1, None, error=_error(exc))


def _error(exc: yaml.YAMLError) -> str:
    if isinstance(exc, _Refused):
        return echo.message(str(exc))
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem == "exceeded maximum nesting depth":
        return _too_deep(exc.problem_mark.line + 1 if exc.problem_mark is not None else 0)  # libyaml: 1000
    return f"not valid YAML: {echo.message(_yaml_message(exc))}"


def _unprintable(text: str, position: int) -> str:
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return (
        f"character #x{ord(text[position]):04x} is not allowed in YAML (line {line}, column {column}); "
        "remove it, or write it as an escape in a double-quoted string"
    )


def _yaml_message(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        return f"{exc.problem} (line {mark.line + 1}, column {mark.column + 1})"
    return str(exc).splitlines()[0]
