"""The load tester's logs: one record per line, in the encoding ``-zap-encoding`` names.

``json`` (the default, as Flagger's loadtester): one JSON object per line with zap's keys (``level``,
``ts``, ``logger``, ``msg``) and the fields a log call passes in ``extra`` (``canary``, ``command``,
...). ``console``: zap's console layout, tab-separated, the fields as one JSON object at the end.

Whatever a webhook's payload holds (a newline, an escape sequence, U+2028) cannot start a new line or
forge a record: JSON escapes it, and the console layout escapes every control character of the
message and JSON-encodes the fields. Untrusted values go in ``extra``, never in the message format.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")

LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "fatal": logging.CRITICAL,
    "panic": logging.CRITICAL,
}
ENCODINGS = ("json", "console")


def escape(value: str) -> str:
    """``value`` with every control and line-separator character written as a JSON escape."""
    return _UNSAFE.sub(lambda match: json.dumps(match.group())[1:-1], value)


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD}


def _when(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "level": record.levelname.lower(),
            "ts": _when(record),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        out.update(_fields(record))
        if record.exc_info:
            out["error"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)  # ensure_ascii: no raw newline or U+2028 can come out


class ConsoleFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = _fields(record)
        if record.exc_info:
            fields["error"] = self.formatException(record.exc_info)
        parts = [_when(record), record.levelname.lower(), record.name, escape(record.getMessage())]
        if fields:
            parts.append(json.dumps(fields, default=str))
        return "\t".join(parts)


def configure(level: str, encoding: str) -> None:
    """Send every record to stderr in ``encoding``; the access log only at ``debug`` (Flagger's
    loadtester logs no requests)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if encoding == "json" else ConsoleFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(LEVELS[level])
    logging.getLogger("aiohttp.access").setLevel(logging.DEBUG if level == "debug" else logging.WARNING)
