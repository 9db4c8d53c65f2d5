"""The one redaction rule: what may be repeated of a URL or of foreign text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from flagger_py import redact


def test_a_url_loses_its_user_info_query_and_fragment_and_keeps_where_it_points() -> None:
    assert redact.url("https://bob:hunter2@hooks.example:8443/gate/check?token=abc#x") == (
        "https://hooks.example:8443/gate/check?..."
    )
    assert redact.url("http://loadtester.test/") == "http://loadtester.test/"


def test_a_url_from_a_secret_keeps_its_host_only() -> None:
    assert (
        redact.url("https://hooks.slack.com/services/T0/B0/XXXX", secret=True)
        == "https://hooks.slack.com/..."
    )


def test_what_is_not_a_url_is_said_so_without_echoing_it() -> None:
    assert redact.url("") == "(none)"
    assert redact.url("hunter2") == "(not a URL)"
    assert redact.url("http://h:99999/x?token=abc") == "(an unparseable URL)"


def test_credentials_in_text_are_masked() -> None:
    line = redact.text(
        'curl -H "Authorization: Bearer eyJhbGciOi.x" http://u:pw@h/x?token=q1 password=hunter2 '
        '{"api_key": "k-123", "X-Api-Token": "t-9"} shh-its-a-secret',
        known=["shh-its-a-secret"],
    )
    for secret in ("eyJhbGciOi", "pw@", "q1", "hunter2", "k-123", "t-9", "shh-its-a-secret"):
        assert secret not in line, line
    assert "curl" in line
    assert "http://" in line


def test_text_is_one_bounded_line() -> None:
    line = redact.text("first\nsecond\r\n\x00third" + "x" * 10_000)
    assert "\n" not in line
    assert "\x00" not in line
    assert line.startswith("first second third")
    assert line.endswith("...")
    assert len(line) <= redact.MAX_TEXT


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=3000), st.text(min_size=4, max_size=40))
def test_a_known_secret_never_survives_whatever_surrounds_it(around: str, secret: str) -> None:
    secret = secret.strip()
    if len(secret) < 4 or "\x00" in secret:
        return
    line = redact.text(around[:100] + secret + around[100:], known=[secret])
    assert secret not in line
    assert len(line) <= redact.MAX_TEXT
    assert "\n" not in line


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_url_never_raises_and_never_keeps_user_info(value: str) -> None:
    shown = redact.url(value)
    assert "@" not in shown.split("/")[2] if shown.count("/") >= 2 else True
