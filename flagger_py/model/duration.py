"""Durations as users write them in Canary specs: ``30s``, ``1m``, ``1m30s``, ``1h30m``, ``500ms``.

The syntax is Go's ``time.ParseDuration`` (what Flagger uses), so every value Flagger parses
parses here to the same length of time, counted in whole nanoseconds as Go counts it. A value Go
cannot hold (longer than ``MAX_TEXT``, about 292 years) does not parse, as in Go. Unlike Flagger, a
value that does not parse is an error, never a silent default (Flagger falls back to 60 s).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

_UNIT_NANOSECONDS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "μs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_PART = re.compile(r"([0-9]*)(?:\.([0-9]*))?(ns|us|µs|μs|ms|s|m|h)")
EXAMPLES = "30s, 1m or 1m30s"
MAX_NANOSECONDS = (1 << 63) - 1
"""Go's longest Duration (an int64 of nanoseconds)."""
MAX_TEXT = "2562047h47m16.854775807s"
MAX_SECONDS = MAX_NANOSECONDS / 1e9


@dataclass(frozen=True, order=True)
class Duration:
    """A length of time; keeps the text it was parsed from so it serialises unchanged."""

    seconds: float
    text: str

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Parse Go duration syntax; raise ValueError with a message fit for the user."""
        if not isinstance(text, str):
            raise ValueError(_wrong(text))
        body = text.strip()
        sign = 1
        if body[:1] in "+-" and body:
            sign = -1 if body[0] == "-" else 1
            body = body[1:]
        if body == "0":
            return cls(0.0, text)
        if not body:
            raise ValueError(_wrong(text))
        total = 0
        pos = 0
        while pos < len(body):
            match = _PART.match(body, pos)
            if match is None or not (match.group(1) or match.group(2)):
                raise ValueError(_wrong(text))
            part = _nanoseconds(match.group(1), match.group(2) or "", _UNIT_NANOSECONDS[match.group(3)])
            if part is None or total + part > 1 << 63:
                raise ValueError(_too_long(text))
            total += part
            pos = match.end()
        if sign > 0 and total > MAX_NANOSECONDS:
            raise ValueError(_too_long(text))
        return cls(sign * total / 1e9, text)

    @classmethod
    def of_seconds(cls, seconds: float) -> Duration:
        """A duration of whole or fractional seconds, written the short Go way (``90s`` → ``1m30s``)."""
        return cls(float(seconds), format_seconds(seconds))

    def __str__(self) -> str:
        return self.text


def _nanoseconds(whole: str, fraction: str, unit: int) -> int | None:
    """One ``<digits>[.<digits>]<unit>`` part in nanoseconds, computed as Go's ParseDuration computes
    it (the fraction through a float64, truncated); None where Go overflows."""
    limit = 1 << 63
    whole = whole.lstrip("0")
    if len(whole) > 19:  # more digits than 2**63 has
        return None
    value = int(whole or "0")
    if value > limit // unit:
        return None
    value *= unit
    part, scale = _leading_fraction(fraction)
    if part:
        value += int(float(part) * (unit / scale))
    return None if value > limit else value


def _leading_fraction(digits: str) -> tuple[int, float]:
    """Go's leadingFraction: the digits as an integer and their scale, precision dropped where a
    uint64 would overflow."""
    value, scale, overflow = 0, 1.0, False
    for char in digits:
        if overflow:
            break
        if value > MAX_NANOSECONDS // 10:
            overflow = True
            continue
        grown = value * 10 + int(char)
        if grown > 1 << 63:
            overflow = True
            continue
        value, scale = grown, scale * 10
    return value, scale


def _wrong(value: object) -> str:
    hint = ""
    bare = str(value).strip().lstrip("+-")
    if not isinstance(value, bool) and re.fullmatch(r"[0-9]+(\.[0-9]*)?", bare):
        written = f"{bare}s or {bare}m" if len(bare) <= 20 else "it with a unit: s, m or h"
        hint = f": a bare number has no unit, write {written}"
    return f"must be a duration such as {EXAMPLES} (got {_shown(value)}){hint}"


def _too_long(text: str) -> str:
    return f"must be at most {MAX_TEXT}, Go's longest duration (got {_shown(text)})"


def _shown(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:50] + "…" + shown[-5:]


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
    duration = value if isinstance(value, Duration) else Duration.parse(value)
    if duration.seconds < 0:
        raise ValueError(f"must not be negative (got {_shown(duration.text)})")
    return duration


DurationField = Annotated[
    Duration,
    BeforeValidator(_coerce),
    PlainSerializer(lambda d: d.text, return_type=str),
    WithJsonSchema({"type": "string"}),
]
"""A pydantic field type that reads and writes duration strings; negative ones are refused."""
