"""What flagger-py may repeat of a URL or of a body it did not write: the one redaction rule for
logs, Events, status conditions, alerts and metrics.

URLs: :func:`url` keeps the scheme, host, port and (unless the URL came from a Secret) the path,
and drops the user info, the query and the fragment, where tokens travel. A URL read from a Secret
(an AlertProvider's ``address``, a Slack or Teams webhook) has its secret in the path, so
``secret=True`` keeps the host only.

Bodies and other foreign text (a webhook's answer, a command's output): :func:`text` makes one
line of at most :data:`MAX_TEXT` characters, with control characters replaced and credentials
masked: ``Authorization``-style values (``Bearer x``, ``Basic x``), ``key=value`` pairs whose key
names a secret (token, password, secret, api key, ...), and the user info of any URL in it.
Callers that know the secret values themselves (a Secret they read) pass them as ``known``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

MAX_TEXT = 200
MASK = "***"

_SCHEME_AUTH = re.compile(r"\b(bearer|basic|token|apikey|api-key)(\s+)[^\s\"',;]+", re.IGNORECASE)
_SECRET_KEY = (
    r"[\w.-]*(?:token|passw(?:or)?d|passwd|secret|api[_-]?key|apikey|access[_-]?key|"
    r"auth(?:orization)?|credential|signature|sig|session|cookie|private[_-]?key)[\w.-]*"
)
_PAIR = re.compile(
    rf"(?P<key>\b{_SECRET_KEY})(?P<sep>\"?\s*[=:]\s*\"?)(?P<value>[^\s\"'&,;}}]+)",
    re.IGNORECASE,
)
_USERINFO = re.compile(r"(?P<scheme>\b[a-z][a-z0-9+.-]*://)[^/\s@]+@", re.IGNORECASE)
_QUERY_VALUE = re.compile(r"(?P<scheme>\b[a-z][a-z0-9+.-]*://[^\s?#]*)\?[^\s#\"']*", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def url(value: str | None, *, secret: bool = False) -> str:
    """``value`` without user info, query and fragment (and without its path when ``secret``)."""
    if not value:
        return "(none)"
    try:
        parts = urlsplit(value.strip())
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "(an unparseable URL)"
    if not parts.scheme or not host:
        return "(not a URL)"
    host = f"[{host}]" if ":" in host else host
    where = f"{parts.scheme}://{host}{f':{port}' if port is not None else ''}"
    if secret:
        return f"{where}/..." if parts.path.strip("/") or parts.query else where
    path = _CONTROL.sub("", parts.path)
    if len(path) > 80:
        path = path[:77] + "..."
    return f"{where}{path}{'?...' if parts.query else ''}"


def text(value: str | bytes | None, *, known: Iterable[str] = (), limit: int = MAX_TEXT) -> str:
    """``value`` as one line of at most ``limit`` characters, credentials masked (see the module)."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    # Mask before cutting, so that a cut never leaves a credential's head unmasked; look at a
    # bounded prefix only, so that a megabyte body costs no more than a short one.
    line = value[: limit * 8]
    for secret in sorted({k for k in known if len(k) >= 4}, key=len, reverse=True):
        line = line.replace(secret, MASK)
    line = _CONTROL.sub(" ", line).strip()
    line = _USERINFO.sub(rf"\g<scheme>{MASK}@", line)
    line = _QUERY_VALUE.sub(r"\g<scheme>?...", line)
    line = _SCHEME_AUTH.sub(rf"\1\2{MASK}", line)
    line = _PAIR.sub(rf"\g<key>\g<sep>{MASK}", line)
    line = re.sub(r"\s{2,}", " ", line)
    if len(line) > limit or len(value) > limit * 8:
        line = line[: limit - 3].rstrip() + "..."
    return line
