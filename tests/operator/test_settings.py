"""Controller flags: Flagger's names (one dash or two), the environment, defaults, clear errors."""

from __future__ import annotations

import pytest

from flagger_py.cli import main
from flagger_py.operator import settings


def test_defaults_are_flaggers() -> None:
    parsed = settings.parse([], environ={})
    assert parsed.mesh_provider == "istio"
    assert parsed.metrics_server == "http://prometheus:9090"
    assert parsed.selector_labels == ("app", "name", "app.kubernetes.io/name")
    assert parsed.enable_config_tracking is True
    assert parsed.enable_leader_election is False
    assert parsed.leader_election_namespace == "kube-system"
    assert (parsed.leader_election_lease_duration, parsed.leader_election_renew_deadline) == (60.0, 15.0)
    assert parsed.min_interval == 10.0
    assert parsed.port == 8080


def test_flaggers_single_dash_spelling_and_ours_both_work() -> None:
    one = settings.parse(["-mesh-provider", "linkerd", "-include-label-prefix", "app.kubernetes.io,team"], {})
    two = settings.parse(["--mesh-provider=linkerd", "--include-label-prefix", "app.kubernetes.io,team"], {})
    assert one == two
    assert one.include_label_prefix == ("app.kubernetes.io", "team")


def test_environment_fills_what_flags_do_not_set() -> None:
    env = {
        "FLAGGER_PY_MESH_PROVIDER": "nginx",
        "SLACK_URL": "https://hooks.slack.com/x",
        "EVENT_WEBHOOK_URL": "http://e",
    }
    parsed = settings.parse(["-no-cross-namespace-refs", "true"], env)
    assert (parsed.mesh_provider, parsed.slack_url, parsed.event_webhook) == (
        "nginx",
        "https://hooks.slack.com/x",
        "http://e",
    )
    assert parsed.no_cross_namespace_refs is True
    assert settings.parse(["-mesh-provider", "istio"], env).mesh_provider == "istio"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-enable-config-tracking", "yes"], "-enable-config-tracking: must be true or false (got 'yes')"),
        (["-port", "http"], "-port: must be an integer (got 'http')"),
        (["-leader-election-lease-duration", "soon"], "-leader-election-lease-duration: must be a duration"),
        (["-zap-encoding", "xml"], "-zap-encoding: must be console or json (got 'xml')"),
        (["-log-level", "loud"], "-log-level: must be debug, info, warning or error (got 'loud')"),
    ],
)
def test_bad_values_name_the_flag(argv: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=r"^-[a-z-]+: ") as caught:
        settings.parse(argv, {})
    assert str(caught.value).startswith(message)


def test_run_reports_a_bad_flag_without_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "-port", "http"]) == 2
    assert capsys.readouterr().err == "flagger-py run: -port: must be an integer (got 'http')\n"


@pytest.mark.parametrize("flag", ["--min-interval", "--leader-election-retry-period"])
def test_a_zero_duration_is_refused_by_name(flag: str) -> None:
    with pytest.raises(ValueError, match=f"{flag.lstrip('-')}: must be longer than 0s"):
        settings.parse([flag, "0s"], environ={})
