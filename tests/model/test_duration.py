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


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("2562047h47m16.854775807s", 9223372036.854775807),  # Go's longest Duration
        ("9223372036854775807ns", 9223372036.854775807),
        ("-2562047h47m16.854775808s", -9223372036.854775808),
        ("0000000000000000000000001s", 1),  # leading zeros are not digits that overflow
        ("1.0000000000000000000000009s", 1),  # Go drops precision it cannot hold
    ],
)
def test_longest_durations_go_holds(text: str, seconds: float) -> None:
    assert Duration.parse(text).seconds == pytest.approx(seconds)


@pytest.mark.parametrize(
    "text",
    [
        "2562047h47m16.854775808s",
        "9223372036854775808ns",
        "100000000h",
        "1m100000000h",
        "1" + "0" * 4400 + "s",
    ],
)
def test_durations_go_cannot_hold_are_refused_not_infinite(text: str) -> None:
    """Go's ParseDuration overflows past an int64 of nanoseconds (Flagger then silently uses 60 s);
    flagger-py used to read such a value as infinity or a float beyond any clock."""
    with pytest.raises(ValueError, match=r"must be at most 2562047h47m16\.854775807s, Go's longest duration"):
        Duration.parse(text)


@pytest.mark.parametrize(("value", "hint"), [(5, "write 5s or 5m"), ("90", "write 90s or 90m"), (None, "")])
def test_a_value_that_is_not_text_is_a_value_error_with_a_hint(value: object, hint: str) -> None:
    """Not a TypeError: pydantic turns only ValueError into a problem; a TypeError escaped as a traceback."""
    with pytest.raises(ValueError, match="must be a duration such as 30s, 1m or 1m30s") as info:
        Duration.parse(value)  # type: ignore[arg-type]
    assert hint in str(info.value)


@given(st.text(alphabet="0123456789.+-hmsuµn ", max_size=40) | st.text(max_size=40))
def test_any_text_parses_or_is_refused_with_a_message(text: str) -> None:
    outcome: Duration | str
    try:
        outcome = Duration.parse(text)
    except ValueError as exc:
        outcome = str(exc)
    if isinstance(outcome, str):
        assert outcome.startswith("must be")
    else:
        assert abs(outcome.seconds) <= 9223372036.854775808
