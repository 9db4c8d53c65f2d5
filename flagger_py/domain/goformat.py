"""Numbers printed as Flagger's Go code prints them in its Events: ``%v`` of a float64 and of a
``time.Duration``. Alert rules and dashboards match on those texts, so ours must be byte-identical."""

from __future__ import annotations

import math

_UNITS = ((1_000_000, "ms"), (1_000, "µs"), (1, "ns"))


def float_v(value: float) -> str:
    """Go's ``fmt`` ``%v`` of a float64: the shortest decimal that reads back as ``value``, in
    exponent form when the exponent is below -4 or at least 21 (``strconv.FormatFloat(v, 'g', -1, 64)``
    with %v's exponent threshold)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1, value) < 0 else "0"
    digits, exponent = _shortest(abs(value))
    sign = "-" if value < 0 else ""
    point = exponent + 1  # position of the decimal point after the first digit
    if exponent < -4 or exponent >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{mantissa}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return f"{sign}{digits}{'0' * (point - len(digits))}"
    return f"{sign}{digits[:point]}.{digits[point:]}"


def _shortest(value: float) -> tuple[str, int]:
    """The shortest round-tripping significant digits of a positive float, and its decimal exponent."""
    text = repr(value)  # Python's repr is the shortest round-tripping form too
    mantissa, _, exp = text.partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    exponent = (int(exp) if exp else 0) + len(whole) - 1
    if whole == "0":  # 0.00123 -> digits 123, exponent -3
        exponent = (int(exp) if exp else 0) - (len(frac) - len(frac.lstrip("0"))) - 1
    digits = digits.rstrip("0") or "0"
    return digits, exponent


def duration_v(nanoseconds: int) -> str:
    """Go's ``time.Duration.String``: ``1h2m3.5s``, ``1.5s``, ``250ms``, ``850µs``, ``0s``."""
    if nanoseconds == 0:
        return "0s"
    sign = "-" if nanoseconds < 0 else ""
    n = abs(nanoseconds)
    if n < 1_000_000_000:
        for size, unit in _UNITS:
            if n >= size:
                return sign + _fraction(n, size) + unit
    seconds = _fraction(n % 60_000_000_000, 1_000_000_000) + "s"
    minutes_total = n // 60_000_000_000
    if minutes_total == 0:
        return sign + seconds
    hours, minutes = divmod(minutes_total, 60)
    return sign + (f"{hours}h" if hours else "") + f"{minutes}m{seconds}"


def _fraction(value: int, unit: int) -> str:
    whole, rest = divmod(value, unit)
    if rest == 0:
        return str(whole)
    width = len(str(unit)) - 1
    return f"{whole}.{str(rest).rjust(width, '0').rstrip('0')}"


def milliseconds_v(milliseconds: float) -> str:
    """``time.Duration(int64(ms)) * time.Millisecond`` printed with %v, as Flagger prints a latency."""
    return duration_v(int(milliseconds) * 1_000_000)
