"""The outbound allow-list: which hosts a namespace's Canaries, MetricTemplates and AlertProviders
may make the controller call (``--outbound-allow-list FILE``; without it, any host).

Webhook URLs, metric addresses and alert addresses are chosen by whoever writes those objects, and
the controller calls them from inside the cluster with its own network reach. A platform team that
does not trust every namespace's authors lists, per namespace, the hosts they may reach::

    default: ["*.svc", "*.svc.cluster.local"]      # namespaces not listed below (omit: any host)
    namespaces:
      payments: ["loadtester.payments", "prometheus.monitoring:9090", "hooks.slack.com"]
      sandbox: []                                   # no outbound call at all

A pattern is a host (``prometheus.monitoring``), a suffix (``*.svc``: any host ending in ``.svc``),
or ``*``; ``:port`` restricts it to one port (default: any port). Hosts compare case-insensitively;
IP addresses only match literally. The controller's own flags (``--metrics-server``,
``--event-webhook``, ``--slack-url``) are the operator's choice and are not checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from flagger_py import redact
from flagger_py.errors import FlaggerError


@dataclass(frozen=True)
class Pattern:
    host: str
    port: int | None = None

    @classmethod
    def parse(cls, text: str, where: str) -> Pattern:
        value = text.strip().lower()
        host, _, port = value.rpartition(":") if ":" in value else (value, "", "")
        wild = "*" in host and host != "*" and not host.startswith("*.")
        if not host or any(c in value for c in "/@ ") or wild or "*" in host[1:]:
            shape = "host, *.suffix or *, optionally :port"
            raise FlaggerError(f"{where}: {text!r} is not a host pattern ({shape})")
        if port and not (port.isdigit() and 0 < int(port) < 65536):
            raise FlaggerError(f"{where}: {text!r} has an invalid port")
        return cls(host, int(port) if port else None)

    def allows(self, host: str, port: int) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.host == "*":
            return True
        if self.host.startswith("*."):
            return host.endswith(self.host[1:])
        return host == self.host

    def __str__(self) -> str:
        return f"{self.host}:{self.port}" if self.port is not None else self.host


@dataclass(frozen=True)
class AllowList:
    """``default``: the patterns of namespaces not listed (None: any host)."""

    default: tuple[Pattern, ...] | None = None
    namespaces: Mapping[str, tuple[Pattern, ...]] = field(default_factory=dict)
    source: str = ""

    @classmethod
    def load(cls, path: str) -> AllowList:
        """The allow-list in ``path`` (empty path: none). FlaggerError naming the file and the problem."""
        if not path:
            return cls()
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise FlaggerError(
                f"--outbound-allow-list {path}: cannot read it ({exc.__class__.__name__})"
            ) from None
        return cls.parse(text, path)

    @classmethod
    def parse(cls, text: str, source: str = "allow-list") -> AllowList:
        try:
            data = yaml.safe_load(text) if len(text) < 1_000_000 else None
        except yaml.YAMLError as exc:
            raise FlaggerError(f"{source}: not YAML ({redact.text(str(exc), limit=120)})") from None
        if not isinstance(data, dict) or set(data) - {"default", "namespaces"}:
            raise FlaggerError(f"{source}: expected a mapping with the keys default and namespaces")
        namespaces = data.get("namespaces") or {}
        if not isinstance(namespaces, dict):
            raise FlaggerError(f"{source}: namespaces must map a namespace to a list of host patterns")
        default = None if data.get("default") is None else _patterns(data["default"], f"{source}: default")
        listed = {str(ns): _patterns(p, f"{source}: namespaces.{ns}") for ns, p in namespaces.items()}
        return cls(default, listed, source)

    def problem(self, namespace: str, url: str, what: str) -> str:
        """Why ``what`` (a field, named for the reader) may not call ``url`` from ``namespace``; ""
        when it may."""
        patterns = self.namespaces.get(namespace, self.default)
        if patterns is None:
            return ""
        try:
            parts = urlsplit(url)
            host, port = (parts.hostname or "").lower(), parts.port
        except ValueError:
            return ""  # not a URL: the caller's own address check says so
        port = port or (443 if parts.scheme == "https" else 80)
        if any(p.allows(host, port) for p in patterns):
            return ""
        allowed = ", ".join(map(str, patterns)) or "no host"
        return (
            f"{what} {redact.url(url, secret=True)} is outside the hosts namespace {namespace} may call "
            f"({allowed}; the controller's --outbound-allow-list {self.source}): use an allowed host, "
            "or ask the cluster's operators to allow this one"
        )


def _patterns(value: object, where: str) -> tuple[Pattern, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise FlaggerError(f"{where} must be a list of host patterns (strings)")
    return tuple(Pattern.parse(v, where) for v in value)
