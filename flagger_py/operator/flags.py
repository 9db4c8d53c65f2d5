"""Controller settings: every flag of Flagger 1.44's command line, read as Flagger reads it, and ours.

The syntax is Go's (``goflags``): ``-name=value``, ``-name value``, ``--name``, bare booleans. Each
flag has Flagger's default. Where Flagger lets an environment variable win over the flag (``SLACK_URL``,
``SLACK_TOKEN``, ``SLACK_PROXY_URL``, ``MSTEAMS_URL``, ``MSTEAMS_PROXY_URL``, ``EVENT_WEBHOOK_URL``: a
non-empty value replaces the flag's), it wins here too. A flag not given falls back to
``FLAGGER_PY_<NAME>`` (``FLAGGER_PY_MESH_PROVIDER``), then to the default.

Flags without a meaning here (klog's, ``-threadiness``, ``-control-loop-interval``,
``-zap-replace-globals``) are accepted, checked as Go checks them, and listed in ``Settings.ignored``
with the reason (``IGNORED``), which the controller logs once at start.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flagger_py.domain.effective import ControllerDefaults
from flagger_py.model.duration import Duration
from flagger_py.operator import goflags
from flagger_py.operator.goflags import Flag, Kind

PROGRAM = "flagger-py run"

# The variables Flagger reads with fromEnv(): a non-empty one wins over its flag.
FLAGGER_ENV = {
    "slack-url": "SLACK_URL",
    "slack-token": "SLACK_TOKEN",
    "slack-proxy-url": "SLACK_PROXY_URL",
    "msteams-url": "MSTEAMS_URL",
    "msteams-proxy-url": "MSTEAMS_PROXY_URL",
    "event-webhook": "EVENT_WEBHOOK_URL",
}

_B, _S, _I, _U, _D = Kind.BOOL, Kind.STRING, Kind.INT, Kind.UINT, Kind.DURATION
# Flagger 1.44's flags (cmd/flagger/main.go), with its defaults.
FLAGGER_FLAGS = (
    Flag("kubeconfig", _S, "", "Path to a kubeconfig (default: $KUBECONFIG, ~/.kube/config, or in-cluster)."),
    Flag("kubeconfig-qps", _I, "100", "Requests per second to the API server (0: 5, below 0: no limit)."),
    Flag("kubeconfig-burst", _I, "250", "Requests above -kubeconfig-qps allowed in a burst (0: 10)."),
    Flag("master", _S, "", "The address of the Kubernetes API server. Overrides any value in kubeconfig."),
    Flag("metrics-server", _S, "http://prometheus:9090", "Prometheus URL."),
    Flag("control-loop-interval", _D, "10s", "Accepted for Flagger's charts; flagger-py watches Canaries."),
    Flag("log-level", _S, "info", "Log level: debug, info, warn, error, fatal or panic."),
    Flag("port", _S, "8080", "Port of /healthz, /readyz and /metrics."),
    Flag("slack-url", _S, "", "Slack hook URL ($SLACK_URL wins)."),
    Flag("slack-token", _S, "", "Slack bot token ($SLACK_TOKEN wins)."),
    Flag("slack-proxy-url", _S, "", "Slack proxy URL ($SLACK_PROXY_URL wins)."),
    Flag("slack-user", _S, "flagger", "Slack user name."),
    Flag("slack-channel", _S, "", "Slack channel."),
    Flag("event-webhook", _S, "", "Webhook for publishing flagger events ($EVENT_WEBHOOK_URL wins)."),
    Flag("msteams-url", _S, "", "MS Teams incoming webhook URL ($MSTEAMS_URL wins; replaces Slack)."),
    Flag("msteams-proxy-url", _S, "", "MS Teams proxy URL ($MSTEAMS_PROXY_URL wins)."),
    Flag(
        "include-label-prefix", _S, "", "Label and annotation prefixes copied to generated objects (* = all)."
    ),
    Flag("threadiness", _I, "2", "Accepted for Flagger's charts; every Canary ticks in its own task."),
    Flag("zap-replace-globals", _B, "false", "Accepted for Flagger's charts; no meaning in Python."),
    Flag("zap-encoding", _S, "console", "Log encoding: console or json."),
    Flag("namespace", _S, "", "Namespace to watch Canaries in (default: all)."),
    Flag("mesh-provider", _S, "istio", "The router of Canaries without spec.provider."),
    Flag(
        "selector-labels", _S, "app,name,app.kubernetes.io/name", "Pod selector label keys, first match wins."
    ),
    Flag("ingress-annotations-prefix", _S, "nginx.ingress.kubernetes.io", "Annotations prefix for NGINX."),
    Flag("ingress-class", _S, "", "Ingress class used for annotating HTTPProxy objects."),
    Flag("enable-leader-election", _B, "false", "Enable leader election."),
    Flag("leader-election-namespace", _S, "kube-system", "Namespace of the leader Lease (-namespace wins)."),
    Flag("enable-config-tracking", _B, "true", "Enable secrets and configmaps tracking."),
    Flag("version", _B, "false", "Print version"),
    Flag("kubeconfig-service-mesh", _S, "", "Refused unless empty or the -kubeconfig path."),
    Flag("cluster-name", _S, "", "Cluster name to be included in alert msgs."),
    Flag("no-cross-namespace-refs", _B, "false", "Refuse references to other namespaces."),
)
# flagger-py's own flags.
OUR_FLAGS = (
    Flag(
        "outbound-allow-list",
        _S,
        "",
        "YAML file: the hosts each namespace's webhooks may call (default: any).",
    ),
    Flag("leader-election-lease-duration", _D, "60s", "How long a leader's Lease is valid without renewal."),
    Flag("leader-election-renew-deadline", _D, "15s", "A leader that cannot renew for this long steps down."),
    Flag("leader-election-retry-period", _D, "5s", "How often leadership is tried or renewed."),
    Flag("min-interval", _D, "10s", "Shortest analysis interval honoured (Flagger: fixed 10s)."),
)
# What klog.InitFlags registers (klog v2.140, the version Flagger 1.44 is built with).
KLOG_FLAGS = (
    Flag("add_dir_header", _B, "false", "klog: adds the file directory to the header."),
    Flag("alsologtostderr", _B, "false", "klog: log to standard error as well as files."),
    Flag("alsologtostderrthreshold", Kind.SEVERITY, "", "klog: threshold of -alsologtostderr."),
    Flag("legacy_stderr_threshold_behavior", _B, "true", "klog: legacy stderrthreshold behaviour."),
    Flag("log_backtrace_at", Kind.TRACE, "", "klog: emit a stack trace at file:N."),
    Flag("log_dir", _S, "", "klog: write log files in this directory."),
    Flag("log_file", _S, "", "klog: use this log file."),
    Flag("log_file_max_size", _U, "1800", "klog: maximum size of a log file, in megabytes."),
    Flag("logtostderr", _B, "true", "klog: log to standard error instead of files."),
    Flag("one_output", _B, "false", "klog: write logs to their native severity level only."),
    Flag("skip_headers", _B, "false", "klog: avoid header prefixes in the log messages."),
    Flag("skip_log_headers", _B, "false", "klog: avoid headers when opening log files."),
    Flag("stderrthreshold", Kind.SEVERITY, "2", "klog: threshold of the logs that go to stderr."),
    Flag("v", Kind.LEVEL, "0", "klog: number for the log level verbosity."),
    Flag("vmodule", Kind.VMODULE, "", "klog: comma-separated list of pattern=N settings."),
)
ALL_FLAGS = FLAGGER_FLAGS + OUR_FLAGS + KLOG_FLAGS
_KLOG_NAMES = frozenset(f.name for f in KLOG_FLAGS)
KLOG_REASON = (
    "klog's flags: flagger-py has no client-go logging; its logs follow -log-level and -zap-encoding"
)
IGNORED = {
    "threadiness": "every Canary ticks in its own task; there are no sync workers to size",
    "control-loop-interval": "Canaries start and stop on watch events at once, not on a periodic scan",
    "zap-replace-globals": "there is no global zap logger; -log-level already applies to the whole process",
    **dict.fromkeys(_KLOG_NAMES, KLOG_REASON),
}
LOG_LEVELS = {  # Flagger's zap levels -> Python's
    "debug": "DEBUG",
    "info": "INFO",
    "warn": "WARNING",
    "warning": "WARNING",  # Flagger's -help says warning (its zap config reads it as info)
    "error": "ERROR",
    "fatal": "CRITICAL",
    "panic": "CRITICAL",
}


@dataclass(frozen=True)
class Settings:
    """The parsed controller settings."""

    kubeconfig: str = ""
    master: str = ""
    kubeconfig_qps: int = 100
    kubeconfig_burst: int = 250
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
    control_loop_interval: float = 10.0
    threadiness: int = 2
    zap_replace_globals: bool = False
    kubeconfig_service_mesh: str = ""
    version: bool = False
    klog: tuple[tuple[str, str], ...] = ()  # klog flags given, with their values
    ignored: tuple[str, ...] = ()  # flags given that have no meaning here (IGNORED says why)

    @property
    def defaults(self) -> ControllerDefaults:
        """The flags that fill in, bound or refuse a Canary's spec (``effective.resolve``)."""
        return ControllerDefaults(self.mesh_provider, self.min_interval, self.no_cross_namespace_refs)

    @property
    def lease_namespace(self) -> str:
        """Where the leader Lease lives: as Flagger, -namespace when set, else -leader-election-namespace."""
        return self.namespace or self.leader_election_namespace

    @property
    def python_log_level(self) -> str:
        return LOG_LEVELS[self.log_level]

    def ignored_line(self) -> str:
        """One sentence naming the ignored flags given and why ('' when none)."""
        if not self.ignored:
            return ""
        own = [f"-{name} ({IGNORED[name]})" for name in self.ignored if name not in _KLOG_NAMES]
        klog = [f"-{name}" for name in self.ignored if name in _KLOG_NAMES]
        if klog:
            own.append(f"{', '.join(klog)} ({KLOG_REASON})")
        return "flags accepted for Flagger compatibility and ignored: " + "; ".join(own)


SECRET_FLAGS = frozenset({"slack-url", "slack-token", "msteams-url", "event-webhook"})


def summary(settings: Settings) -> str:
    """The flags whose values differ from the defaults, as ``-name=value`` (URLs that carry
    credentials shown as ``<set>``), for the startup log."""
    base = Settings()
    parts = []
    for flag in FLAGGER_FLAGS + OUR_FLAGS:
        key = flag.name.replace("-", "_")
        if flag.name == "version" or flag.name in IGNORED:
            continue
        value = getattr(settings, key)
        if value == getattr(base, key):
            continue
        if flag.name in SECRET_FLAGS:
            shown = "<set>"
        elif isinstance(value, bool):
            shown = str(value).lower()
        elif isinstance(value, tuple):
            shown = ",".join(value)
        elif isinstance(value, float):
            shown = f"{value:g}s"
        else:
            shown = str(value)
        parts.append(f"-{flag.name}={shown}")
    return " ".join(parts) or "all defaults"


def parse(argv: Sequence[str], environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from a command line as Flagger's and the environment; ValueError naming the flag on bad
    input, goflags.HelpRequested on -h."""
    env = os.environ if environ is None else environ
    given = goflags.parse(ALL_FLAGS, argv)
    if goflags.truth(given.get("version", "false")):
        return Settings(version=True)
    values: dict[str, Any] = {}
    for flag in FLAGGER_FLAGS + OUR_FLAGS:
        if flag.name == "version":
            continue
        raw = given.get(flag.name)
        if raw is None:
            raw = _from_env(flag, env)
        flagger_env = env.get(FLAGGER_ENV.get(flag.name, ""), "")
        if flagger_env:
            raw = flagger_env
        values[flag.name.replace("-", "_")] = _convert(flag, flag.default if raw is None else raw)
    values["klog"] = tuple((name, value) for name, value in given.items() if name in _KLOG_NAMES)
    values["ignored"] = tuple(name for name in given if name in IGNORED)
    _check(values)
    return Settings(**values)


def _from_env(flag: Flag, env: Mapping[str, str]) -> str | None:
    key = f"FLAGGER_PY_{flag.name.replace('-', '_').upper()}"
    raw = env.get(key)
    if raw is None:
        return None
    try:
        if flag.kind is Kind.BOOL:
            return goflags.parse([flag], [f"-{flag.name}={raw}"])[flag.name]
        return goflags.check(flag, raw)
    except goflags.FlagError as exc:
        raise ValueError(f"{exc} (read from ${key})") from None


def _convert(flag: Flag, raw: str) -> Any:
    name = flag.name
    if flag.kind is Kind.BOOL:
        return goflags.truth(raw)
    if flag.kind is Kind.INT:
        return goflags.go_int(raw)
    if flag.kind is Kind.DURATION:
        seconds = Duration.parse(raw).seconds
        if seconds <= 0:
            raise ValueError(f"-{name}: must be longer than 0s (got {raw!r})")
        return seconds
    if name == "port":
        if not raw.isdigit() or not 0 < int(raw) < 65536:
            raise ValueError(f"-port: must be an integer from 1 to 65535 (got {raw!r})")
        return int(raw)
    if name in ("selector-labels", "include-label-prefix"):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw


def _check(values: dict[str, Any]) -> None:
    if values["zap_encoding"] not in ("console", "json"):
        raise ValueError(f"-zap-encoding: must be console or json (got {values['zap_encoding']!r})")
    if values["log_level"] not in LOG_LEVELS:
        raise ValueError(
            f"-log-level: must be debug, info, warn, error, fatal or panic (got {values['log_level']!r})"
        )
    if not values["selector_labels"]:
        raise ValueError("-selector-labels: at least one label key is required, such as app")
    if values["kubeconfig_burst"] < 0:
        raise ValueError(
            f"-kubeconfig-burst: must be 0 or more (got {values['kubeconfig_burst']}); "
            "below 0 every API request would be refused"
        )
    if values["master"]:
        values["master"] = master_url(values["master"])
    mesh = values["kubeconfig_service_mesh"]
    if mesh and mesh != values["kubeconfig"]:
        raise ValueError(
            f"-kubeconfig-service-mesh: routing in another cluster is not supported (got {mesh!r}); "
            "flagger-py writes router objects in the cluster it watches: remove the flag"
        )


def master_url(text: str) -> str:
    """-master as client-go reads it: a URL, or host[:port] meaning https://host[:port]."""
    url = text if "://" in text else f"https://{text}"
    parts = urllib.parse.urlsplit(url)
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        parts = parts._replace(netloc="")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"-master: must be the API server's address, such as https://10.0.0.1:6443 (got {text!r})"
        )
    return url.rstrip("/")


def usage() -> str:
    return goflags.usage(ALL_FLAGS, PROGRAM)
