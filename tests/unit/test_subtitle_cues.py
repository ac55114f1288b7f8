"""Reading and writing cues (plugins.subtitles.cues): formats, escaping, line numbers."""

import pytest

from core.platform.timecodes import plain_cue_text as plain_text
from plugins.subtitles.cues import (
    CueError,
    cues_from_edit,
    parse_file,
    parse_srt,
    parse_webvtt,
    to_cue_text,
    to_editable,
    write_srt,
    write_webvtt,
)


def test_webvtt_with_header_identifiers_notes_styles_and_crlf():
    text = (
        "\ufeffWEBVTT - Cours 1\r\nKind: captions\r\n\r\nSTYLE\r\n::cue { color: yellow }\r\n\r\n"
        "NOTE written by hand\r\n\r\nintro\r\n01:02:03.004 --> 01:02:05.000 line:0 align:start\r\n"
        "<v Marie>Bonjour</v>\r\n<i>à tous</i>\r\n\r\n100:00:00.000 --> 100:00:01.500\r\nfin\r\n"
    )
    first, last = parse_webvtt(text)
    assert (first.start, first.end, first.settings) == (3723.004, 3725.0, "line:0 align:start")
    assert first.text == "<v Marie>Bonjour</v>\n<i>à tous</i>" and first.plain() == "Bonjour à tous"
    assert last.start == 360000.0
    assert write_webvtt([first]) == (
        "WEBVTT\n\n01:02:03.004 --> 01:02:05.000 line:0 align:start\n<v Marie>Bonjour</v>\n<i>à tous</i>\n"
    )


def test_short_timestamps_and_overlapping_cues_are_webvtt():
    cues = parse_webvtt("WEBVTT\n\n00:01.000 --> 00:03.000\nun\n\n00:02.000 --> 00:04.000\ndeux\n")
    assert [(c.start, c.end) for c in cues] == [(1.0, 3.0), (2.0, 4.0)]


def test_srt_in_windows_1252_is_sorted_and_escaped():
    data = (
        "2\r\n00:00:03,5 --> 00:00:04,000 X1:10 X2:20\r\nfin & <b>gras</b>\r\n\r\n"
        '1\r\n0:00:01,000 --> 0:00:02,000\r\n<font color="#fff">élève</font> < 3\r\n'
    ).encode("cp1252")
    first, second = parse_file(data, "cours.srt")
    assert (first.start, first.text) == (1.0, "élève &lt; 3")
    assert (second.start, second.end, second.text) == (3.5, 4.0, "fin &amp; <b>gras</b>")
    assert write_srt([first, second]) == (
        "1\n00:00:01,000 --> 00:00:02,000\nélève < 3\n\n2\n00:00:03,500 --> 00:00:04,000\nfin & <b>gras</b>\n"
    )


def test_editable_text_keeps_webvtt_tags_and_escapes_the_rest():
    assert to_cue_text("<i>oui</i> <script>alert(1)</script> a&b > c") == (
        "<i>oui</i> &lt;script&gt;alert(1)&lt;/script&gt; a&amp;b &gt; c"
    )
    assert to_cue_text("<v.loud Jean Dupont>Salut</v> <c.yellow>x</c> <00:00:01.500>y") == (
        "<v.loud Jean Dupont>Salut</v> <c.yellow>x</c> <00:00:01.500>y"
    )
    assert to_editable("&lt;script&gt; &amp; &nbsp;") == "<script> & \xa0"
    assert plain_text("<v Marie>Tom &amp; &lt;Jerry&gt;</v>\nsuite") == "Tom & <Jerry> suite"
    raw = parse_webvtt("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<script>x</script>\n")
    assert raw[0].text == "&lt;script&gt;x&lt;/script&gt;"


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("WEBVTTX\n", 1, "starts with the line WEBVTT"),
        ("WEBVTT\n00:00:01.000 --> 00:00:02.000\nx\n", 2, "blank line must separate"),
        ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000 colour:red\nx\n", 3, "not a WebVTT cue setting"),
        ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nx\n00:00:03.000 --> 00:00:04.000\ny\n", 5, "blank line must end"),
        ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nx\n\nSTYLE\n::cue {}\n", 6, "before the first cue"),
        ("WEBVTT\n\n00:00:01.000 -> 00:00:02.000\nx\n", 3, "expected a cue timing line"),
        ("WEBVTT\n\n00:00:01.000 --> 00:00:61.000\nx\n", 3, "is not a WebVTT time"),
    ],
)
def test_webvtt_errors_name_the_line(text, line, words):
    with pytest.raises(CueError) as caught:
        parse_webvtt(text)
    assert caught.value.line == line and words in caught.value.message


def test_srt_errors_name_the_line():
    with pytest.raises(CueError) as caught:
        parse_srt("1\n00:00:01,000 --> 00:00:02,000\nok\n\n\n2\n00:00:04,000 --> 00:00:03,000\nx\n")
    assert caught.value.line == 7 and "ends before it starts" in caught.value.message


def test_edits_round_times_and_drop_unknown_settings():
    (cue,) = cues_from_edit(
        [{"start": 1.00049, "end": "2.5", "text": "a < b\r\nc", "settings": "align:end evil"}], duration=None
    )
    assert (cue.start, cue.end, cue.text, cue.settings) == (1.0, 2.5, "a &lt; b\nc", "")
    with pytest.raises(CueError):
        cues_from_edit([{"start": float("nan"), "end": 2, "text": "x"}], duration=None)
    with pytest.raises(CueError):
        cues_from_edit([{"start": 1, "end": float("inf"), "text": "x"}], duration=None)
