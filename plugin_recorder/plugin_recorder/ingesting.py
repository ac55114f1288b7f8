"""Recorders on the Opencast ingest endpoints (the opencast_ingest plugin): who they are, and what their recordings become."""

from __future__ import annotations

from sqlalchemy import select

from core.plugin_api import unique_slug
from plugin_recorder.auth import authenticated_recorder
from plugin_recorder.models import Recorder, RecorderEvent
from plugin_recorder.recordings import apply_policy, recording_owner
from plugins.opencast_ingest.api import IngestPrincipal

NAME = "recorder"


def scheduled_event(request, recorder: Recorder) -> RecorderEvent | None:
    """The event an ingest names (``workflowInstanceId``, or the ``amphiEvent`` config key of its calendar)."""
    if request.method != "POST":
        return None
    uid = request.POST.get("workflowInstanceId") or request.POST.get("amphiEvent")
    if not uid:
        return None
    return request.dbsession.scalar(
        select(RecorderEvent).where(RecorderEvent.uid == str(uid)[:64], RecorderEvent.recorder_id == recorder.id)
    )


def recorder_principal(request) -> IngestPrincipal | None:
    """An Opencast recorder of the site, acting as its manager; its recordings go to their owner."""
    recorder = authenticated_recorder(request)
    if recorder is None or recorder.type != "opencast":
        return None
    user = recorder.manager or recorder.default_owner
    if user is None:
        return None
    event = scheduled_event(request, recorder)
    return IngestPrincipal(
        user,
        NAME,
        {"recorder_id": recorder.id, "event_id": event.id if event else None},
        owner=recording_owner(recorder, event),
    )


def recording_received(request, principal: IngestPrincipal, mediapackage, video) -> None:
    """Title a recording after its scheduled event unless its catalogue named it; then the recorder's policy."""
    recorder = request.dbsession.get(Recorder, principal.data["recorder_id"])
    event_id = principal.data.get("event_id")
    event = request.dbsession.get(RecorderEvent, event_id) if event_id else None
    if event is not None and not (mediapackage.metadata_ or {}).get("title"):
        video.title = event.title
        video.slug = unique_slug(request.dbsession, video.site_id, event.title)
    if recorder is not None:
        apply_policy(request, recorder, video, event)
