"""Small parts of the recorder plugin on their own: file names, agent properties, the calendar's lines."""

import base64
from datetime import timedelta
from types import SimpleNamespace

import pytest

from core.models import utcnow
from plugin_recorder.agents import parse_properties
from plugin_recorder.calendar import calendar_event
from plugin_recorder.folder import is_candidate


@pytest.mark.parametrize(
    "name, taken",
    [
        ("Cours 1.mp4", True),
        ("amphi-b.MOV", True),
        (".cours.mp4", False),
        ("cours.mp4.part", False),
        ("cours.mp4.PARTIAL", False),
        ("cours.mp4.filepart", False),
        ("~cours.mp4", False),
        ("cours.mp4~", False),
        ("cours.tmp", False),
        ("cours.mp4.crdownload", False),
    ],
)
def test_hidden_and_partial_files_are_not_candidates(name, taken):
    assert is_candidate(name) is taken


def test_agent_properties_in_the_three_shapes_agents_send():
    xml = (
        '<properties><entry key="capture.device.names">presenter,presentation</entry><entry>nokey</entry></properties>'
    )
    assert parse_properties(xml) == {"capture.device.names": "presenter,presentation"}
    assert parse_properties('{"a": 1, "b": "x"}') == {"a": "1", "b": "x"}
    assert parse_properties("# comment\na = 1\nb=x=y\nnothing\n") == {"a": "1", "b": "x=y"}
    with pytest.raises(ValueError):
        parse_properties("<properties><entry")
    with pytest.raises(ValueError):
        parse_properties("{not json")


def test_a_calendar_event_is_what_pyca_parses():
    start = utcnow().replace(microsecond=0) + timedelta(hours=1)
    recorder = SimpleNamespace(name="amphi-b")
    event = SimpleNamespace(
        uid="u-1",
        title="Line\nbreak; and, commas " + "x" * 100,
        room="",
        start=start,
        end=start + timedelta(hours=1),
        owner=None,
        recorder=recorder,
    )
    text = calendar_event(event).to_ical().decode()
    assert "\r\n " in text  # long lines are folded, as RFC 5545 wants and pyCA unfolds
    unfolded = text.replace("\r\n ", "")
    assert f"DTSTART:{start.strftime('%Y%m%dT%H%M%SZ')}\r\n" in unfolded and "LOCATION:amphi-b\r\n" in unfolded
    properties = next(line for line in unfolded.split("\r\n") if "X-APPLE-FILENAME=org.opencastproject" in line)
    decoded = base64.b64decode(properties.split(":", 1)[1]).decode()
    assert "event.title=Line break; and, commas" in decoded and "event.location=amphi-b" in decoded
