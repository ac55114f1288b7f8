"""Cues: reading WebVTT and SRT with errors that name the line, writing WebVTT and SRT.

Cue text is kept as WebVTT cue text (``&lt;`` for a literal ``<``). What a person types in the
editor, and what an SRT file holds, is *editable text*: characters as they are, plus the WebVTT
tags ``<i> <b> <u> <c.x> <v Name> <lang xx> <ruby> <rt>`` and timestamp tags, which stay tags.
:func:`to_cue_text` and :func:`to_editable` convert between the two, so ``<script>`` typed in
the editor or found in a file is stored escaped and shows as text everywhere.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from core.plugin_api import CUE_TAG, _, escape_cue_text, plain_cue_text, plural, vtt_timestamp

#: Cues a track may hold, and characters a cue's text may hold.
MAX_CUES = 10_000
MAX_TEXT = 1_000

VTT_TIME = re.compile(r"^(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})$")
SRT_TIME = re.compile(r"^(\d{1,3}):([0-5]?\d):([0-5]?\d)[,.](\d{1,3})$")
TIMING = re.compile(r"^(\S+)[ \t]+-->[ \t]+(\S+)(?:[ \t]+(.*))?$")
SETTING = re.compile(r"^(vertical|line|position|size|align|region):\S+$")
KNOWN_TAG = re.compile(
    r"</?(?:c|i|b|u|v|lang|ruby|rt)(?:\.[\w.-]*)?(?:[ \t][^<>\n]*)?>|<\d{2,}:\d{2}:\d{2}\.\d{3}>"
    r"|<\d{2}:\d{2}\.\d{3}>"
)
SRT_TAGS = {"<i>", "</i>", "<b>", "</b>", "<u>", "</u>"}
SRT_FONT = re.compile(r"</?font[^<>]*>", re.IGNORECASE)


@dataclass
class Cue:
    """One cue: seconds, WebVTT cue text, WebVTT settings (``align:start``...)."""

    start: float
    end: float
    text: str
    settings: str = ""

    def plain(self) -> str:
        return plain_cue_text(self.text)


class CueError(ValueError):
    """A file or an edit that is not acceptable; ``message`` is translatable, ``line`` 1-based or 0."""

    def __init__(self, message, line: int = 0, **mapping):
        super().__init__(message)
        self.message, self.line, self.mapping = message, line, mapping

    def translate(self, request) -> str:
        text = request.translate(self.message, **self.mapping)
        return request.translate("Line ${line}: ${reason}", line=self.line, reason=text) if self.line else text


# --- text --------------------------------------------------------------------------


def to_cue_text(editable: str) -> str:
    """Editable text to WebVTT cue text: known tags kept, every other ``& < >`` escaped."""
    out, position = [], 0
    editable = "\n".join(line.rstrip() for line in editable.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    for match in KNOWN_TAG.finditer(editable):
        out.append(escape_cue_text(editable[position : match.start()]))
        out.append(match.group(0))
        position = match.end()
    out.append(escape_cue_text(editable[position:]))
    return "".join(out).strip("\n")


def to_editable(cue_text: str) -> str:
    """WebVTT cue text to editable text (character references decoded, known tags kept)."""
    return html.unescape(cue_text)


# --- times -------------------------------------------------------------------------


def srt_time(seconds: float) -> str:
    return vtt_timestamp(seconds).replace(".", ",")


def _seconds(match) -> float:
    hours, minutes, seconds, millis = match.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis.ljust(3, "0")) / 1000


# --- reading -----------------------------------------------------------------------


def decode(data: bytes, srt: bool) -> str:
    """UTF-8 (with or without BOM); SRT files may also be Windows-1252, as many tools write them."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if srt:
            try:
                return data.decode("cp1252")
            except UnicodeDecodeError:
                pass
        line = data[: exc.start].count(b"\n") + 1
        raise CueError(_("the file is not UTF-8 text."), line) from None


def blocks(text: str, first_line: int = 1):
    """``(line number of the block's first line, lines)`` for each block between blank lines."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    block, start = [], first_line
    for number, line in enumerate(lines, first_line):
        if line.strip():
            if not block:
                start = number
            block.append(line)
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def parse_file(data: bytes, filename: str = "") -> list[Cue]:
    """The cues of an uploaded WebVTT or SRT file (told apart by content, then by name)."""
    srt_name = filename.lower().endswith(".srt")
    text = decode(data, srt_name or not data.lstrip(b"\xef\xbb\xbf").startswith(b"WEBVTT"))
    if text.startswith("WEBVTT"):
        return parse_webvtt(text)
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if srt_name or first.isdigit():
        return parse_srt(text)
    raise CueError(
        _("this is neither a WebVTT file (its first line is WEBVTT) nor an SRT file (its first line is the number 1)."),
        1,
    )


def parse_webvtt(text: str) -> list[Cue]:
    """Cues of a WebVTT file; comments, styles and regions are left out."""
    text = text.lstrip("\ufeff")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not re.match(r"^WEBVTT(?:[ \t].*)?$", lines[0]):
        raise CueError(_("a WebVTT file starts with the line WEBVTT."), 1)
    header_end = next((i for i, line in enumerate(lines) if not line.strip()), len(lines))
    for number, line in enumerate(lines[1:header_end], 2):
        if "-->" in line:
            raise CueError(_("a blank line must separate the WEBVTT line from the first cue."), number)
    cues: list[Cue] = []
    for start, block in blocks("\n".join(lines[header_end:]), header_end + 1):
        if block[0].startswith(("NOTE", "STYLE", "REGION")) and "-->" not in block[0]:
            if not block[0].startswith("NOTE") and cues:
                raise CueError(_("style and region blocks must come before the first cue."), start)
            continue
        cue = _webvtt_cue(start, block)
        if cues and cue.start < cues[-1].start:
            raise CueError(_("this cue starts before the previous one: cues must be in time order."), start)
        if cue.text:
            cues.append(cue)
        _check_count(cues, start)
    return _not_empty(cues)


def _webvtt_cue(start: int, block: list[str]) -> Cue:
    timing_at = 0 if "-->" in block[0] else 1
    if timing_at >= len(block) or "-->" not in block[timing_at]:
        # A first line that begins like a time is a mistyped timing line, not a cue identifier.
        line = start if re.match(r"^\s*\d+:\d", block[0]) else start + 1
        raise CueError(_("expected a cue timing line such as 00:00:01.000 --> 00:00:04.000."), line)
    number = start + timing_at
    match = TIMING.match(block[timing_at].strip())
    if not match:
        raise CueError(_("expected a cue timing line such as 00:00:01.000 --> 00:00:04.000."), number)
    times = []
    for stamp in match.group(1), match.group(2):
        parsed = VTT_TIME.match(stamp)
        if not parsed:
            raise CueError(_("${time} is not a WebVTT time (hh:mm:ss.ttt or mm:ss.ttt)."), number, time=stamp)
        times.append(_seconds(parsed))
    settings = (match.group(3) or "").split()
    for setting in settings:
        if not SETTING.match(setting):
            raise CueError(_("${setting} is not a WebVTT cue setting."), number, setting=setting)
    payload = block[timing_at + 1 :]
    for offset, line in enumerate(payload, number + 1):
        if "-->" in line:
            raise CueError(_("a blank line must end a cue before the next timing line."), offset)
    _check_times(times[0], times[1], number)
    text = to_cue_text(to_editable("\n".join(payload)))  # a stray "<script>" becomes text
    return Cue(times[0], times[1], text, " ".join(settings))


def parse_srt(text: str) -> list[Cue]:
    """Cues of an SRT file, in time order, as WebVTT cue text (``<font>`` tags dropped)."""
    cues: list[Cue] = []
    for start, block in blocks(text.lstrip("\ufeff")):
        if not block[0].strip().isdigit():
            raise CueError(_("expected the number of a subtitle (1, 2, 3...)."), start)
        if len(block) < 2 or "-->" not in block[1]:
            raise CueError(_("expected a timing line such as 00:00:01,000 --> 00:00:04,000."), start + 1)
        parts = block[1].split("-->")
        stamps = [parts[0].strip(), (parts[1].split() or [""])[0]] if len(parts) == 2 else []
        parsed = [SRT_TIME.match(stamp) for stamp in stamps]
        if len(parsed) != 2 or not all(parsed):
            raise CueError(_("expected a timing line such as 00:00:01,000 --> 00:00:04,000."), start + 1)
        begin, end = (_seconds(match) for match in parsed)
        _check_times(begin, end, start + 1)
        text_lines = [SRT_FONT.sub("", line) for line in block[2:]]
        cue_text = to_cue_text("\n".join(text_lines))
        if cue_text.strip():
            cues.append(Cue(begin, end, cue_text))
        _check_count(cues, start)
    cues.sort(key=lambda cue: (cue.start, cue.end))
    return _not_empty(cues)


def _check_times(start: float, end: float, line: int) -> None:
    if end <= start:
        raise CueError(_("the cue ends before it starts (or when it starts)."), line)


def _check_count(cues: list[Cue], line: int) -> None:
    if len(cues) > MAX_CUES:
        raise CueError(
            plural("a track holds at most ${count} cue.", "a track holds at most ${count} cues.", MAX_CUES),
            line,
            count=MAX_CUES,
        )


def _not_empty(cues: list[Cue]) -> list[Cue]:
    if not cues:
        raise CueError(_("the file holds no cue with text."))
    return cues


# --- edits from the editor -----------------------------------------------------------


def cues_from_edit(items, duration: float | None) -> list[Cue]:
    """Cues from the editor's JSON list ``[{start, end, text}]``; errors name the cue (1-based)."""
    if not isinstance(items, list) or not items:
        raise CueError(_("a track needs at least one cue."))
    if len(items) > MAX_CUES:
        raise CueError(
            plural("a track holds at most ${count} cue.", "a track holds at most ${count} cues.", MAX_CUES),
            count=MAX_CUES,
        )
    cues = []
    for number, item in enumerate(items, 1):
        cue = _edited_cue(number, item, duration)
        if cues and cue.start < cues[-1].start:
            raise EditError(_("this cue starts before the previous one: cues must be in time order."), number, "start")
        cues.append(cue)
    return cues


class EditError(CueError):
    """An edit refused: ``line`` is the cue's number, ``field`` the field at fault."""

    def __init__(self, message, cue: int, field: str, **mapping):
        super().__init__(message, cue, **mapping)
        self.field = field

    def translate(self, request) -> str:
        text = request.translate(self.message, **self.mapping)
        return request.translate("Cue ${number}: ${reason}", number=self.line, reason=text)


def _edited_cue(number: int, item, duration: float | None) -> Cue:
    if not isinstance(item, dict):
        raise EditError(_("a cue has a start, an end and a text."), number, "text")
    try:
        start, end = float(item.get("start")), float(item.get("end"))
    except (TypeError, ValueError):
        raise EditError(_("its times must be numbers of seconds."), number, "start") from None
    if not 0 <= start < 360_000:
        raise EditError(_("it cannot start before 0."), number, "start")
    if not start < end < 360_000:
        raise EditError(_("it must end after it starts."), number, "end")
    if duration and end > duration + 1:
        raise EditError(
            _("it ends after the end of the video (${duration})."), number, "end", duration=vtt_timestamp(duration)
        )
    text = item.get("text")
    if not isinstance(text, str) or not text.strip():
        raise EditError(_("its text is empty."), number, "text")
    if len(text) > MAX_TEXT:
        raise EditError(
            plural(
                "its text is longer than ${count} character.", "its text is longer than ${count} characters.", MAX_TEXT
            ),
            number,
            "text",
            count=MAX_TEXT,
        )
    if "-->" in text:
        raise EditError(_("its text cannot contain -->."), number, "text")
    settings = item.get("settings") or ""
    if not isinstance(settings, str) or not all(SETTING.match(s) for s in settings.split()):
        settings = ""
    return Cue(round(start, 3), round(end, 3), to_cue_text(text), settings)


# --- writing -------------------------------------------------------------------------


def write_webvtt(cues: list[Cue]) -> str:
    parts = ["WEBVTT\n"]
    for cue in cues:
        settings = f" {cue.settings}" if cue.settings else ""
        parts.append(f"{vtt_timestamp(cue.start)} --> {vtt_timestamp(cue.end)}{settings}\n{cue.text}\n")
    return "\n".join(parts)


def write_srt(cues: list[Cue]) -> str:
    """SRT keeps ``<i> <b> <u>``; other tags are dropped and characters written as they are."""
    parts = []
    for number, cue in enumerate(cues, 1):
        text = CUE_TAG.sub(lambda tag: tag.group(0) if tag.group(0) in SRT_TAGS else "", cue.text)
        parts.append(f"{number}\n{srt_time(cue.start)} --> {srt_time(cue.end)}\n{html.unescape(text)}\n")
    return "\n".join(parts)
