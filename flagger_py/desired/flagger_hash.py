"""Flagger 1.44's hashes, computed exactly, so a status Flagger wrote means to flagger-py what it means
to Flagger.

``template_hash``: Flagger's ``ComputeHash`` of a Deployment's or DaemonSet's pod template, the value
of ``status.lastAppliedSpec`` and ``status.lastPromotedSpec``: the FNV-32a of the template's go-spew
print (``goprint``), its decimal digits mapped onto Kubernetes' safe alphabet
(``rand.SafeEncodeString``). A DaemonSet's template is hashed as Flagger's DaemonSet controller
passes it: without the ``flagger.app/scale-to-zero`` node selector and with an empty node selector
rather than none. None when ``goprint`` cannot print the template exactly (see its docstring).

``config_checksum``: the checksum of ``status.trackedConfigs``, the first 8 bytes (hex) of the sha256 of
Go's ``json.Marshal`` of the ``data`` of a ConfigMap or Secret (a Secret's values as base64, as Go
marshals ``[]byte``).
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import json
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from flagger_py.desired import goprint

SCALE_TO_ZERO_SELECTOR = "flagger.app/scale-to-zero"
SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
FNV32_OFFSET = 0x811C9DC5
FNV32_PRIME = 0x01000193
CACHE_SIZE = 4096

_cache: OrderedDict[bytes, str | None] = OrderedDict()


def template_hash(template: Mapping[str, Any], *, daemonset: bool = False) -> str | None:
    """Flagger's ``ComputeHash`` of a pod template (``spec.template``), or None when it cannot be
    reproduced. Memoised on the template's content, so a steady canary costs one sha256 per tick."""
    key = hashlib.sha256(
        json.dumps([daemonset, template], sort_keys=True, separators=(",", ":")).encode()
    ).digest()
    if key in _cache:
        _cache.move_to_end(key)
        return _cache[key]
    value = _compute(template, daemonset)
    _cache[key] = value
    if len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)
    return value


def _compute(template: Mapping[str, Any], daemonset: bool) -> str | None:
    if daemonset:
        template = _as_daemonset_controller_passes(template)
    try:
        text = goprint.spew(template)
    except goprint.Unprintable:
        return None
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: Go's decoder would have replaced it
        return None
    return safe_encode(str(fnv32a(data)))


def _as_daemonset_controller_passes(template: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(dict(template))
    if out.get("spec") is None:
        out["spec"] = {}
    spec = out["spec"]
    if isinstance(spec, dict):  # anything else is refused by goprint, as Go's decoder refuses it
        selector = spec.get("nodeSelector")
        if isinstance(selector, dict):
            selector.pop(SCALE_TO_ZERO_SELECTOR, None)
        elif selector is None:
            spec["nodeSelector"] = {}
    return out


def string_hash(text: str) -> str:
    """Flagger's ComputeHash of a Go string (spew prints it ``(string)<text>``): a Knative canary's
    ``lastAppliedSpec`` is this hash of its revision name."""
    return safe_encode(str(fnv32a(b"(string)" + text.encode())))


def fnv32a(data: bytes) -> int:
    h = FNV32_OFFSET
    for byte in data:
        h = ((h ^ byte) * FNV32_PRIME) & 0xFFFFFFFF
    return h


def safe_encode(text: str) -> str:
    """Kubernetes' ``rand.SafeEncodeString``."""
    return "".join(SAFE_ALPHABET[ord(c) % len(SAFE_ALPHABET)] for c in text)


# --- config checksums --------------------------------------------------------------------------------


def config_checksum(obj: Mapping[str, Any]) -> str | None:
    """Flagger's checksum of a ConfigMap's or Secret's ``data``; None for a Secret whose data is not
    valid base64 (the API server never returns one)."""
    data = obj.get("data")
    if obj.get("kind") == "Secret" and isinstance(data, Mapping):
        try:
            data = {k: _canonical_base64(v) for k, v in data.items()}
        except (binascii.Error, TypeError, ValueError):
            return None
    return hashlib.sha256(go_json(data).encode()).hexdigest()[:16]


def _canonical_base64(value: Any) -> str | None:
    if value is None:  # a nil []byte marshals as null
        return None
    return base64.b64encode(base64.b64decode(str(value), validate=True)).decode()


def go_json(value: Any) -> str:
    """Go's ``json.Marshal`` of a JSON value whose objects are maps: keys sorted, no spaces, and the
    HTML-safe escapes of <, >, &, U+2028 and U+2029."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    for char, escape in _GO_ESCAPES:
        text = text.replace(char, escape)
    return text


_GO_ESCAPES = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)
