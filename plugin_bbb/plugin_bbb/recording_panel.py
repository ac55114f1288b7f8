"""The meeting's recordings as its owners see them: what the server has (``getRecordings``) beside what
Amphi made of each (its row), merged into :class:`RecordingLine` objects for the meeting page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from plugin_bbb.client import BbbError, Recording, client_for
from plugin_bbb.models import BbbMeeting, BbbRecording
from plugin_bbb.recordings import meeting_recordings

#: The meeting page waits at most this long for the server's list of recordings.
LIST_TIMEOUT = 3.0


@dataclass
class RecordingLine:
    """One recording of the panel: what the server says of it (when it was asked) and its row (if any)."""

    record_id: str
    start: datetime | None
    seconds: float
    formats: list[str] = field(default_factory=list)
    published: bool = False
    #: The server's state (``published``, ``unpublished``, ``processing``...); empty when not known.
    server_state: str = ""
    row: BbbRecording | None = None

    @property
    def state(self) -> str:
        """Amphi's state: ``new`` (not listed yet), ``listed``, ``importing``, ``imported`` or ``failed``."""
        return self.row.state if self.row is not None else "new"

    @property
    def deleted(self) -> bool:
        return self.server_state == "deleted" or (self.row is not None and self.row.deleted_at is not None)

    @property
    def on_server(self) -> bool:
        return self.server_state in ("published", "unpublished") and not self.deleted

    @property
    def may_import(self) -> bool:
        return self.on_server and self.published and self.state in ("new", "listed")

    @property
    def may_retry(self) -> bool:
        return self.state == "failed" and not self.deleted


def _moment(milliseconds: int) -> datetime | None:
    return datetime.fromtimestamp(milliseconds / 1000, UTC) if milliseconds > 0 else None


def server_line(recording: Recording, row: BbbRecording | None) -> RecordingLine:
    seconds = max(0, recording.end_time - recording.start_time) / 1000
    return RecordingLine(
        record_id=recording.record_id,
        start=_moment(recording.start_time),
        seconds=seconds,
        formats=sorted({f.type for f in recording.formats}),
        published=recording.published,
        server_state=recording.state,
        row=row,
    )


def row_line(row: BbbRecording) -> RecordingLine:
    seconds = (row.ended_at - row.started_at).total_seconds() if row.started_at and row.ended_at else 0
    return RecordingLine(row.record_id, row.started_at, seconds, list(row.formats or []), row.published, "", row)


def recording_lines(request, meeting: BbbMeeting, timeout: float) -> tuple[list[RecordingLine], str]:
    """The meeting's recordings, latest first, and why the server could not be asked (empty when it was)."""
    known = meeting_recordings(request, meeting)
    rows = {row.record_id: row for row in known if row.server_id == meeting.server_id}
    others = [row for row in known if row.server_id != meeting.server_id]
    lines, why = [], ""
    if meeting.server is not None:
        client = client_for(meeting.server, timeout=min(LIST_TIMEOUT, timeout))
        try:
            found = client.get_recordings(meeting_ids=[meeting.meeting_id], states="any")
        except BbbError as exc:
            found, why = [], request.localizer.translate(exc.words)
        for recording in found:
            if recording.meeting_id != meeting.meeting_id:
                continue
            row = rows.pop(recording.record_id, None)
            if recording.state != "deleted" or row is not None:
                lines.append(server_line(recording, row))
    lines += [row_line(row) for row in [*rows.values(), *others]]
    lines.sort(key=lambda line: line.start or datetime.min.replace(tzinfo=UTC), reverse=True)
    return lines, why


def length_text(seconds: float) -> str:
    """``1:02:03`` or ``12:04``."""
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
