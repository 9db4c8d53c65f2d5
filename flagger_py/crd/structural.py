"""Judging a value against a structural OpenAPI v3 schema the way the API server does.

What the API server does for a custom resource, and what this module repeats:
- nulls in fields that are not ``nullable`` are dropped before validation;
- with strict field validation (kubectl's default), unknown fields are errors;
- types, enums, patterns, bounds, lengths and ``oneOf`` / ``anyOf`` / ``not`` are checked.

CEL rules (``x-kubernetes-validations``) are not evaluated here; the pydantic models carry
the same rules (and the cluster tests prove the two agree).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from flagger_py.errors import Problem
from flagger_py.model import provider_types
from flagger_py.model.duration import EXAMPLES

Schema = Mapping[str, Any]

_PATTERN_TEXT = {
    provider_types.PLUGIN_NAME: provider_types.PLUGIN_NAME_TEXT,
    "^[0-9]+(m|s)": f"must be a duration such as {EXAMPLES}",
    r"^[0-9]+(ms|s|m)([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))*$": f"must be a duration such as {EXAMPLES}",
    r"^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$": (
        "must be empty or a lowercase DNS subdomain such as gateway.networking.k8s.io"
    ),
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$": (
        "must be a lowercase DNS subdomain such as http.example"
    ),
    r"^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$": "must be a kind name such as Service",
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$": "must be a lowercase DNS label such as my-namespace",
}
_RENAMED = {"canaryAnalysis": "analysis"}
_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean (true or false)",
    "object": "a mapping",
    "array": "a list",
}


def describe(value: Any) -> str:
    """A short rendering of a user's value for messages: 'ten', 5, a list, null."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, float) and value.is_integer() and not math.isinf(value):
        return f"{value:.1f}"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "...'"


def join_path(path: str, key: str | int) -> str:
    """spec + analysis -> spec.analysis; spec.metrics + 0 -> spec.metrics[0]."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", key) is None:
        return f"{path}[{key!r}]"
    return f"{path}.{key}" if path else key


def check(schema: Schema, value: Any, path: str) -> list[Problem]:
    """All problems of ``value`` against ``schema``; empty when the API server would accept it."""
    return list(_check(schema, value, path, strict=True))


def _check(schema: Schema, value: Any, path: str, *, strict: bool) -> Iterator[Problem]:
    type_problem = _type_problem(schema, value)
    if type_problem is not None:
        yield Problem(path, type_problem)
        return
    yield from _value_checks(schema, value, path)
    if isinstance(value, Mapping):
        yield from _object_checks(schema, value, path, strict=strict)
    elif isinstance(value, list):
        items = schema.get("items")
        if isinstance(items, Mapping):
            for index, item in enumerate(value):
                yield from _check(items, item, join_path(path, index), strict=strict)
    yield from _junctor_checks(schema, value, path)


def _type_problem(schema: Schema, value: Any) -> str | None:
    if schema.get("x-kubernetes-int-or-string"):
        ok = (isinstance(value, int) and not isinstance(value, bool)) or isinstance(value, str)
        return None if ok else f"must be an integer or a string (got {describe(value)})"
    wanted = schema.get("type")
    if wanted is None:
        return None
    if value is None:
        return None if schema.get("nullable") else f"must be {_TYPE_NAMES[wanted]} (got null)"
    ok = {
        "string": isinstance(value, str),
        # JSON has one number type: the API server takes 80.0 for the integer 80.
        "integer": (isinstance(value, int) and not isinstance(value, bool))
        or (isinstance(value, float) and value.is_integer()),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
        "object": isinstance(value, Mapping),
        "array": isinstance(value, list),
    }.get(wanted, True)
    if ok and wanted == "number" and isinstance(value, float) and not math.isfinite(value):
        return f"must be a finite number (got {describe(value)})"
    return None if ok else f"must be {_TYPE_NAMES[wanted]} (got {describe(value)})"


def _value_checks(schema: Schema, value: Any, path: str) -> Iterator[Problem]:
    enum = schema.get("enum")
    if enum is not None and value not in enum:
        shown = ", ".join(repr(e) if e == "" else str(e) for e in enum)
        yield Problem(path, f"must be one of: {shown} (got {describe(value)}){did_you_mean(value, enum)}")
    pattern = schema.get("pattern")
    if pattern is not None and isinstance(value, str) and re.search(pattern, value) is None:
        text = _PATTERN_TEXT.get(pattern, f"must match the pattern {pattern}")
        yield Problem(path, f"{text} (got {describe(value)})")
    if isinstance(value, int | float) and not isinstance(value, bool):
        yield from _bounds(schema, value, path)
    if isinstance(value, str):
        yield from _lengths(schema, len(value), path, "characters long")
    if isinstance(value, list):
        yield from _lengths(schema, len(value), path, "items", min_key="minItems", max_key="maxItems")


def _bounds(schema: Schema, value: float, path: str) -> Iterator[Problem]:
    low, high = schema.get("minimum"), schema.get("maximum")
    if (low is not None and value < low) or (high is not None and value > high):
        if low is not None and high is not None:
            yield Problem(path, f"must be between {low} and {high} (got {describe(value)})")
        elif low is not None:
            yield Problem(path, f"must be at least {low} (got {describe(value)})")
        else:
            yield Problem(path, f"must be at most {high} (got {describe(value)})")


def _lengths(
    schema: Schema,
    size: int,
    path: str,
    unit: str,
    *,
    min_key: str = "minLength",
    max_key: str = "maxLength",
) -> Iterator[Problem]:
    low, high = schema.get(min_key), schema.get(max_key)
    if low is not None and size < low:
        yield Problem(
            path, "must not be empty" if low == 1 else f"must be at least {low} {unit} (got {size})"
        )
    if high is not None and size > high:
        yield Problem(path, f"must be at most {high} {unit} (got {size})")


def _object_checks(schema: Schema, value: Mapping[str, Any], path: str, *, strict: bool) -> Iterator[Problem]:
    properties: Mapping[str, Schema] = schema.get("properties", {})
    additional = schema.get("additionalProperties")
    open_object = schema.get("x-kubernetes-preserve-unknown-fields") or additional is True
    for key, item in value.items():
        sub = properties.get(key) if isinstance(key, str) else None
        if sub is None and isinstance(additional, Mapping):
            sub = additional
        if sub is None:
            if strict and not open_object and (properties or additional is False):
                yield Problem(join_path(path, str(key)), _unknown_field(str(key), list(properties)))
            continue
        if item is None and not sub.get("nullable"):
            continue  # the API server drops nulls of non-nullable fields and map values before validating
        yield from _check(sub, item, join_path(path, str(key)), strict=strict)
    for key in schema.get("required", ()):
        if value.get(key) is None:
            yield Problem(join_path(path, key), "is required")


def _unknown_field(key: str, known: Sequence[str]) -> str:
    if key in _RENAMED:
        return f"unknown field; it was renamed to {_RENAMED[key]!r}"
    return "unknown field" + did_you_mean(key, known)


def did_you_mean(value: Any, choices: Sequence[Any]) -> str:
    if not isinstance(value, str):
        return ""
    strings = [c for c in choices if isinstance(c, str) and c]
    lowered = {c.lower(): c for c in strings}
    if value.lower() in lowered and lowered[value.lower()] != value:
        return f" (did you mean {lowered[value.lower()]!r}?)"
    close = difflib.get_close_matches(value, strings, n=1, cutoff=0.75)
    if not close:
        close = [c for c in strings if len(c) >= 3 and value.lower().startswith(c.lower())][:1]
    return f" (did you mean {close[0]!r}?)" if close else ""


# --- oneOf / anyOf / not -------------------------------------------------------------------------


def _matches(schema: Schema, value: Any, path: str) -> bool:
    return next(iter(_check(schema, value, path, strict=False)), None) is None


def _junctor_checks(schema: Schema, value: Any, path: str) -> Iterator[Problem]:
    if "not" in schema and _matches(schema["not"], value, path):
        yield Problem(path, "must not match the excluded form")
    if "anyOf" in schema and not any(_matches(b, value, path) for b in schema["anyOf"]):
        yield Problem(path, _any_of_message(schema["anyOf"], value))
    if "allOf" in schema:
        for branch in schema["allOf"]:
            yield from _check(branch, value, path, strict=False)
    if "oneOf" in schema:
        yield from _one_of(schema["oneOf"], value, path)


def _any_of_message(branches: Sequence[Schema], value: Any) -> str:
    """What ``value`` must be: the names of an enum branch and the text of pattern branches (a
    provider type: Flagger's names or a plugin's), else the count of forms."""
    enum = [e for b in branches for e in b.get("enum", ())]
    patterns = [b["pattern"] for b in branches if "pattern" in b]
    if not all(set(b) <= {"enum", "pattern"} for b in branches) or not (enum or patterns):
        return f"must match one of {len(branches)} forms"
    forms = [", ".join(str(e) for e in enum)] if enum else []
    forms += [_PATTERN_TEXT.get(p, f"match the pattern {p}").removeprefix("must be ") for p in patterns]
    return f"must be one of: {', or '.join(forms)} (got {describe(value)}){did_you_mean(value, enum)}"


def _one_of(branches: Sequence[Schema], value: Any, path: str) -> Iterator[Problem]:
    matched = [b for b in branches if _matches(b, value, path)]
    if len(matched) == 1:
        return
    if not isinstance(value, Mapping):
        yield Problem(path, f"must match exactly one of {len(branches)} forms (matched {len(matched)})")
        return
    at_most = _at_most_one_keys(branches)
    if at_most is not None:
        present = [k for k in at_most if k in value]
        yield Problem(path, f"set at most one of {_or(at_most)} (got {_and(present)})")
        return
    required = [list(b.get("required", ())) for b in branches]
    if all(required):
        common = [k for k in required[0] if all(k in r for r in required)]
        choices = [k for r in required for k in r if k not in common]
        missing = [k for k in common if value.get(k) is None]
        for key in missing:
            yield Problem(join_path(path, key), "is required")
        present = [k for k in choices if value.get(k) is not None]
        if len(present) == 1:
            if not missing:  # the chosen branch failed on a nested rule: show it
                chosen = branches[next(i for i, r in enumerate(required) if present[0] in r)]
                yield from _check(chosen, value, path, strict=False)
        elif not present:
            yield Problem(path, f"set one of {_or(choices)}")
        else:
            yield Problem(path, f"set only one of {_or(choices)} (got {_and(present)})")
        return
    yield Problem(path, f"must match exactly one of {len(branches)} forms (matched {len(matched)})")


def _at_most_one_keys(branches: Sequence[Schema]) -> list[str] | None:
    """Recognise the 'at most one of' idiom: [not anyOf(required a|b|c), required a, required b, ...]."""
    negated = [b for b in branches if set(b) == {"not"}]
    if len(negated) != 1 or set(negated[0]["not"]) != {"anyOf"}:
        return None
    keys = [b["required"][0] for b in negated[0]["not"]["anyOf"] if len(b.get("required", ())) == 1]
    others = [b["required"][0] for b in branches if b is not negated[0] and len(b.get("required", ())) == 1]
    return keys if keys == others else None


def _or(names: Sequence[str]) -> str:
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]


def _and(names: Sequence[str]) -> str:
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]
