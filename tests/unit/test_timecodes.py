"""Times as people and WebVTT write them."""

import pytest

from core.platform.timecodes import clock, parse_clock, parse_vtt_timestamp, precise_clock, to_millis, vtt_timestamp


@pytest.mark.parametrize(
    "text, seconds", [("75", 75), ("75.5", 75.5), ("75,5", 75.5), ("1:15", 75), ("01:02:03.250", 3723.25), (" 0 ", 0)]
)
def test_people_write_times_several_ways(text, seconds):
    assert parse_clock(text) == seconds


@pytest.mark.parametrize("text", ["", "abc", "-1", "1:60", "1:2:3:4", "1:75.0", "1.2.3"])
def test_what_is_not_a_time_is_refused(text):
    with pytest.raises(ValueError):
        parse_clock(text)


def test_writing_times():
    assert (clock(59.9), clock(125), clock(3725)) == ("0:59", "2:05", "1:02:05")
    assert (precise_clock(125.25), precise_clock(125)) == ("2:05.25", "2:05")
    assert vtt_timestamp(3723.25) == "01:02:03.250" and parse_vtt_timestamp("01:02:03.250") == 3723.25
    assert parse_vtt_timestamp("02:03.004") == 123.004 and to_millis(1.0005) in (1000, 1001)
    with pytest.raises(ValueError):
        parse_vtt_timestamp("2:03.004")
