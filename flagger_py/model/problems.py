"""Turning pydantic validation errors into one-line problems a YAML author understands."""

from __future__ import annotations

import re
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
}


def path_of(loc: tuple[int | str, ...]) -> str:
    """('spec', 'analysis', 'metrics', 0, 'name') -> 'spec.analysis.metrics[0].name'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", part):
            out += f".{part}" if out else part
        elif part.startswith(("function-", "tagged-union[", "union[")) or "[" in part:
            continue  # pydantic's own markers for validator and union branches
        else:
            out += f"[{part!r}]"
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
        return f"must be one of: {expected} (got {item['input']!r})"
    word = _TYPE_WORDS.get(kind)
    if word is None:
        return str(item["msg"])
    if kind in ("missing", "extra_forbidden", "string_too_short"):
        return word
    return f"{word} (got {item['input']!r})"
