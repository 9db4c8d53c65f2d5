"""How much of a user's value a validate message repeats: one line, a few dozen characters.

A manifest can hold a megabyte-long name, key or value; the messages about it show its head
(``'aaaa...'``), never the whole, and never a line break or a character a terminal cannot print.
"""

from __future__ import annotations

import re

from flagger_py import redact

LIMIT = 80  # characters of one echoed value
MAX_MESSAGE = 600  # characters of a whole message or path, after its values are shortened

# A quoted value as repr() writes it, or a run of name characters (a key in a path, a number).
_QUOTED = re.compile(r"'(?:[^'\\\n]|\\.)*'" "|" r'"(?:[^"\\\n]|\\.)*"')
_WORD = re.compile(rf"[A-Za-z0-9_\-]{{{LIMIT + 1},}}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def value(text: object, limit: int = LIMIT) -> str:
    """``text`` as one printable line of at most ``limit`` characters, credentials masked."""
    return printable(redact.text(str(text), limit=limit))


def quoted(text: object, limit: int = LIMIT) -> str:
    """``text`` quoted as repr() quotes it, cut to ``limit`` characters: 'interval', 'aaaa...'."""
    raw = str(text)
    shown = repr(raw[:limit])
    if len(raw) > limit or len(shown) > limit + 2:
        shown = f"{shown[: limit + 1].rstrip(chr(92))}...{shown[-1]}"
    return printable(shown)


def message(text: str) -> str:
    """A message or path with every long quoted value and long word in it shortened."""
    text = _QUOTED.sub(_shorten_quoted, text)
    text = _WORD.sub(lambda m: m.group()[: LIMIT - 3] + "...", text)
    text = printable(_CONTROL.sub(" ", text))
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."


def printable(text: str) -> str:
    """``text`` without lone surrogates (which no output encoding can write)."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _shorten_quoted(match: re.Match[str]) -> str:
    run = match.group()
    if len(run) <= LIMIT + 2:
        return run
    head = run[1 : LIMIT - 2].rstrip("\\")  # no dangling backslash before the dots
    return f"{run[0]}{head}...{run[0]}"
