"""Reading YAML documents from files, directories and standard input."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import yaml

SUFFIXES = (".yaml", ".yml", ".json")


class UnreadableInput(Exception):
    """A path that does not exist, cannot be read, or is not text."""


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves timestamps as strings, as Kubernetes' YAML decoder does."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Document:
    """One YAML document: where it came from and what it holds (or why it could not be parsed)."""

    source: str
    index: int  # 1-based position in its file
    content: Any
    error: str | None = None


def sources(target: str) -> list[tuple[str, str]]:
    """(name, text) of every manifest file under ``target``; ``-`` reads standard input."""
    if target == "-":
        return [("<stdin>", _read(sys.stdin, "<stdin>"))]
    path = Path(target)
    if path.is_dir():
        files = sorted(
            p
            for p in path.rglob("*")
            if p.is_file() and p.suffix in SUFFIXES and not any(part.startswith(".") for part in p.parts[-2:])
        )
        if not files:
            raise UnreadableInput(f"{target}: no .yaml, .yml or .json files in this directory")
        return [(str(p), _read_path(p)) for p in files]
    return [(target, _read_path(path))]


def _read_path(path: Path) -> str:
    try:
        with path.open(encoding="utf-8") as handle:
            return _read(handle, str(path))
    except FileNotFoundError as exc:
        raise UnreadableInput(f"{path}: no such file or directory") from exc
    except IsADirectoryError as exc:  # pragma: no cover - directories are handled above
        raise UnreadableInput(f"{path}: is a directory") from exc
    except PermissionError as exc:
        raise UnreadableInput(f"{path}: permission denied") from exc
    except OSError as exc:
        raise UnreadableInput(f"{path}: {exc.strerror or exc}") from exc


def _read(handle: IO[str], name: str) -> str:
    try:
        return handle.read()
    except UnicodeDecodeError as exc:
        raise UnreadableInput(f"{name}: not UTF-8 text (byte {exc.start})") from exc


def documents(name: str, text: str) -> Iterator[Document]:
    """Parse every document of a multi-document YAML stream; a syntax error ends the stream."""
    index = 0
    try:
        for content in yaml.load_all(text, Loader=_Loader):
            index += 1
            if content is not None:
                yield Document(name, index, content)
    except yaml.YAMLError as exc:
        yield Document(name, index + 1, None, error=f"not valid YAML: {_yaml_message(exc)}")
    except RecursionError:
        yield Document(name, index + 1, None, error="not valid YAML: nested too deeply to read")


def _yaml_message(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        return f"{exc.problem} (line {mark.line + 1}, column {mark.column + 1})"
    return str(exc).splitlines()[0]
