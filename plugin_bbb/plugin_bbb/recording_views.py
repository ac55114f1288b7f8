"""The meeting's recordings, for its owners (and the site's admins): what the server has (``getRecordings``)
beside what Amphi made of it (the rows), and what they may do: publish, unpublish or delete a recording on
the server, import it now, retry a failed import.

Every action checks that the recording is one of this meeting's (the server's ``meetingID`` of it, or the
row's meeting): being the owner of one meeting never reaches another's recordings. The secret stays here:
the browser only posts a recording's ID.
"""

from __future__ import annotations

from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config
from sqlalchemy import select

from core.models import utcnow
from plugin_bbb.client import BbbError, Recording, client_for
from plugin_bbb.importing import move_row, queue_import
from plugin_bbb.models import BbbMeeting, BbbRecording
from plugin_bbb.recording_panel import length_text, server_line
from plugin_bbb.recordings import describe, recordings_ready
from plugin_bbb.views import FLASH, common, require_meeting, require_place, timeout

ACTIONS = ("import", "retry", "publish", "unpublish", "delete")


# --- the actions ------------------------------------------------------------------------------------------


def back(request, meeting: BbbMeeting) -> HTTPSeeOther:
    return HTTPSeeOther(request.route_url("bbb.meeting", meeting_id=meeting.id, _anchor="bbb-recordings"))


def flash(request, text: str) -> None:
    request.session.flash(text, FLASH)


def meeting_row(request, meeting: BbbMeeting, record_id: str) -> BbbRecording | None:
    return request.dbsession.scalar(
        select(BbbRecording).where(BbbRecording.meeting_id == meeting.id, BbbRecording.record_id == record_id)
    )


def server_recording_of(request, meeting: BbbMeeting, record_id: str) -> Recording:
    """The server's recording ``record_id`` if it is this meeting's (404 otherwise; BbbError passes)."""
    client = client_for(meeting.server, timeout=timeout(request))
    found = client.get_recordings(meeting_ids=[meeting.meeting_id], record_ids=[record_id], states="any")
    # BigBlueButton ignores meetingID when recordID is given: the meeting is checked here.
    recording = next((r for r in found if r.record_id == record_id and r.meeting_id == meeting.meeting_id), None)
    if recording is None or recording.state == "deleted":
        raise HTTPNotFound()
    return recording


@view_config(route_name="bbb.recording_action", request_method="POST")
def recording_action(request):
    """An owner's action on one of the meeting's recordings (``record_id`` posted)."""
    meeting = require_meeting(request)
    require_place(request, meeting, "owner")
    action, record_id = request.matchdict["action"], (request.POST.get("record_id") or "").strip()
    if action not in ACTIONS or not record_id:
        raise HTTPBadRequest()
    if action == "retry":
        return retry(request, meeting, record_id)
    if meeting.server is None:
        flash(request, request.translate("The meeting has no server."))
        return back(request, meeting)
    try:
        recording = server_recording_of(request, meeting, record_id)
        if action == "delete":
            return delete(request, meeting, recording)
        if action == "import":
            return import_now(request, meeting, recording)
        return publish(request, meeting, recording, action == "publish")
    except BbbError as exc:
        flash(request, request.localizer.translate(exc.words))
        return back(request, meeting)


def retry(request, meeting: BbbMeeting, record_id: str):
    row = meeting_row(request, meeting, record_id)
    if row is None or row.state != "failed" or row.deleted_at is not None:
        flash(request, request.translate("Only a failed import can be tried again."))
        return back(request, meeting)
    if move_row(request, row.id, BbbRecording.state == "failed", state="listed", retry_at=None):
        queue_import(request, row)
        flash(request, request.translate("The import is queued again."))
    return back(request, meeting)


def import_now(request, meeting: BbbMeeting, recording: Recording):
    if not recording.published:
        flash(
            request, request.translate("Publish the recording on the server first: an unpublished one cannot be read.")
        )
        return back(request, meeting)
    row = meeting_row(request, meeting, recording.record_id)
    if row is None:
        row, _created = recordings_ready(request, meeting.server, meeting, recording.record_id, "owner", recording)
    elif row.state == "listed":
        describe(row, recording)
        queue_import(request, row)
    else:
        flash(request, request.translate("This recording is already imported or being imported."))
        return back(request, meeting)
    flash(request, request.translate("The import is queued: the video appears in your videos once it is made."))
    return back(request, meeting)


def publish(request, meeting: BbbMeeting, recording: Recording, published: bool):
    client_for(meeting.server, timeout=timeout(request)).publish_recordings([recording.record_id], published)
    row = meeting_row(request, meeting, recording.record_id)
    if row is not None:
        row.published = published
        if published and row.state == "listed" and row.deleted_at is None:
            queue_import(request, row)  # listed while unpublished: nothing was queued
    flash(
        request,
        request.translate("The recording is published on the server.")
        if published
        else request.translate("The recording is unpublished on the server."),
    )
    return back(request, meeting)


def delete(request, meeting: BbbMeeting, recording: Recording):
    """Ask first (a page with the confirmation button), then delete on the server."""
    row = meeting_row(request, meeting, recording.record_id)
    if request.POST.get("confirm") != "yes":
        values = {**common(request), "meeting": meeting, "line": server_line(recording, row), "length": length_text}
        return render_to_response("plugin_bbb:templates/recording_delete.html", values, request=request)
    client_for(meeting.server, timeout=timeout(request)).delete_recordings([recording.record_id])
    if row is not None:
        row.deleted_at, row.published, row.retry_at = utcnow(), False, None
    flash(request, request.translate("The recording is deleted from the server."))
    return back(request, meeting)
