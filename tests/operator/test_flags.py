"""Controller flags: Flagger's names, syntax and defaults, the environment where Flagger reads it,
the flags with no meaning here, clear errors."""

from __future__ import annotations

import pytest

from flagger_py.cli import main
from flagger_py.operator import flags


def test_defaults_are_flaggers() -> None:
    parsed = flags.parse([], environ={})
    assert parsed.mesh_provider == "istio"
    assert parsed.metrics_server == "http://prometheus:9090"
    assert parsed.selector_labels == ("app", "name", "app.kubernetes.io/name")
    assert parsed.enable_config_tracking is True
    assert parsed.enable_leader_election is False
    assert parsed.leader_election_namespace == "kube-system"
    assert (parsed.leader_election_lease_duration, parsed.leader_election_renew_deadline) == (60.0, 15.0)
    assert parsed.min_interval == 10.0
    assert parsed.port == 8080
    assert (parsed.kubeconfig_qps, parsed.kubeconfig_burst, parsed.master) == (100, 250, "")
    assert (parsed.control_loop_interval, parsed.threadiness, parsed.zap_replace_globals) == (10.0, 2, False)
    assert parsed.ignored == ()
    assert parsed.klog == ()
    assert parsed == flags.Settings()


def test_flaggers_single_dash_spelling_and_ours_both_work() -> None:
    one = flags.parse(["-mesh-provider", "linkerd", "-include-label-prefix", "app.kubernetes.io,team"], {})
    two = flags.parse(["--mesh-provider=linkerd", "--include-label-prefix", "app.kubernetes.io,team"], {})
    assert one == two
    assert one.include_label_prefix == ("app.kubernetes.io", "team")


def test_every_kind_of_flag_is_read_as_flagger_means_it() -> None:
    parsed = flags.parse(
        [
            "-enable-leader-election",
            "-enable-config-tracking=false",
            "-kubeconfig-qps=0x20",
            "-kubeconfig-burst",
            "64",
            "-control-loop-interval=1m30s",
            "-master=10.0.0.1:6443",
            "-threadiness=8",
            "-zap-replace-globals",
            "-log-level=warn",
            "-port=9090",
        ],
        {},
    )
    assert parsed.enable_leader_election is True
    assert parsed.enable_config_tracking is False
    assert (parsed.kubeconfig_qps, parsed.kubeconfig_burst) == (32, 64)
    assert parsed.control_loop_interval == 90.0
    assert parsed.master == "https://10.0.0.1:6443"  # client-go's default scheme
    assert (parsed.threadiness, parsed.zap_replace_globals) == (8, True)
    assert (parsed.log_level, parsed.python_log_level, parsed.port) == ("warn", "WARNING", 9090)


@pytest.mark.parametrize(
    ("level", "python"),
    [
        *[("debug", "DEBUG"), ("info", "INFO"), ("warn", "WARNING"), ("warning", "WARNING")],
        *[("error", "ERROR"), ("fatal", "CRITICAL"), ("panic", "CRITICAL")],
    ],
)
def test_every_level_of_flaggers_zap_logger(level: str, python: str) -> None:
    assert flags.parse([f"-log-level={level}"], {}).python_log_level == python


def test_flaggers_environment_variables_win_over_its_flags_as_in_flagger() -> None:
    env = {
        "SLACK_URL": "https://hooks.slack.com/env",
        "SLACK_TOKEN": "env-token",
        "SLACK_PROXY_URL": "http://proxy.env",
        "MSTEAMS_URL": "https://teams.env",
        "MSTEAMS_PROXY_URL": "http://teams-proxy.env",
        "EVENT_WEBHOOK_URL": "http://events.env",
    }
    argv = [
        "-slack-url=https://hooks.slack.com/flag",
        "-slack-token=flag-token",
        "-slack-proxy-url=http://proxy.flag",
        "-msteams-url=https://teams.flag",
        "-msteams-proxy-url=http://teams-proxy.flag",
        "-event-webhook=http://events.flag",
        "-slack-channel=flag-channel",
    ]
    parsed = flags.parse(argv, env)
    assert (parsed.slack_url, parsed.slack_token, parsed.slack_proxy_url) == (
        "https://hooks.slack.com/env",
        "env-token",
        "http://proxy.env",
    )
    assert (parsed.msteams_url, parsed.msteams_proxy_url, parsed.event_webhook) == (
        "https://teams.env",
        "http://teams-proxy.env",
        "http://events.env",
    )
    assert parsed.slack_channel == "flag-channel"  # Flagger reads no variable for it
    # An empty variable does not win (Flagger's fromEnv).
    assert flags.parse(argv, {"SLACK_URL": ""}).slack_url == "https://hooks.slack.com/flag"


def test_our_variables_fill_only_what_flags_do_not_set() -> None:
    env = {"FLAGGER_PY_MESH_PROVIDER": "nginx", "FLAGGER_PY_ENABLE_LEADER_ELECTION": "T"}
    parsed = flags.parse(["-no-cross-namespace-refs=true"], env)
    assert (parsed.mesh_provider, parsed.enable_leader_election, parsed.no_cross_namespace_refs) == (
        "nginx",
        True,
        True,
    )
    assert flags.parse(["-mesh-provider", "istio"], env).mesh_provider == "istio"
    with pytest.raises(
        ValueError, match=r"^-kubeconfig-qps: invalid value 'x'.*\(read from \$FLAGGER_PY_KUBECONFIG_QPS\)"
    ):
        flags.parse([], {"FLAGGER_PY_KUBECONFIG_QPS": "x"})


def test_flags_without_a_meaning_here_are_listed_once_with_why() -> None:
    parsed = flags.parse(
        [
            "-threadiness=4",
            "-v=2",
            "-logtostderr",
            "-control-loop-interval=5s",
            "-zap-replace-globals",
            "-v=3",
        ],
        {},
    )
    assert parsed.ignored == (
        "threadiness",
        "v",
        "logtostderr",
        "control-loop-interval",
        "zap-replace-globals",
    )
    assert parsed.klog == (("v", "3"), ("logtostderr", "true"))
    line = parsed.ignored_line()
    assert line.startswith("flags accepted for Flagger compatibility and ignored: -threadiness (every Canary")
    assert "-control-loop-interval (Canaries start and stop on watch events" in line
    assert line.endswith(
        "-v, -logtostderr (klog's flags: flagger-py has no client-go logging; its logs follow "
        "-log-level and -zap-encoding)"
    )
    assert flags.parse(["-mesh-provider=kuma"], {}).ignored_line() == ""


def test_the_lease_lives_where_flaggers_does() -> None:
    assert flags.parse([], {}).lease_namespace == "kube-system"
    assert flags.parse(["-leader-election-namespace=flagger"], {}).lease_namespace == "flagger"
    # Flagger puts the Lease in the watched namespace when there is one.
    both = ["-leader-election-namespace=flagger", "-namespace=team-a"]
    assert flags.parse(both, {}).lease_namespace == "team-a"


def test_version_needs_no_other_valid_value() -> None:
    assert flags.parse(["-version", "-log-level=loud"], {}).version is True


def test_the_startup_summary_shows_what_differs_from_the_defaults_without_secrets() -> None:
    parsed = flags.parse(
        ["-mesh-provider=kuma", "-slack-url=https://hooks.slack.com/services/T/B/secret", "-min-interval=1s"],
        {},
    )
    assert flags.summary(parsed) == "-slack-url=<set> -mesh-provider=kuma -min-interval=1s"  # table order
    assert flags.summary(flags.Settings()) == "all defaults"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-enable-config-tracking=yes"], "-enable-config-tracking: invalid boolean value 'yes'"),
        (["-port", "http"], "-port: must be an integer from 1 to 65535 (got 'http')"),
        (["-port=0"], "-port: must be an integer from 1 to 65535 (got '0')"),
        (
            ["-leader-election-lease-duration", "soon"],
            "-leader-election-lease-duration: invalid value 'soon'",
        ),
        (["-zap-encoding", "xml"], "-zap-encoding: must be console or json (got 'xml')"),
        (["-log-level", "loud"], "-log-level: must be debug, info, warn, error, fatal or panic (got 'loud')"),
        (["-control-loop-interval=-1s"], "-control-loop-interval: must be longer than 0s (got '-1s')"),
        (["-kubeconfig-burst=-1"], "-kubeconfig-burst: must be 0 or more (got -1)"),
        (["-selector-labels=,"], "-selector-labels: at least one label key is required"),
        (["-master=ftp://x"], "-master: must be the API server's address, such as https://10.0.0.1:6443"),
        (["-master=https://x:port"], "-master: must be the API server's address"),
        (["-kubeconfig-service-mesh=/mesh/config"], "-kubeconfig-service-mesh: routing in another cluster"),
    ],
)
def test_bad_values_name_the_flag(argv: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=r"^-[a-z-]+: ") as caught:
        flags.parse(argv, {})
    assert str(caught.value).startswith(message)


def test_the_service_mesh_kubeconfig_may_be_the_same_cluster() -> None:
    same = flags.parse(["-kubeconfig=/k", "-kubeconfig-service-mesh=/k"], {})
    assert same.kubeconfig_service_mesh == "/k"


def test_run_reports_a_bad_flag_without_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "-port", "http"]) == 2
    assert (
        capsys.readouterr().err == "flagger-py run: -port: must be an integer from 1 to 65535 (got 'http')\n"
    )
    assert main(["run", "-threadiness"]) == 2
    assert "flagger-py run: -threadiness: flag needs an argument" in capsys.readouterr().err


def test_run_version_and_help_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "-version"]) == 0
    assert capsys.readouterr().out.startswith("flagger-py version ")
    assert main(["run", "--help"]) == 0
    out = capsys.readouterr().out
    for flag in flags.ALL_FLAGS:
        assert f"\n  -{flag.name}" in out


@pytest.mark.parametrize("flag", ["--min-interval", "--leader-election-retry-period"])
def test_a_zero_duration_is_refused_by_name(flag: str) -> None:
    with pytest.raises(ValueError, match=f"{flag.lstrip('-')}: must be longer than 0s"):
        flags.parse([flag, "0s"], environ={})
