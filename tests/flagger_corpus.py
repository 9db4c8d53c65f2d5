"""Flagger 1.44's own manifests: every flagger.app document of its docs and e2e suites, keyed ``file#index``.

Read from Flagger's Go module (``go mod download -json github.com/fluxcd/flagger@v1.44.0`` prints its
directory; ``FLAGGER_PY_FLAGGER_SRC`` overrides it). Where the documents come from:

- ``docs/gitbook/**/*.md`` (and the READMEs of the folders below): fenced yaml blocks (the fence's
  indentation taken off, as Markdown does), and kubectl heredocs inside shell blocks;
- ``test/**/*.sh``: heredocs fed to ``kubectl apply|create|replace`` (``cat <<EOF | kubectl apply -f -``),
  with ``$NAME`` / ``${NAME}`` replaced by the literal values the script assigns, as bash would; a
  heredoc that uses a variable the script computes or never sets, or a command substitution, is
  refused (:class:`CorpusError`) rather than read with a guess;
- ``test/``, ``kustomize/`` and ``artifacts/``: ``*.yaml`` / ``*.yml`` files.

A document is one of the corpus when its ``apiVersion`` is ``flagger.app/...``. ``index`` counts the
flagger.app documents of one file from 1, in the order they appear, so ``key`` stays the same for the
pinned version. Documents whose text is not YAML but names ``flagger.app`` are kept, with the parse
error, so no example drops out silently.

Independent of flagger_py: PyYAML only, so the corpus can judge flagger_py without trusting it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

MODULE = "github.com/fluxcd/flagger"
VERSION = "v1.44.0"
DOWNLOAD_COMMAND = f"go mod download -json {MODULE}@{VERSION}"
# The folders of the module the corpus reads, and what it reads in each.
MARKDOWN_ROOTS = ("docs/gitbook", "test", "kustomize", "artifacts")
SCRIPT_ROOTS = ("test",)
YAML_ROOTS = ("test", "kustomize", "artifacts")


class CorpusError(Exception):
    """Flagger's sources hold something the extractor cannot read faithfully (the message says where)."""


@dataclass(frozen=True)
class Entry:
    """One flagger.app document of Flagger's sources."""

    key: str  # "<path in the module>#<index>"
    path: str  # path inside Flagger's module, with '/'
    line: int  # 1-based line of the source file where the document's text starts
    text: str  # the document's YAML text, as kubectl would receive it
    kind: str | None  # None when the text is not YAML
    error: str | None  # the YAML parse error, when there is one


# Flagger's binary default for -mesh-provider (cmd/flagger/main.go).
FLAGGER_DEFAULT_MESH_PROVIDER = "istio"


def source_dir() -> Path | None:
    """Flagger's module directory, or None when it is not on this machine."""
    override = os.environ.get("FLAGGER_PY_FLAGGER_SRC")
    if override:
        return Path(override) if Path(override).is_dir() else None
    cache = module_cache()
    if cache is None:
        return None
    # The module cache escapes upper-case letters ('!x'); Flagger's path has none.
    candidate = cache / f"{MODULE}@{VERSION}"
    return candidate if candidate.is_dir() else None


def module_cache() -> Path | None:
    """Go's module cache, as `go env GOMODCACHE` reports it (GOMODCACHE, else GOPATH's first entry)."""
    if os.environ.get("GOMODCACHE"):
        return Path(os.environ["GOMODCACHE"])
    go = shutil.which("go")
    if go is not None:
        try:
            done = subprocess.run(
                [go, "env", "GOMODCACHE"], capture_output=True, text=True, timeout=60, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            done = None
        if done is not None and done.returncode == 0 and done.stdout.strip():
            return Path(done.stdout.strip())
    gopath = os.environ.get("GOPATH", "").split(os.pathsep)[0] or str(Path.home() / "go")
    return Path(gopath) / "pkg" / "mod"


def entries(root: Path) -> list[Entry]:
    """Every flagger.app document under ``root`` (Flagger's module directory), sorted by key."""
    found: list[Entry] = []
    for path in _files(root):
        relative = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".md":
            pieces = list(markdown_pieces(text, relative))
        elif path.suffix == ".sh":
            pieces = list(script_pieces(text, relative))
        else:
            pieces = [(1, text)]
        found += _flagger_documents(relative, pieces)
    return sorted(found, key=lambda e: (e.path, e.line))


def _files(root: Path) -> list[Path]:
    chosen: set[Path] = set()
    for folder in MARKDOWN_ROOTS:
        chosen.update((root / folder).rglob("*.md"))
    for folder in SCRIPT_ROOTS:
        chosen.update((root / folder).rglob("*.sh"))
    for folder in YAML_ROOTS:
        chosen.update(p for ext in ("*.yaml", "*.yml") for p in (root / folder).rglob(ext))
    return sorted(p for p in chosen if p.is_file())


_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<ticks>`{3,}|~{3,})[ \t]*(?P<info>[^\s`]*)[^`]*$")
_YAML_INFO = frozenset({"yaml", "yml"})
_SHELL_INFO = frozenset({"bash", "sh", "shell", "console", "zsh"})


def markdown_pieces(text: str, name: str) -> Iterator[tuple[int, str]]:
    """(first line, YAML text) of each ```yaml block and of each kubectl heredoc in shell blocks."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        indent, ticks, info = opening["indent"], opening["ticks"], opening["info"].lower()
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not _closes(lines[j], ticks):
            line = lines[j]
            body.append(line[len(indent) :] if line.startswith(indent) else line.lstrip(" \t"))
            j += 1
        if info in _YAML_INFO:
            yield i + 2, "\n".join(body) + "\n"
        elif info in _SHELL_INFO:
            for number, piece in script_pieces("\n".join(body) + "\n", f"{name}:{i + 2}"):
                yield i + 1 + number, piece
        i = j + 1


def _closes(line: str, ticks: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(ticks[0] * len(ticks)) and set(stripped) == {ticks[0]}


# <<EOF, <<-EOF, <<'EOF', <<"EOF", <<\EOF; not the here-string <<<.
_HEREDOC = re.compile(
    r"(?<!<)<<(?!<)(?P<dash>-?)[ \t]*(?P<quote>['\"]|\\)?(?P<word>[A-Za-z_][A-Za-z0-9_]*)['\"]?"
)
_KUBECTL_APPLY = re.compile(r"\bkubectl\b[^|;&]*\b(apply|create|replace)\b")
_ASSIGNMENT = re.compile(
    r"^[ \t]*(?:export[ \t]+|local[ \t]+|readonly[ \t]+)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>.*)$"
)


def script_pieces(text: str, name: str) -> Iterator[tuple[int, str]]:
    """(first line, expanded text) of each heredoc that a shell script pipes to kubectl apply/create."""
    lines = text.splitlines()
    values: dict[str, str | None] = {}  # None: assigned a value bash computes at run time
    i = 0
    while i < len(lines):
        line = lines[i]
        assigned = _ASSIGNMENT.match(line)
        if assigned is not None:
            values[assigned["name"]] = _literal(assigned["value"])
        heredoc = _HEREDOC.search(line)
        if heredoc is None:
            i += 1
            continue
        word, dash, quoted = heredoc["word"], heredoc["dash"] == "-", bool(heredoc["quote"])
        body: list[str] = []
        j = i + 1
        while j < len(lines):
            candidate = lines[j].lstrip("\t") if dash else lines[j]
            if candidate == word:
                break
            body.append(candidate)
            j += 1
        applied = _KUBECTL_APPLY.search(line) is not None
        if j == len(lines) and applied:  # bash would apply the rest of the file: refused as a likely slip
            raise CorpusError(f"{name}:{i + 1}: heredoc <<{word} is never closed")
        if applied:
            raw = "\n".join(body) + "\n"
            yield i + 2, raw if quoted else expand(raw, values, f"{name}:{i + 2}")
        i = j + 1


def _literal(value: str) -> str | None:
    """The value of ``NAME=value`` when it is a literal word (quoted or not), else None."""
    value = re.split(r"[ \t]+#", value.strip(), maxsplit=1)[0].strip()
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1]
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    if re.search(r"[$`\\\s;&|()<>]", value):
        return None
    return value


_EXPANSION = re.compile(
    r"\\(?P<escaped>[$`\\])|\$\{(?P<braced>[^}]*)\}|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)"
    r"|\$(?P<special>[0-9?#@*!$-]|\()|(?P<backtick>`)"
)


def expand(text: str, values: dict[str, str | None], where: str) -> str:
    """``text`` as bash expands an unquoted heredoc, with the script's literal variables."""

    def one(match: re.Match[str]) -> str:
        if match["escaped"] is not None:
            return match["escaped"]
        if match["special"] is not None or match["backtick"] is not None:
            raise CorpusError(f"{where}: heredoc uses {match[0]!r}, which only bash can evaluate")
        name = match["braced"] if match["braced"] is not None else match["bare"]
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise CorpusError(f"{where}: heredoc uses ${{{name}}}, a parameter expansion only bash can do")
        if name not in values:
            raise CorpusError(f"{where}: heredoc uses ${name}, which the script never sets")
        value = values[name]
        if value is None:
            raise CorpusError(f"{where}: heredoc uses ${name}, which the script computes at run time")
        return value

    return _EXPANSION.sub(one, text)


_SEPARATOR = re.compile(r"^---(?:[ \t].*)?$")
_NAMES_FLAGGER = re.compile(r"^[ \t]*apiVersion:[ \t]*['\"]?flagger\.app/", re.MULTILINE)


def _flagger_documents(path: str, pieces: list[tuple[int, str]]) -> list[Entry]:
    found: list[Entry] = []
    for first_line, piece in pieces:
        for offset, text in split_documents(piece):
            kind, error = _identify(text)
            if kind is None and error is None:
                continue
            found.append(Entry(f"{path}#{len(found) + 1}", path, first_line + offset, text, kind, error))
    return found


def split_documents(text: str) -> Iterator[tuple[int, str]]:
    """(line offset, text) of each YAML document of ``text``, split at ``---`` lines."""
    start, current = 0, list[str]()
    for number, line in enumerate(text.splitlines()):
        if _SEPARATOR.match(line.strip()) and line.startswith("-"):
            if any(s.strip() and not s.lstrip().startswith("#") for s in current):
                yield start, "\n".join(current) + "\n"
            start, current = number + 1, []
            continue
        current.append(line)
    if any(s.strip() and not s.lstrip().startswith("#") for s in current):
        yield start, "\n".join(current) + "\n"


def _identify(text: str) -> tuple[str | None, str | None]:
    """(kind, None) for a flagger.app document, (None, error) for unparsable text naming flagger.app,
    (None, None) for anything else."""
    try:
        content = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        if _NAMES_FLAGGER.search(text):
            return None, " ".join(str(exc).split())
        return None, None
    if not isinstance(content, dict) or not str(content.get("apiVersion", "")).startswith("flagger.app/"):
        return None, None
    return str(content.get("kind")), None


_MESH_PROVIDER = re.compile(r"(?:meshProvider|-mesh-provider)=(?P<name>[A-Za-z0-9:.-]+)")
_KUSTOMIZE_DIR = re.compile(r"kubectl apply -k \$\{?REPO_ROOT\}?/(?P<dir>kustomize/[A-Za-z0-9_-]+)")


def mesh_provider(root: Path, path: str) -> str:
    """The -mesh-provider Flagger runs with where ``path``'s Canaries are applied: the one a doc page's
    install step sets, the one an e2e suite installs Flagger with (``test/<suite>/install.sh``, the
    kustomize overlay it applies, or its own ``patch.yaml``), else Flagger's default."""
    parts = path.split("/")
    if parts[0] == "test" and len(parts) > 2:
        suite = root / "test" / parts[1]
        install = suite / "install.sh"
        texts = []
        if install.is_file():
            setup = install.read_text(encoding="utf-8")
            texts.append(setup)
            texts += [
                (root / m["dir"] / "patch.yaml").read_text(encoding="utf-8")
                for m in _KUSTOMIZE_DIR.finditer(setup)
                if (root / m["dir"] / "patch.yaml").is_file()
            ]
        if (suite / "patch.yaml").is_file():
            texts.append((suite / "patch.yaml").read_text(encoding="utf-8"))
    else:
        texts = [(root / path).read_text(encoding="utf-8")] if path.endswith(".md") else []
    for text in texts:
        found = _MESH_PROVIDER.search(text)
        if found is not None:
            return found["name"]
    return FLAGGER_DEFAULT_MESH_PROVIDER
