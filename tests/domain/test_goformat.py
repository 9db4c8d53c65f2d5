"""Numbers printed as Go prints them: the expected texts were printed by Go 1.26's fmt (``%v`` of a
float64, and of ``time.Duration(int64(ms)) * time.Millisecond``)."""

from __future__ import annotations

import pytest

from flagger_py.domain import goformat

FLOATS = {
    0.0: "0",
    1.0: "1",
    99.5: "99.5",
    1e6: "1e+06",
    123456789.0: "1.23456789e+08",
    123456.0: "123456",
    1234567.0: "1.234567e+06",
    999999.5: "999999.5",
    12345.678: "12345.678",
    1e20: "1e+20",
    1e21: "1e+21",
    1e100: "1e+100",
    0.0001: "0.0001",
    0.00012345: "0.00012345",
    0.00001: "1e-05",
    1.5e-7: "1.5e-07",
    -3.25: "-3.25",
    2.0 / 3: "0.6666666666666666",
    500.7: "500.7",
}
DURATIONS = {
    0: "0s",
    0.5: "0s",
    1: "1ms",
    500: "500ms",
    999.9: "999ms",
    1500: "1.5s",
    60000: "1m0s",
    61500: "1m1.5s",
    3600000: "1h0m0s",
    3723004: "1h2m3.004s",
}


@pytest.mark.parametrize(("value", "text"), FLOATS.items())
def test_float_v(value: float, text: str) -> None:
    assert goformat.float_v(value) == text


@pytest.mark.parametrize(("milliseconds", "text"), DURATIONS.items())
def test_milliseconds_v(milliseconds: float, text: str) -> None:
    assert goformat.milliseconds_v(milliseconds) == text


def test_sub_millisecond_durations() -> None:
    assert goformat.duration_v(850_000) == "850µs"
    assert goformat.duration_v(1_234_567) == "1.234567ms"
    assert goformat.duration_v(-1_500_000_000) == "-1.5s"
