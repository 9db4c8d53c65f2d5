"""Durations as users write them in Canary specs: ``30s``, ``1m``, ``1m30s``, ``1h30m``, ``500ms``.

The syntax is Go's ``time.ParseDuration`` (what Flagger uses), so every value Flagger parses
parses here to the same length of time. Unlike Flagger, a value that does not parse is an error,
never a silent default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

_UNIT_SECONDS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)")
EXAMPLES = "30s, 1m or 1m30s"


@dataclass(frozen=True, order=True)
class Duration:
    """A length of time; keeps the text it was parsed from so it serialises unchanged."""

    seconds: float
    text: str

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Parse Go duration syntax; raise ValueError with a message fit for the user."""
        if not isinstance(text, str):
            raise TypeError(f"must be a duration such as {EXAMPLES} (got {text!r})")
        body = text.strip()
        sign = 1.0
        if body[:1] in "+-" and body:
            sign = -1.0 if body[0] == "-" else 1.0
            body = body[1:]
        if body == "0":
            return cls(0.0, text)
        if not body:
            raise ValueError(f"must be a duration such as {EXAMPLES} (got {text!r})")
        total = 0.0
        pos = 0
        while pos < len(body):
            match = _PART.match(body, pos)
            if match is None or match.group(1) in ("", "."):
                raise ValueError(f"must be a duration such as {EXAMPLES} (got {text!r})")
            total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
            pos = match.end()
        return cls(sign * total, text)

    @classmethod
    def of_seconds(cls, seconds: float) -> Duration:
        """A duration of whole or fractional seconds, written the short Go way (``90s`` → ``1m30s``)."""
        return cls(float(seconds), format_seconds(seconds))

    def __str__(self) -> str:
        return self.text


def format_seconds(seconds: float) -> str:
    """Render seconds as Go renders a duration, without trailing zero units: 90 → '1m30s'."""
    if seconds == 0:
        return "0s"
    sign = "-" if seconds < 0 else ""
    rest = abs(seconds)
    hours, rest = divmod(rest, 3600)
    minutes, rest = divmod(rest, 60)
    out = sign
    if hours:
        out += f"{int(hours)}h"
    if minutes:
        out += f"{int(minutes)}m"
    if rest or out == sign:
        out += f"{rest:g}s"
    return out


def _coerce(value: Any) -> Duration:
    if isinstance(value, Duration):
        return value
    return Duration.parse(value)


DurationField = Annotated[
    Duration,
    BeforeValidator(_coerce),
    PlainSerializer(lambda d: d.text, return_type=str),
    WithJsonSchema({"type": "string"}),
]
"""A pydantic field type that reads and writes duration strings."""
