"""Command-line flags read the way Go's ``flag`` package reads them (Flagger's command line).

``-name`` and ``--name`` are the same flag; a value follows as ``-name=value`` or as the next
argument (``-name value``); a boolean flag alone means true and takes a value only after ``=``
(``-enable-leader-election``, ``-enable-config-tracking=false``); ``--`` ends the flags; a flag given
twice keeps its last value. Values are checked as Go checks them (``strconv.ParseBool``, ``ParseInt``
with base prefixes, ``time.ParseDuration``) and kept as text of a known kind.

Where Go stops reading at the first argument that is not a flag and the program ignores the rest
(Flagger does), this parser refuses it: ``-enable-leader-election false`` would silently drop every
flag after it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import NoReturn

from flagger_py.model.duration import Duration


class Kind(Enum):
    """A flag's Go type, which decides its syntax (bool) and how its value is checked."""

    BOOL = "bool"
    STRING = "string"
    INT = "int"
    UINT = "uint"
    DURATION = "duration"
    LEVEL = "level"  # klog's -v: a base-10 int32
    SEVERITY = "severity"  # klog's thresholds: INFO, WARNING, ERROR, FATAL or an int32
    VMODULE = "vmodule"  # klog's pattern=N,...
    TRACE = "trace"  # klog's file.go:N


@dataclass(frozen=True)
class Flag:
    name: str
    kind: Kind
    default: str
    help: str


class FlagError(ValueError):
    """A command line Go's flag package (or this stricter reader) refuses; the message names the flag."""


class HelpRequested(Exception):
    """``-h`` or ``-help`` was given (and not defined as a flag): print the usage, exit 0."""


_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})
_SEVERITIES = ("INFO", "WARNING", "ERROR", "FATAL")
INT64 = (-(1 << 63), (1 << 63) - 1)
UINT64 = (0, (1 << 64) - 1)
INT32 = (-(1 << 31), (1 << 31) - 1)
_DIGITS = re.compile(r"[0-9a-fA-F]+(_[0-9a-fA-F]+)*")


def parse(flags: Sequence[Flag], argv: Sequence[str]) -> dict[str, str]:
    """The flags ``argv`` sets, by name, each value as the text Go would store (booleans as
    ``true``/``false``). Raises FlagError or HelpRequested."""
    known = {f.name: f for f in flags}
    given: dict[str, str] = {}
    last: Flag | None = None  # the flag read last, for the hint on a stray value
    rest = list(argv)
    while rest:
        arg = rest.pop(0)
        if arg == "--":
            break
        if len(arg) < 2 or arg[0] != "-":
            _positional(arg, last)
        name = arg[2:] if arg[1] == "-" else arg[1:]
        if not name or name[0] in "-=":
            raise FlagError(f"bad flag syntax: {arg}")
        name, equals, value = name.partition("=")
        flag = known.get(name)
        if flag is None:
            if name in ("h", "help"):
                raise HelpRequested
            close = difflib.get_close_matches(name.replace("_", "-"), [n.replace("_", "-") for n in known], 1)
            hint = f" (did you mean -{_spelled(close[0], known)}?)" if close else ""
            raise FlagError(f"-{name}: flag provided but not defined{hint}; flagger-py run -h lists them")
        last = flag
        if flag.kind is Kind.BOOL:
            given[name] = _boolean(name, value) if equals else "true"
            continue
        if not equals:
            if not rest:
                raise FlagError(f"-{name}: flag needs an argument (-{name}=VALUE)")
            value = rest.pop(0)
        given[name] = check(flag, value)
    if rest:
        _positional(rest[0], last)
    return given


def check(flag: Flag, value: str) -> str:
    """``value`` as flag ``flag`` stores it; FlagError (naming the flag) when Go would refuse it."""
    checker = _CHECKS.get(flag.kind)
    if checker is not None:
        problem = checker(value)
        if problem:
            raise FlagError(f"-{flag.name}: invalid value {value!r}: {problem}")
    return value


def go_int(text: str, bounds: tuple[int, int] = INT64) -> int:
    """``strconv.ParseInt(text, 0, 64)`` (or ParseUint with UINT64 bounds): an optional sign, then a
    0x, 0o, 0b or leading-0 (octal) prefix; underscores between digits. ValueError otherwise."""
    body, sign = text, 1
    if body[:1] in ("+", "-"):
        if bounds[0] == 0:
            raise ValueError("invalid syntax")
        sign, body = (-1 if body[0] == "-" else 1), body[1:]
    base, digits = 10, body
    if len(body) > 1 and body[0] == "0":
        prefixes = {"x": 16, "o": 8, "b": 2}
        base = prefixes.get(body[1].lower(), 8)
        digits = body[2:] if body[1].lower() in prefixes else body[1:]
        if digits.startswith("_"):
            digits = digits[1:]  # Go allows 0x_1F
    if not digits or not _DIGITS.fullmatch(digits):
        raise ValueError("invalid syntax")
    try:
        number = sign * int(digits.replace("_", ""), base)
    except ValueError:
        raise ValueError("invalid syntax") from None
    if not bounds[0] <= number <= bounds[1]:
        raise ValueError("value out of range")
    return number


def truth(value: str) -> bool:
    """A stored boolean flag value as a bool."""
    return value in _TRUE


def usage(flags: Sequence[Flag], program: str) -> str:
    """The ``-h`` text, laid out as Go's ``flag.PrintDefaults``."""
    lines = [f"Usage of {program}:"]
    for flag in sorted(flags, key=lambda f: f.name):
        kind = "" if flag.kind is Kind.BOOL else f" {_TYPE_WORD[flag.kind]}"
        lines.append(f"  -{flag.name}{kind}")
        shown = ""
        if flag.default not in ("", "false", "0") or (flag.kind is Kind.DURATION and flag.default != "0s"):
            quoted = f'"{flag.default}"' if flag.kind is Kind.STRING else flag.default
            shown = f" (default {quoted})"
        lines.append(f"    \t{flag.help}{shown}")
    return "\n".join(lines) + "\n"


_TYPE_WORD = {
    Kind.STRING: "string",
    Kind.INT: "int",
    Kind.UINT: "uint",
    Kind.DURATION: "duration",
    Kind.LEVEL: "value",
    Kind.SEVERITY: "value",
    Kind.VMODULE: "value",
    Kind.TRACE: "value",
}


def _boolean(name: str, value: str) -> str:
    if value in _TRUE:
        return "true"
    if value in _FALSE:
        return "false"
    raise FlagError(f"-{name}: invalid boolean value {value!r}: write -{name}=true or -{name}=false")


def _positional(arg: str, last: Flag | None) -> NoReturn:
    if last is not None and last.kind is Kind.BOOL and (arg in _TRUE or arg in _FALSE):
        raise FlagError(
            f"unexpected argument {arg!r} after -{last.name}: a boolean flag takes its value after '=' "
            f"(-{last.name}={arg}); Flagger would stop reading flags here and ignore the rest"
        )
    raise FlagError(
        f"unexpected argument {arg!r}: flagger-py run takes flags only (-name=value or -name value); "
        "Flagger would stop reading flags here and ignore the rest"
    )


def _spelled(dashed: str, known: Mapping[str, Flag]) -> str:
    return next(n for n in known if n.replace("_", "-") == dashed)


def _int_problem(bounds: tuple[int, int]) -> Callable[[str], str | None]:
    def problem(value: str) -> str | None:
        try:
            go_int(value, bounds)
        except ValueError as exc:
            return f"parse error ({exc}): write a whole number such as 100"
        return None

    return problem


def _duration_problem(value: str) -> str | None:
    if value != value.strip():
        return "spaces around it: write 10s"
    try:
        Duration.parse(value)
    except ValueError as exc:
        return str(exc)
    return None


def _base10_int32(value: str) -> bool:
    return bool(re.fullmatch(r"[+-]?[0-9]+", value)) and INT32[0] <= int(value) <= INT32[1]


def _level_problem(value: str) -> str | None:
    return None if _base10_int32(value) else "must be a whole number such as 2"


def _severity_problem(value: str) -> str | None:
    if value.upper() in _SEVERITIES or _base10_int32(value):
        return None
    return f"must be one of {', '.join(_SEVERITIES)} or a number"


def _vmodule_problem(value: str) -> str | None:
    for part in value.split(","):
        if not part:
            continue
        pattern, equals, level = part.partition("=")
        if not equals or not pattern or not _base10_int32(level):
            return "syntax error: expect comma-separated list of filename=N"
    return None


def _trace_problem(value: str) -> str | None:
    if not value:
        return None
    fields = value.split(":")
    if len(fields) != 2 or "." not in fields[0] or not re.fullmatch(r"[+-]?[0-9]+", fields[1]):
        return "syntax error: expect file.go:234"
    if int(fields[1]) <= 0:
        return "the line must be 1 or more"
    return None


_CHECKS: dict[Kind, Callable[[str], str | None]] = {
    Kind.INT: _int_problem(INT64),
    Kind.UINT: _int_problem(UINT64),
    Kind.DURATION: _duration_problem,
    Kind.LEVEL: _level_problem,
    Kind.SEVERITY: _severity_problem,
    Kind.VMODULE: _vmodule_problem,
    Kind.TRACE: _trace_problem,
}
