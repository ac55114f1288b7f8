"""Scheduled recordings from which no video arrived: shown on the schedule, told to the manager once.

An Opencast capture agent reports each recording's state; when it says it failed (``upload_error``...)
or when the recording ended ``missing_after_minutes`` ago (a site setting) and still no video came,
the schedule says so and the recorder's manager (and the scheduled owner) get an e-mail, sent by a
task after the commit. One conditional UPDATE claims the report, so two workers never both send it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from huey import crontab
from sqlalchemy import select, update

from core.models import Site, utcnow
from core.plugin_api import enqueue_after_commit, huey, plugin_settings, worker_request
from plugin_recorder.mail import notify_missing
from plugin_recorder.models import RECORDING_ERROR_STATES, Recorder, RecorderEvent
from plugin_recorder.notices import grace_of, no_video_notice, waits_for_video

NAME = "recorder"
#: Recordings that ended longer ago than this are never mailed about (a new installation, or a worker
#: stopped for days, must not mail the whole history); the schedule still shows them.
REPORT_WINDOW = timedelta(days=2)


def claim_report(request, event_id: int) -> bool:
    """Take the report of a missing video for this transaction alone (False: already reported)."""
    request.dbsession.flush()
    result = request.dbsession.execute(
        update(RecorderEvent)
        .where(RecorderEvent.id == event_id, RecorderEvent.missing_reported_at.is_(None))
        .values(missing_reported_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def report(request, event: RecorderEvent) -> None:
    """Tell the manager, after the commit, that no video arrived from ``event`` (once per event)."""
    if claim_report(request, event.id):
        enqueue_after_commit(request, notify_missing, event.id)


def agent_reported(request, event: RecorderEvent) -> None:
    """An agent set a recording's state: an error state means no video will come."""
    if event.state in RECORDING_ERROR_STATES and waits_for_video(event) and event.missing_reported_at is None:
        report(request, event)


def overdue_events(request, now: datetime) -> list[RecorderEvent]:
    """The events of sites enabling the plugin whose video is overdue and not yet reported."""
    query = (
        select(RecorderEvent)
        .join(Recorder, Recorder.id == RecorderEvent.recorder_id)
        .where(
            Recorder.type == "opencast",
            RecorderEvent.video_id.is_(None),
            RecorderEvent.missing_reported_at.is_(None),
            RecorderEvent.state != "upload_finished",
            RecorderEvent.end <= now,
            RecorderEvent.end > now - REPORT_WINDOW,
        )
    )
    graces: dict[int, timedelta | None] = {}
    overdue = []
    for event in request.dbsession.scalars(query):
        site_id = event.recorder.site_id
        if site_id not in graces:
            site = request.dbsession.get(Site, site_id)
            graces[site_id] = grace_of(plugin_settings(request.registry, site, NAME)) if site.has_plugin(NAME) else None
        if graces[site_id] is not None and no_video_notice(event, now, graces[site_id]) is not None:
            overdue.append(event)
    return overdue


@huey.periodic_task(crontab(minute="*/5"))
def report_missing_videos() -> None:
    """Every five minutes, report the scheduled recordings whose video is overdue."""
    with worker_request() as request:
        for event in overdue_events(request, utcnow()):
            report(request, event)
