"""Chapters as WebVTT: written for the player and for export, read back (strictly) for import."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.plugin_api import _, escape_cue_text, parse_vtt_timestamp, vtt_timestamp

TIMING = re.compile(r"^(\S+)\s+-->\s+(\S+)(?:\s+.*)?$")
MAX_TITLE = 200


@dataclass
class VttError(Exception):
    """A file that is not usable chapters: the line (1-based, 0 for the whole file) and what is wrong."""

    line: int
    message: str
    mapping: dict


def write_chapters(chapters, duration: float | None) -> str:
    """WebVTT chapters: one cue per chapter, ending where the next starts (the last at the video's end)."""
    starts = [c.start for c in chapters]
    blocks = ["WEBVTT"]
    for index, chapter in enumerate(chapters):
        end = starts[index + 1] if index + 1 < len(starts) else max(duration or 0, chapter.start + 1)
        title = " ".join(chapter.title.split())  # a cue's text may not hold a blank line
        blocks.append(f"{index + 1}\n{vtt_timestamp(chapter.start)} --> {vtt_timestamp(end)}\n{escape_cue_text(title)}")
    return "\n\n".join(blocks) + "\n"


def unescape(text: str) -> str:
    text = re.sub(r"<[^>]*>", "", text)  # cue tags (<b>, <v Someone>...) are not part of a chapter's title
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&nbsp;", " ").replace("&amp;", "&")


def read_chapters(text: str) -> list[tuple[float, str]]:
    """``[(start, title)]`` from a WebVTT file, in file order; :class:`VttError` on the first problem."""
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not lines or not re.match(r"^WEBVTT(?:[ \t].*)?$", lines[0]):
        raise VttError(1, _("The file must start with the line WEBVTT."), {})
    chapters, number = [], 1
    while number < len(lines):
        if not lines[number].strip():
            number += 1
            continue
        block_start = number
        while number < len(lines) and lines[number].strip():
            number += 1
        block = lines[block_start:number]
        if block[0].startswith(("NOTE", "STYLE", "REGION")):
            continue
        chapters.append(read_cue(block, block_start + 1))
    if not chapters:
        raise VttError(0, _("The file holds no chapter."), {})
    return chapters


def read_cue(block: list[str], first_line: int) -> tuple[float, str]:
    offset = 0 if "-->" in block[0] else 1  # an optional cue identifier comes first
    if offset >= len(block) or "-->" not in block[offset]:
        raise VttError(
            first_line,
            _("Line ${line}: a cue timing line (00:01:00.000 --> 00:02:00.000) is expected."),
            {"line": first_line},
        )
    line = first_line + offset
    match = TIMING.match(block[offset].strip())
    try:
        start, end = (parse_vtt_timestamp(match.group(1)), parse_vtt_timestamp(match.group(2))) if match else (0, 0)
        if not match:
            raise ValueError
    except ValueError:
        raise VttError(
            line, _("Line ${line}: the times are not WebVTT timestamps (00:01:00.000)."), {"line": line}
        ) from None
    if end <= start:
        raise VttError(line, _("Line ${line}: a cue must end after it starts."), {"line": line})
    title = " ".join(unescape(" ".join(block[offset + 1 :])).split())
    if not title:
        raise VttError(line, _("Line ${line}: the chapter has no title."), {"line": line})
    if len(title) > MAX_TITLE:
        raise VttError(
            line, _("Line ${line}: the title is longer than ${max} characters."), {"line": line, "max": MAX_TITLE}
        )
    return start, title
