"""Recordings the servers report: one row per ``(server, record_id)``, however often it is reported.

The recording-ready callback, the ``rap-publish-ended`` webhook event and the periodic reconciliation
all end in :func:`recordings_ready`, which lists the recording (state ``listed``) and queues its import
as a video (:mod:`plugin_bbb.importing`) once the transaction commits.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from plugin_bbb.client import Recording
from plugin_bbb.importing import queue_import
from plugin_bbb.models import BbbMeeting, BbbRecording, BbbServer


def find_recording(dbsession, server_id: int, record_id: str) -> BbbRecording | None:
    return dbsession.scalar(
        select(BbbRecording).where(BbbRecording.server_id == server_id, BbbRecording.record_id == record_id)
    )


def _moment(milliseconds: int) -> datetime | None:
    return datetime.fromtimestamp(milliseconds / 1000, UTC) if milliseconds > 0 else None


def describe(row: BbbRecording, recording: Recording) -> None:
    """Copy what ``getRecordings`` says of a recording onto its row."""
    row.formats = sorted({f.type for f in recording.formats} | set(row.formats or []))
    row.name = (recording.name or row.name)[:250]
    row.published = recording.published
    row.started_at = _moment(recording.start_time) or row.started_at
    row.ended_at = _moment(recording.end_time) or row.ended_at


def recordings_ready(
    request,
    server: BbbServer,
    meeting: BbbMeeting | None,
    record_id: str,
    source: str = "callback",
    recording: Recording | None = None,
) -> tuple[BbbRecording, bool]:
    """A recording of ``meeting`` is ready on ``server``: its row and whether it is new.

    Called by the recording-ready callback, the webhooks, the reconciliation and an owner's "Import
    now"; a recording already known is returned as it is (``recording``, when given, refreshes its
    formats): a second report never makes a second row, nor a second video. A new recording of a
    meeting, published, has its import queued after the commit. Works in the request's transaction.
    """
    row = find_recording(request.dbsession, server.id, record_id)
    if row is None:
        row = BbbRecording(
            site_id=server.site_id,
            server_id=server.id,
            meeting_id=meeting.id if meeting is not None else None,
            record_id=record_id[:256],
            name=meeting.name[:250] if meeting is not None else "",
            formats=[],
            state="listed",
            source=source,
        )
        try:
            with request.dbsession.begin_nested():
                request.dbsession.add(row)
                request.dbsession.flush()
        except IntegrityError:  # reported twice at once: the other report made the row
            row = find_recording(request.dbsession, server.id, record_id)
            if recording is not None:
                describe(row, recording)
            return row, False
        created = True
    else:
        created = False
    if recording is not None:
        describe(row, recording)
    if created and meeting is not None and row.published:
        queue_import(request, row)
    return row, created


def meeting_recordings(request, meeting: BbbMeeting) -> list[BbbRecording]:
    """The recordings listed for a meeting, latest first."""
    return list(
        request.dbsession.scalars(
            select(BbbRecording).where(BbbRecording.meeting_id == meeting.id).order_by(BbbRecording.id.desc())
        )
    )
