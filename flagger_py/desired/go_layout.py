"""A table of Go types as text, read into the entries ``goprint`` walks.

The table lists the named types only, one header line each (``<name> <kind>``, then the element type
of a named slice, the key and element types of a named map, and ``decodes`` when the type has its own
``UnmarshalJSON``), a struct's fields below it indented, one a line: ``<Go name> <Go type>``, then the
JSON name when it is not the Go name with its first letter lowered (``-`` when JSON never sets the
field), then ``embedded``. ``<name> struct like <other>`` is a struct with the fields of ``other``.
Pointers, slices and maps are spelled by their names (``*T``, ``[]T``, ``map[K]V``) and not listed:
``read`` derives them, with every type reached from the root.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

Field = tuple[str, str, str, bool]
"""(Go name, JSON name or "" when JSON never sets it directly, Go type, embedded)."""
GoType = tuple[str, str, str, bool, tuple[Field, ...]]
"""(kind, map key type, element type, decodes itself from JSON, fields)."""

INDENT = "    "
NO_JSON = "-"
EMBEDDED = "embedded"
DECODES = "decodes"
LIKE = "like"


def default_json_name(go_name: str) -> str:
    """The JSON name a field has unless the table says otherwise."""
    return go_name[:1].lower() + go_name[1:]


def read(root: str, table: str) -> dict[str, GoType]:
    """Every type reached from ``root``, by the name Go's reflection prints for it, in name order."""
    named = _named_types(table)
    types: dict[str, GoType] = {}
    pending = [root]
    while pending:
        name = pending.pop()
        if name in types:
            continue
        entry = named[name] if name in named else _spelled(name)
        types[name] = entry
        _kind, key, elem, _decodes, fields = entry
        pending += [t for t in (key, elem, *(f[2] for f in fields)) if t]
    return dict(sorted(types.items()))


def from_oracle(types: Iterable[Sequence[Any]]) -> dict[str, GoType]:
    """The ``types`` of ``flaggerhash layout``'s JSON (``[name, info]`` pairs, as Go's reflection
    walks them) as the entries ``read`` returns."""
    return {
        name: (
            info["kind"],
            info.get("key", ""),
            info.get("elem", ""),
            bool(info.get("unmarshaler")),
            tuple((f["name"], f["json"], f["type"], f["embedded"]) for f in info.get("fields") or ()),
        )
        for name, info in types
    }


def _named_types(table: str) -> dict[str, GoType]:
    headers: dict[str, list[str]] = {}
    fields: dict[str, list[Field]] = {}
    current = ""
    for line in table.splitlines():
        if line.startswith(INDENT):
            fields[current].append(_field(line.split()))
        elif line.strip():
            current, *headers[current] = line.split()
            fields[current] = []
    return {name: _named(header, fields[name], fields) for name, header in headers.items()}


def _named(header: list[str], own: list[Field], fields: dict[str, list[Field]]) -> GoType:
    """The entry of a header line (its words after the name) with the field lines below it."""
    kind, *args = header
    decodes = args[-1:] == [DECODES]
    args = args[:-1] if decodes else args
    if args[:1] == [LIKE]:
        return (kind, "", "", decodes, tuple(fields[args[1]]))
    if kind == "map":
        return (kind, args[0], args[1], decodes, ())
    return (kind, "", args[0] if args else "", decodes, tuple(own))


def _field(tokens: list[str]) -> Field:
    go_name, go_type, *rest = tokens
    embedded = rest[-1:] == [EMBEDDED]
    if embedded:
        rest = rest[:-1]
    json_name = rest[0] if rest else default_json_name(go_name)
    return (go_name, "" if json_name == NO_JSON else json_name, go_type, embedded)


def _spelled(name: str) -> GoType:
    """A pointer, slice or map type from its name alone."""
    if name.startswith("*"):
        return ("ptr", "", name[1:], False, ())
    if name.startswith("[]"):
        return ("slice", "", name[2:], False, ())
    if name.startswith("map["):
        key, _, elem = name[len("map[") :].partition("]")
        return ("map", key, elem, False, ())
    raise KeyError(f"{name}: a named type the table does not list")
