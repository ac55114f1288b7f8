"""What happens to a recording once it arrives: its owner, language and access, and the pending queue.

A recorder that publishes automatically gives the video its access level at once. Otherwise the
video stays a draft and a :class:`PendingRecording` waits for the manager or the scheduled owner,
who gets an e-mail (sent by a task after the commit).
"""

from __future__ import annotations

import os

from sqlalchemy import select

from core.models import User, Video
from core.plugin_api import (
    IngestTrack,
    QuotaExceeded,
    add_to_channel,
    enqueue_after_commit,
    ingest_files,
    title_from_filename,
    upload_key,
)
from plugin_recorder.models import PendingRecording, Recorder, RecorderEvent


def recording_owner(recorder: Recorder, event: RecorderEvent | None = None) -> User | None:
    """Who owns a new recording: the scheduled owner, else the recorder's default owner, else its manager."""
    if event is not None and event.owner is not None:
        return event.owner
    return recorder.default_owner or recorder.manager


def apply_policy(request, recorder: Recorder, video: Video, event: RecorderEvent | None = None) -> None:
    """Give a new recording its recorder's defaults; publish it or leave it pending."""
    if recorder.language and not video.language:
        video.language = recorder.language
    if event is not None:
        event.video_id = video.id
    if recorder.auto_publish:
        video.access = recorder.access
        if recorder.channel is not None:
            add_to_channel(video, recorder.channel)
        return
    video.access = "draft"
    pending = PendingRecording(
        site_id=video.site_id,
        recorder_id=recorder.id,
        video_id=video.id,
        event_id=event.id if event is not None else None,
    )
    request.dbsession.add(pending)
    request.dbsession.flush()
    from plugin_recorder.mail import notify_pending

    enqueue_after_commit(request, notify_pending, pending.id)


def ingest_stream(
    request, recorder: Recorder, stream, filename: str, title: str = "", event: RecorderEvent | None = None
) -> Video:
    """Store a recording's bytes and turn them into a video of the recorder's site.

    Raises :class:`core.ingest.QuotaExceeded` (nothing kept in storage) when the recording would take
    its owner past the site's quota: the owner is charged, not the recorder's shared account.
    """
    owner = recording_owner(recorder, event)
    if owner is None:
        raise ValueError("the recorder has neither a manager nor a default owner")
    key = upload_key(recorder.site_id, "recorder-" + os.urandom(8).hex())
    request.storage.save(key, stream)
    title = title or (event.title if event else "") or title_from_filename(filename)
    try:
        video = ingest_files(
            request,
            owner,
            [IngestTrack(key, "presenter/source", filename)],
            {"title": title, "language": recorder.language},
        )
    except QuotaExceeded:
        request.storage.delete(key)
        raise
    apply_policy(request, recorder, video, event)
    return video


def claimable(request, pending: PendingRecording) -> bool:
    """The manager, the scheduled owner and the site's admins may claim a pending recording."""
    user = request.user
    if user is None or pending.site_id != request.site.id:
        return False
    if user.is_admin or pending.recorder.manager_id == user.id:
        return True
    return pending.event is not None and pending.event.owner_id == user.id


def pending_for(request) -> list[PendingRecording]:
    """The pending recordings of the request's site that its user may claim, oldest first."""
    query = select(PendingRecording).where(PendingRecording.site_id == request.site.id).order_by(PendingRecording.id)
    return [pending for pending in request.dbsession.scalars(query) if claimable(request, pending)]
