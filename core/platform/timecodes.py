"""Times in a video, as people write them (``1:02:03.5``) and as WebVTT writes them (``01:02:03.500``).

Public helpers for plugins that edit timed things (chapters, enrichments, notes...).
"""

from __future__ import annotations

import html
import math
import re

_CLOCK = re.compile(r"^(?:(?:(\d+):)?([0-5]?\d):)?(\d+(?:[.,]\d{1,3})?)$")
_VTT = re.compile(r"^(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})$")


def parse_clock(text: str) -> float:
    """Seconds for ``"75"``, ``"75.5"``, ``"1:15"`` or ``"1:02:03.250"``; ``ValueError`` otherwise."""
    match = _CLOCK.match((text or "").strip())
    if not match:
        raise ValueError(f"not a time: {text!r}")
    hours, minutes, seconds = match.groups()
    value = float(seconds.replace(",", "."))
    if (hours or minutes) and value >= 60:
        raise ValueError(f"not a time: {text!r}")
    return int(hours or 0) * 3600 + int(minutes or 0) * 60 + value


def clock(seconds: float) -> str:
    """``"2:05"`` or ``"1:02:05"`` (whole seconds, rounded down), for people."""
    whole = int(max(0.0, seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def precise_clock(seconds: float) -> str:
    """Like :func:`clock`, with milliseconds when there are any (``"2:05.250"``): what edit forms show."""
    millis = round(max(0.0, seconds) * 1000)
    text = clock(millis // 1000)
    return text + f".{millis % 1000:03d}".rstrip("0") if millis % 1000 else text


def vtt_timestamp(seconds: float) -> str:
    """``"01:02:03.250"``: a WebVTT cue timestamp."""
    millis = round(max(0.0, seconds) * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


#: Any tag of WebVTT cue text (``<b>``, ``<v Speaker>``, ``<00:01.000>``...).
CUE_TAG = re.compile(r"<[^<>\n]*>")


def plain_cue_text(cue_text: str) -> str:
    """What a reader sees of cue text: tags removed, character references decoded, lines joined."""
    return " ".join(html.unescape(CUE_TAG.sub("", cue_text)).split())


def escape_cue_text(text: str) -> str:
    """Cue text is markup in WebVTT: ``&``, ``<`` and ``>`` are escaped (``-->`` cannot appear then)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def parse_vtt_timestamp(text: str) -> float:
    """Seconds for a WebVTT timestamp (``mm:ss.ttt`` or ``hh:mm:ss.ttt``); ``ValueError`` otherwise."""
    match = _VTT.match(text.strip())
    if not match:
        raise ValueError(f"not a WebVTT timestamp: {text!r}")
    hours, minutes, seconds, millis = match.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000


def to_millis(seconds: float) -> int:
    """Whole milliseconds, the unit times are stored in (exact comparisons, no float drift)."""
    if math.isnan(seconds) or math.isinf(seconds):
        raise ValueError("not a time")
    return round(seconds * 1000)
