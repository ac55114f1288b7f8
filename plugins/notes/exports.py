"""One's own notes of a video as plain text or CSV (safe to open in a spreadsheet)."""

from __future__ import annotations

import csv
import io

from pyramid.response import Response

from core.plugin_api import clock

# A spreadsheet runs a cell starting with these as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _kind(request, note) -> str:
    if note.parent_id is not None:
        return request.translate("reply")
    return request.translate("private note") if note.kind == "note" else request.translate("comment")


def _download(body: str, filename: str, content_type: str, bom: bool = False) -> Response:
    response = Response(body=body.encode("utf-8-sig" if bom else "utf-8"), content_type=content_type, charset="utf-8")
    response.content_disposition = f'attachment; filename="{filename}"'
    response.cache_control = "private, no-store"
    return response


def _text_lines(request, video, notes) -> list[str]:
    lines = [
        request.translate("Notes on “${title}”", title=video.title),
        request.route_url("video", video_id=video.id),
        "",
    ]
    return lines + [f"[{clock(note.time)}] ({_kind(request, note)}) {note.text}" for note in notes]


def text_response(request, groups, filename: str) -> Response:
    """``groups``: ``[(video, notes)]``, one block per video."""
    blocks = ["\n".join(_text_lines(request, video, notes)) for video, notes in groups]
    return _download("\n\n".join(blocks) + "\n", filename, "text/plain")


def _safe(value):
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_response(request, groups, filename: str) -> Response:
    """``groups``: ``[(video, notes)]``; one row per note."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["video_id", "video_title", "time_seconds", "time", "kind", "text", "created_at"])
    for video, notes in groups:
        for note in notes:
            kind = "reply" if note.parent_id is not None else note.kind
            writer.writerow(
                [
                    _safe(v)
                    for v in (
                        video.id,
                        video.title,
                        round(note.time, 3),
                        clock(note.time),
                        kind,
                        note.text,
                        note.created_at.isoformat(),
                    )
                ]
            )
    return _download(buffer.getvalue(), filename, "text/csv", bom=True)
