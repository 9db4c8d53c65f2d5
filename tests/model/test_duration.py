"""Durations parse like Go's time.ParseDuration and never fall back to a default."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flagger_py.model.duration import Duration, format_seconds


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30),
        ("1m", 60),
        ("1m30s", 90),
        ("1h30m", 5400),
        ("500ms", 0.5),
        ("1.5h", 5400),
        ("0", 0),
        ("2h45m10s", 9910),
        ("10us", 1e-5),
        ("-1m", -60),
        (".5s", 0.5),
    ],
)
def test_go_syntax(text: str, seconds: float) -> None:
    assert Duration.parse(text).seconds == pytest.approx(seconds)
    assert str(Duration.parse(text)) == text


@pytest.mark.parametrize("text", ["", "1", "30", "1 minute", "10sec", "m", "1d", "1m30", "1.s.5"])
def test_rejects_what_go_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="must be a duration such as 30s, 1m or 1m30s"):
        Duration.parse(text)


@given(st.integers(min_value=0, max_value=10**6))
def test_format_round_trips(seconds: int) -> None:
    assert Duration.parse(format_seconds(seconds)).seconds == seconds


def test_of_seconds_is_short() -> None:
    assert Duration.of_seconds(90).text == "1m30s"
    assert Duration.of_seconds(3600).text == "1h"
