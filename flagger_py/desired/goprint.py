"""A pod template as Go prints it: the JSON the API server returns, decoded into Flagger 1.44's
``corev1.PodTemplateSpec`` (``pod_layout``) and printed as go-spew's ``%#v`` with Flagger's settings
(sorted map keys, no Stringer methods), byte for byte.

What Go's JSON decoder does is reproduced for everything a pod template holds: absent and ``null``
fields are zero values, ``[]`` and ``{}`` are empty but not nil, embedded structs without a JSON name
take their fields from the enclosing object, and the types that decode themselves do as Go's do
(``resource.Quantity`` through ``ParseQuantity``'s int64 fast path, ``intstr.IntOrString``,
a null ``metav1.Time``). What it cannot reproduce exactly raises ``Unprintable`` naming the field:
a timestamp that is set (Go prints its time zone tables), a quantity Go keeps as an ``inf.Dec``, raw
managed fields, a number where Go expects another type (Go would refuse the whole object), and a field
Flagger's Go types do not have (an API server newer than them): Go drops it, so Flagger's hash would
not change with it, and a revision that missed a change is worse than one run too many.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from flagger_py.desired import pod_layout

INT_RANGES = {
    "int8": (-(2**7), 2**7 - 1),
    "int16": (-(2**15), 2**15 - 1),
    "int32": (-(2**31), 2**31 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "int": (-(2**63), 2**63 - 1),
    "uint8": (0, 2**8 - 1),
    "uint16": (0, 2**16 - 1),
    "uint32": (0, 2**32 - 1),
    "uint64": (0, 2**64 - 1),
    "uint": (0, 2**64 - 1),
}
STRING_KINDS = frozenset({"string"})


class Unprintable(ValueError):
    """The value holds something whose Go print this module does not reproduce."""

    def __init__(self, path: str, why: str) -> None:
        super().__init__(f"{path or 'template'}: {why}")
        self.path = path
        self.why = why


def spew(template: Mapping[str, Any]) -> str:
    """The ``%#v`` print of the pod template (a ``spec.template`` as the API server returns it)."""
    out: list[str] = []
    _Printer(out).value(pod_layout.ROOT, template, typed=True, path="")
    return "".join(out)


class _Printer:
    def __init__(self, out: list[str]) -> None:
        self.out = out

    def value(
        self, name: str, v: Any, *, typed: bool, path: str, raw: bool = False, promoted: bool = False
    ) -> None:
        """Print ``v`` (a JSON value, None for absent or null) as a Go value of type ``name``.

        ``raw``: ``v`` already holds Go field values by Go field name (the inside of a type that
        decodes itself), not JSON. ``promoted``: ``v`` is the enclosing object of an embedded struct,
        whose other fields are not this struct's."""
        kind, _key, elem, unmarshaler, fields = pod_layout.TYPES[name]
        if unmarshaler and not raw:
            v = _decoded(name, v, path)
            raw = True
        if kind == "ptr":
            if v is None:
                self.out.append(f"({name})<nil>" if typed else "<nil>")
                return
            self.out.append(f"({name})" if typed else "<*>")
            self.value(elem, v, typed=False, path=path, raw=raw)
            return
        if typed:
            self.out.append(f"({name})")
        if kind == "struct":
            self.struct(fields, v, path, raw, promoted)
        elif kind in ("slice", "array"):
            self.sequence(name, elem, v, path)
        elif kind == "map":
            self.mapping(elem, v, path)
        else:
            self.out.append(_scalar(kind, v, path))

    def struct(
        self, fields: tuple[pod_layout.Field, ...], v: Any, path: str, raw: bool, promoted: bool
    ) -> None:
        if v is None:
            v = {}
        if not isinstance(v, Mapping):
            raise Unprintable(path, f"Go expects an object here (got {type(v).__name__})")
        if not raw and not promoted:
            unknown = sorted(
                k for k, value in v.items() if value is not None and k not in _json_names(fields)
            )
            if unknown:
                raise Unprintable(_join(path, unknown[0]), "a field Flagger's Go types do not have")
        self.out.append("{")
        for i, (go_name, json_name, type_name, embedded) in enumerate(fields):
            if i:
                self.out.append(" ")
            self.out.append(f"{go_name}:")
            if raw:
                self.value(type_name, v.get(go_name), typed=True, path=_join(path, go_name), raw=True)
            elif embedded and not json_name and pod_layout.TYPES[type_name][0] == "struct":
                self.value(type_name, v, typed=True, path=path, promoted=True)
            else:
                got = v.get(json_name) if json_name else None
                self.value(type_name, got, typed=True, path=_join(path, json_name or go_name))
        self.out.append("}")

    def sequence(self, name: str, elem: str, v: Any, path: str) -> None:
        if v is None:
            self.out.append("<nil>")
            return
        if not isinstance(v, list):
            raise Unprintable(path, f"Go expects a list here (got {type(v).__name__})")
        if name == "[]uint8":
            raise Unprintable(path, "bytes are not reproduced")
        self.out.append("[")
        for i, item in enumerate(v):
            if i:
                self.out.append(" ")
            self.value(elem, item, typed=False, path=f"{path}[{i}]")
        self.out.append("]")

    def mapping(self, elem: str, v: Any, path: str) -> None:
        if v is None:
            self.out.append("<nil>")
            return
        if not isinstance(v, Mapping):
            raise Unprintable(path, f"Go expects an object here (got {type(v).__name__})")
        self.out.append("map[")
        for i, key in enumerate(sorted(v)):  # code point order is Go's byte order for UTF-8
            if i:
                self.out.append(" ")
            self.out.append(f"{key}:")
            self.value(elem, v[key], typed=False, path=_join(path, key))
        self.out.append("]")


@functools.cache
def _json_names(fields: tuple[pod_layout.Field, ...]) -> frozenset[str]:
    """The JSON names a struct with these fields decodes, promoted fields of embedded structs included."""
    names: set[str] = set()
    for _go, json_name, type_name, embedded in fields:
        if embedded and not json_name and pod_layout.TYPES[type_name][0] == "struct":
            names |= _json_names(pod_layout.TYPES[type_name][4])
        elif json_name:
            names.add(json_name)
    return frozenset(names)


def _scalar(kind: str, v: Any, path: str) -> str:
    if kind in STRING_KINDS:
        if v is None:
            return ""
        if not isinstance(v, str):
            raise Unprintable(path, f"Go expects a string here (got {type(v).__name__})")
        return v
    if kind == "bool":
        if v is None:
            return "false"
        if not isinstance(v, bool):
            raise Unprintable(path, f"Go expects a boolean here (got {type(v).__name__})")
        return "true" if v else "false"
    if kind in INT_RANGES:
        if v is None:
            return "0"
        low, high = INT_RANGES[kind]
        if isinstance(v, bool) or not isinstance(v, int) or not low <= v <= high:
            raise Unprintable(path, f"Go expects an {kind} here (got {v!r:.40})")
        return str(v)
    if v is None and kind in ("float32", "float64"):
        return "0"
    raise Unprintable(path, f"a value of Go kind {kind} is not reproduced")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


# --- types that decode themselves -------------------------------------------------------------------


def _decoded(name: str, v: Any, path: str) -> Any:
    """The Go field values (by Go field name) of a type with its own UnmarshalJSON."""
    if name == "resource.Quantity":
        return None if v is None else quantity(v, path)
    if name == "intstr.IntOrString":
        if v is None:
            return None
        if isinstance(v, str):
            return {"Type": 1, "StrVal": v}
        if isinstance(v, int) and not isinstance(v, bool) and -(2**31) <= v < 2**31:
            return {"Type": 0, "IntVal": v}
        raise Unprintable(path, f"Go expects an int32 or a string here (got {v!r:.40})")
    if v is None:  # metav1.Time, time.Time, FieldsV1...: null and absent are the zero value
        return None
    raise Unprintable(path, f"a set {name} is not reproduced")


_DECIMAL = {"": 0, "n": -9, "u": -6, "m": -3, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_QUANTITY = re.compile(r"([+-]?)(0*)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*(?:[+-]?[0-9]+)?)")
_MAX_INT64_FACTORS = 18
_NANO = -9


def quantity(v: Any, path: str) -> dict[str, Any]:
    """``resource.ParseQuantity`` of a JSON quantity, on the int64 path: the fields of the Quantity
    (``i`` value and scale, ``s`` when the text is canonical, ``Format``)."""
    if isinstance(v, int) and not isinstance(v, bool):
        text = str(v)
    elif isinstance(v, str):
        text = v.strip(" \t\n\r\v\f")
    else:
        raise Unprintable(path, f"a quantity must be a string or an integer here (got {v!r:.40})")
    if text == "0":
        return {"Format": "DecimalSI", "s": "0"}
    match = _QUANTITY.fullmatch(text)
    if not text or match is None:
        raise Unprintable(path, f"{text!r:.40} is not a quantity Go parses")
    sign, zeros, num, denom, suffix = match.groups()
    denom = denom or ""
    if not num and not denom and zeros and not suffix and match.group(4) is None:
        num = "0"
    num = num or "0"
    if suffix in _DECIMAL:
        exponent, fmt, binary = _DECIMAL[suffix], "DecimalSI", False
    elif suffix in _BINARY:
        exponent, fmt, binary = _BINARY[suffix], "BinarySI", True
    elif len(suffix) > 1 and suffix[0] in "eE" and re.fullmatch(r"[+-]?[0-9]+", suffix[1:]):
        exponent, fmt, binary = int(suffix[1:]), "DecimalExponent", False
    else:
        raise Unprintable(path, f"{text!r:.40} has a suffix Go does not know")
    mantissa = 1
    if not binary:
        scale, precision = exponent, _MAX_INT64_FACTORS - (len(num) + len(denom))
    elif exponent >= 0 and not denom:
        scale = 0
        mantissa = 1 << exponent
        precision = 15 - len(num) - _go_int32(exponent * 3 / 10) - 1
    else:
        raise Unprintable(path, f"{text!r:.40} is kept by Go as an inf.Dec, which is not reproduced")
    scale -= len(denom)
    shifted = num + denom
    value = int(shifted)
    result = value * mantissa
    if precision < 0 or scale < _NANO or value >= 2**63 or not -(2**63) < result < 2**63:
        raise Unprintable(path, f"{text!r:.40} is kept by Go as an inf.Dec, which is not reproduced")
    if sign == "-":
        result = -result
    fields: dict[str, Any] = {"i": {"value": result, "scale": scale}, "Format": fmt}
    if binary:
        canonical = exponent % 10 == 0 and value & 0x07 != 0
    else:
        canonical = scale % 3 == 0 and not shifted.endswith("000") and shifted[0] != "0"
    if canonical:
        fields["s"] = text
    return fields


def _go_int32(x: float) -> int:
    """Go's int32(float32(x)): truncation toward zero."""
    return int(x)
