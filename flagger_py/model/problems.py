"""Turning pydantic validation errors into one-line problems a YAML author understands."""

from __future__ import annotations

import math
import re
import reprlib
from typing import Any

from pydantic import ValidationError

from flagger_py.errors import Problem

_TYPE_WORDS = {
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "int_from_float": "must be an integer",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be a boolean (true or false)",
    "bool_parsing": "must be a boolean (true or false)",
    "string_type": "must be a string",
    "dict_type": "must be a mapping",
    "model_type": "must be a mapping",
    "model_attributes_type": "must be a mapping",
    "tuple_type": "must be a list",
    "list_type": "must be a list",
    "missing": "is required",
    "extra_forbidden": "unknown field",
    "string_too_short": "must not be empty",
    "finite_number": "must be a finite number",
    "int_parsing_size": "is too large a number",
}
_BOUND_WORDS = {
    "greater_than_equal": ("ge", "must be at least {}"),
    "greater_than": ("gt", "must be greater than {}"),
    "less_than_equal": ("le", "must be at most {}"),
    "less_than": ("lt", "must be less than {}"),
    "too_short": ("min_length", "must have at least {} item(s)"),
    "too_long": ("max_length", "must have at most {} item(s)"),
    "string_too_long": ("max_length", "must be at most {} characters long"),
    "string_pattern_mismatch": ("pattern", "must match the pattern {}"),
}
SHOWN_CHARACTERS = 60


BRANCH = "branch:"
"""Prefix of the ``Tag`` of a discriminated union's branch: left out of paths, like pydantic's own
markers (``Tag("branch:windows")``)."""


def path_of(loc: tuple[int | str, ...]) -> str:
    """('spec', 'analysis', 'metrics', 0, 'name') -> 'spec.analysis.metrics[0].name'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", part):
            out += f".{part}" if out else part
        elif part.startswith(("function-", "tagged-union[", "union[", BRANCH)) or "[" in part:
            continue  # pydantic's own markers for validator and union branches, and our branch tags
        else:
            out += f"[{shown(part)}]"
    return out


def from_validation_error(error: ValidationError, prefix: tuple[int | str, ...] = ()) -> list[Problem]:
    """One Problem per pydantic error, deduplicated, in document order."""
    problems: list[Problem] = []
    for item in error.errors(include_url=False):
        path = path_of(prefix + tuple(item["loc"]))
        message = _message(item)
        problem = Problem(path, message)
        if problem not in problems:
            problems.append(problem)
    return problems


def _message(item: Any) -> str:
    kind = item["type"]
    if kind == "value_error":
        text = str(item["msg"])
        return text.removeprefix("Value error, ")
    if kind == "literal_error":
        expected = item.get("ctx", {}).get("expected", "")
        return f"must be one of: {expected} (got {shown(item['input'])})"
    if kind in _BOUND_WORDS:
        key, template = _BOUND_WORDS[kind]
        bound = item.get("ctx", {}).get(key)
        if bound is not None:
            return f"{template.format(bound)} (got {shown(item['input'])})"
    word = _TYPE_WORDS.get(kind)
    if word is None:
        return str(item["msg"])
    if kind in ("missing", "extra_forbidden", "string_too_short"):
        return word
    return f"{word} (got {shown(item['input'])})"


def shown(value: Any) -> str:
    """``value`` as a problem quotes it: its repr, shortened to about SHOWN_CHARACTERS characters
    (a pasted blob or a deeply nested list stays one readable line)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**SHOWN_CHARACTERS:
        return f"a number of about {math.floor(math.log10(abs(value))) + 1} digits"  # str() fails past 4300
    if isinstance(value, str) and len(value) > SHOWN_CHARACTERS and value.lstrip("+-").isdigit():
        return f"a number of {len(value.lstrip('+-'))} digits"
    if isinstance(value, (list, tuple, dict)):
        short = reprlib.Repr()
        short.maxlevel, short.maxstring, short.maxother = 3, SHOWN_CHARACTERS, SHOWN_CHARACTERS
        text = short.repr(value)
    else:
        text = repr(value)
    if len(text) > SHOWN_CHARACTERS:
        text = text[: SHOWN_CHARACTERS - 10] + "…" + text[-5:]
    return text
