"""Controller settings: Flagger's flag names and defaults, from flags or the environment.

Every flag is accepted as ``--name`` and, as Flagger spells it, ``-name``. A flag not given falls back
to the environment variable ``FLAGGER_PY_<NAME>`` (``FLAGGER_PY_MESH_PROVIDER``), then to the variables
Flagger reads (``SLACK_URL``, ``MSTEAMS_URL``, ``EVENT_WEBHOOK_URL``...), then to Flagger's default.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flagger_py.domain.effective import ControllerDefaults
from flagger_py.model.duration import Duration

FLAGGER_ENV = {
    "slack-url": "SLACK_URL",
    "slack-token": "SLACK_TOKEN",
    "slack-proxy-url": "SLACK_PROXY_URL",
    "msteams-url": "MSTEAMS_URL",
    "msteams-proxy-url": "MSTEAMS_PROXY_URL",
    "event-webhook": "EVENT_WEBHOOK_URL",
}

# (flag, default, help); booleans are "true"/"false" strings on the command line, as in Go.
FLAGS: tuple[tuple[str, Any, str], ...] = (
    ("kubeconfig", "", "path to a kubeconfig (default: $KUBECONFIG, ~/.kube/config, or in-cluster)"),
    ("namespace", "", "watch Canaries in this namespace only (default: all namespaces)"),
    ("mesh-provider", "istio", "the router of Canaries without spec.provider"),
    ("metrics-server", "http://prometheus:9090", "Prometheus for the built-in metrics"),
    ("selector-labels", "app,name,app.kubernetes.io/name", "pod selector label keys, first match wins"),
    ("include-label-prefix", "", "label and annotation prefixes copied to generated objects (* = all)"),
    ("enable-config-tracking", True, "track ConfigMaps and Secrets used by the target"),
    ("cluster-name", "", "cluster name shown in alerts"),
    ("no-cross-namespace-refs", False, "refuse templateRef, providerRef and upstreamRef in other namespaces"),
    ("slack-url", "", "Slack incoming webhook for Canaries without alerts"),
    ("slack-token", "", "Slack bot token"),
    ("slack-proxy-url", "", "HTTP proxy for Slack"),
    ("slack-user", "flagger", "Slack user name"),
    ("slack-channel", "", "Slack channel"),
    ("msteams-url", "", "MS Teams webhook for Canaries without alerts (replaces Slack)"),
    ("msteams-proxy-url", "", "HTTP proxy for MS Teams"),
    ("event-webhook", "", "URL every Canary event is also POSTed to"),
    (
        "outbound-allow-list",
        "",
        "YAML file: the hosts each namespace's webhooks, metric and alert addresses may call (default: any)",
    ),
    ("ingress-class", "", "ingress class for Contour HTTPProxies"),
    ("ingress-annotations-prefix", "nginx.ingress.kubernetes.io", "NGINX annotation prefix"),
    ("log-level", "info", "debug, info, warning or error"),
    ("zap-encoding", "console", "log format: console or json"),
    ("port", 8080, "port of /healthz and /metrics"),
    ("enable-leader-election", False, "run as one of several replicas; only the leader acts"),
    ("leader-election-namespace", "kube-system", "namespace of the leader Lease"),
    ("leader-election-lease-duration", "60s", "how long a leader's Lease is valid without renewal"),
    ("leader-election-renew-deadline", "15s", "a leader that cannot renew for this long steps down"),
    ("leader-election-retry-period", "5s", "how often leadership is tried or renewed"),
    (
        "min-interval",
        "10s",
        "shortest analysis interval honoured (Flagger: fixed 10s; lower it for tests and demos)",
    ),
)


@dataclass(frozen=True)
class Settings:
    """The parsed controller settings."""

    kubeconfig: str = ""
    namespace: str = ""
    mesh_provider: str = "istio"
    metrics_server: str = "http://prometheus:9090"
    selector_labels: tuple[str, ...] = ("app", "name", "app.kubernetes.io/name")
    include_label_prefix: tuple[str, ...] = ()
    enable_config_tracking: bool = True
    cluster_name: str = ""
    no_cross_namespace_refs: bool = False
    slack_url: str = ""
    slack_token: str = ""
    slack_proxy_url: str = ""
    slack_user: str = "flagger"
    slack_channel: str = ""
    msteams_url: str = ""
    msteams_proxy_url: str = ""
    event_webhook: str = ""
    outbound_allow_list: str = ""
    ingress_class: str = ""
    ingress_annotations_prefix: str = "nginx.ingress.kubernetes.io"
    log_level: str = "info"
    zap_encoding: str = "console"
    port: int = 8080
    enable_leader_election: bool = False
    leader_election_namespace: str = "kube-system"
    leader_election_lease_duration: float = 60.0
    leader_election_renew_deadline: float = 15.0
    leader_election_retry_period: float = 5.0
    min_interval: float = 10.0

    @property
    def defaults(self) -> ControllerDefaults:
        """The flags that fill in or bound a Canary's spec (``effective.resolve``)."""
        return ControllerDefaults(mesh_provider=self.mesh_provider, min_interval=self.min_interval)


def add_flags(parser: argparse.ArgumentParser) -> None:
    for name, default, text in FLAGS:
        shown = str(default).lower() if isinstance(default, bool) else default
        parser.add_argument(
            f"--{name}",
            f"-{name}",
            dest=name.replace("-", "_"),
            default=None,
            metavar="VALUE",
            help=f"{text} (default: {shown!r})",
        )


def from_args(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from parsed flags, the environment and the defaults; a bad value raises ValueError
    naming the flag."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for name, default, _ in FLAGS:
        key = name.replace("-", "_")
        raw = getattr(args, key, None)
        if raw is None:
            raw = env.get(f"FLAGGER_PY_{key.upper()}") or env.get(FLAGGER_ENV.get(name, ""), None)
        values[key] = default if raw is None else _convert(name, default, raw)
    for key in ("selector_labels", "include_label_prefix"):
        values[key] = _split(values[key])
    for key in (
        "leader_election_lease_duration",
        "leader_election_renew_deadline",
        "leader_election_retry_period",
        "min_interval",
    ):
        values[key] = _seconds(key, values[key])
        if values[key] <= 0:
            flag = key.replace("_", "-")
            raise ValueError(f"-{flag}: must be longer than 0s (a Canary would tick without a pause)")
    if values["zap_encoding"] not in ("console", "json"):
        raise ValueError(f"-zap-encoding: must be console or json (got {values['zap_encoding']!r})")
    if values["log_level"] not in ("debug", "info", "warning", "error"):
        raise ValueError(f"-log-level: must be debug, info, warning or error (got {values['log_level']!r})")
    return Settings(**values)


def _convert(name: str, default: Any, raw: str) -> Any:
    if isinstance(default, bool):
        if raw.lower() not in ("true", "false", "1", "0"):
            raise ValueError(f"-{name}: must be true or false (got {raw!r})")
        return raw.lower() in ("true", "1")
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"-{name}: must be an integer (got {raw!r})") from None
    return raw


def _split(value: Any) -> tuple[str, ...]:
    if isinstance(value, tuple):
        return value
    return tuple(part.strip() for part in str(value).split(",") if part.strip())


def _seconds(key: str, value: Any) -> float:
    if isinstance(value, float):
        return value
    try:
        return Duration.parse(str(value)).seconds
    except ValueError as exc:
        flag = key.replace("_", "-")
        raise ValueError(f"-{flag}: must be a duration such as 15s or 1m (got {value!r}): {exc}") from None


def parse(argv: Sequence[str], environ: Mapping[str, str] | None = None) -> Settings:
    parser = argparse.ArgumentParser(prog="flagger-py run")
    add_flags(parser)
    return from_args(parser.parse_args(list(argv)), environ)
