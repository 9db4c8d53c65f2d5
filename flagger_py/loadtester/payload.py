"""The webhook payload, read as Flagger's loadtester reads it (``CanaryWebhookPayload``).

Flagger decodes the body into ``name``, ``namespace``, ``phase`` and ``checksum`` strings and a
``metadata`` map of strings, and answers 400 when the body does not fit; so does this module, with
a message that names the field and says what it must be. Like Go's decoder, it reads invalid UTF-8
and lone surrogates as U+FFFD and ``null`` as an empty string. It never recurses over the body: a
nesting too deep to parse is a 400 like any other body that is not a payload.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

MAX_BODY = 1024 * 1024
"""The largest body read (413 past it): Flagger's payloads are a few hundred bytes."""

MAX_NAME = 253  # a Kubernetes object name (DNS subdomain)
MAX_NAMESPACE = 63  # a Kubernetes namespace (DNS label)
STRING_FIELDS = ("name", "namespace", "phase", "checksum")

_SURROGATE = re.compile(r"[\ud800-\udfff]")
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_.-]{1,40}")
_TRUE = {"1", "t", "T", "TRUE", "true", "True"}  # Go's strconv.ParseBool


class PayloadError(ValueError):
    """The body is not a webhook payload: the message names the field and what it must be."""


@dataclass(frozen=True)
class Payload:
    name: str = ""
    namespace: str = ""
    phase: str = ""
    checksum: str = ""
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def canary(self) -> str:
        return f"{self.name}.{self.namespace}"

    def flag(self, key: str) -> bool:
        """A metadata switch (``returnCmdOutput``, ``logCmdOutput``), true as Go's ParseBool reads it."""
        return self.metadata.get(key, "") in _TRUE


def quote(value: str, limit: int = 80) -> str:
    """``value`` quoted for an error message: escaped, and cut at ``limit`` characters."""
    return repr(value[:limit]) + ("..." if len(value) > limit else "")


def kind_of(value: Any) -> str:
    """The JSON type of a decoded value, for error messages."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "a string" if isinstance(value, str) else "null"


def _clean(value: str) -> str:
    return _SURROGATE.sub("\ufffd", value)


def _string(value: Any, where: str, hint: str = "") -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise PayloadError(f"{where} must be a string, not {kind_of(value)}{hint}")
    return _clean(value)


def parse(raw: bytes) -> Payload:
    """The payload in ``raw`` (an empty body is an empty payload), or PayloadError."""
    if not raw:
        return Payload()
    try:
        body = json.loads(raw.decode("utf-8", "replace"))
    except RecursionError:
        raise PayloadError(
            "the body is nested too deeply to read: a webhook payload is a JSON object of strings "
            "with a metadata object of strings"
        ) from None
    except ValueError as exc:
        raise PayloadError(f"the body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise PayloadError(f"the body must be a JSON object (the webhook payload), not {kind_of(body)}")
    values = {key: _string(body.get(key), key) for key in STRING_FIELDS}
    if len(values["name"]) > MAX_NAME:
        raise PayloadError(
            f"name is {len(values['name'])} characters: a Kubernetes name has at most {MAX_NAME}"
        )
    if len(values["namespace"]) > MAX_NAMESPACE:
        raise PayloadError(
            f"namespace is {len(values['namespace'])} characters: a Kubernetes namespace has at most "
            f"{MAX_NAMESPACE}"
        )
    metadata = body.get("metadata")
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise PayloadError(f"metadata must be an object of strings (key: value), not {kind_of(metadata)}")
    strings = {
        _clean(key): _string(
            value,
            f"metadata.{key if _PLAIN_KEY.fullmatch(key) else quote(key, 40)}",
            ': quote it in the Canary (for example "true", "10")',
        )
        for key, value in metadata.items()
    }
    return Payload(metadata=strings, **values)
