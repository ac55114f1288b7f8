"""Telling the manager of a recorder that a recording waits, or that no video arrived from a scheduled
recording: notifications through the core (in the site and by e-mail, as each person chose; the e-mail is
sent by the core's mail service after the commit)."""

from __future__ import annotations

import logging

from core.models import utcnow
from core.plugin_api import NotificationKind, _, huey, notify, plugin_settings, worker_request
from plugin_recorder.forms import local_input
from plugin_recorder.models import PendingRecording, RecorderEvent
from plugin_recorder.notices import grace_of, no_video_notice, notice_text

log = logging.getLogger(__name__)
NAME = "recorder"
PENDING_KIND, MISSING_KIND = "recorder.pending", "recorder.missing"

#: What the recorder tells people (``amphi_notification_kinds``).
KINDS = [
    NotificationKind(
        PENDING_KIND,
        _("A recording waits for my approval"),
        _("A recorder I manage delivered a recording to publish or delete."),
    ),
    NotificationKind(
        MISSING_KIND,
        _("No video arrived from a scheduled recording"),
        _("A recording scheduled on a recorder I manage, or for me, gave no video."),
    ),
]


def site_base_url(settings: dict, site) -> str:
    if settings["site_url"]:
        return settings["site_url"].rstrip("/")
    return f"https://{site.domains[0].domain}" if site.domains else ""


def notify_manager_of_pending(request, pending: PendingRecording, settings: dict) -> bool:
    """Tell the recorder's manager (in their language) that ``pending`` waits; False when there is nobody."""
    manager = pending.recorder.manager
    if manager is None:
        return False
    mapping = {"recorder": pending.recorder.name, "title": pending.video.title}
    link = f"{site_base_url(settings, pending.recorder.site)}/recorder/pending/{pending.id}"
    text = _(
        "The recorder ${recorder} delivered “${title}”. It is not published: choose its "
        "title and owner, then publish or delete it here:",
        mapping=mapping,
    )
    title = _("A recording of ${recorder} waits: ${title}", mapping=mapping)
    return notify(request, manager, PENDING_KIND, title, link, text, pending_id=pending.id) is not None


@huey.task(retries=3, retry_delay=60)
def notify_pending(pending_id: int) -> None:
    """Tell the recorder's manager that a recording waits (after the commit that stored it)."""
    with worker_request() as request:
        pending = request.dbsession.get(PendingRecording, pending_id)
        if pending is None:
            return
        request.site = pending.recorder.site
        settings = plugin_settings(request.registry, request.site, NAME)
        if not notify_manager_of_pending(request, pending, settings):
            log.info("pending recording %s: nobody to tell", pending_id)


# --- no video arrived --------------------------------------------------------------------------------


def missing_recipients(event: RecorderEvent) -> list:
    """Who is told that no video arrived: the recorder's manager and the scheduled owner."""
    people = [event.recorder.manager, event.owner]
    return [p for n, p in enumerate(people) if p is not None and p not in people[:n]]


def notify_missing_to(request, event: RecorderEvent, person, settings: dict) -> None:
    """Tell ``person`` (in their language) that no video arrived from ``event``."""
    start = local_input(event.start, settings["timezone"]).replace("T", " ") + " " + settings["timezone"]
    mapping = {"recorder": event.recorder.name, "title": event.title, "start": start}
    notice = no_video_notice(event, utcnow(), grace_of(settings))

    def text(localizer) -> str:
        body = localizer.translate(
            _("The recording “${title}” scheduled on ${recorder} at ${start} gave no video.", mapping=mapping)
        )
        advice = localizer.translate(
            _(
                "The recording may still be on the capture agent: check it, then have it send "
                "the recording again or upload the file by hand. The recorder's schedule:"
            )
        )
        return f"{body}\n{notice_text(localizer, notice)}\n\n{advice}"

    link = f"{site_base_url(settings, event.recorder.site)}/admin/recorders/{event.recorder_id}/schedule"
    title = _("No video arrived from ${recorder}: ${title}", mapping=mapping)
    notify(request, person, MISSING_KIND, title, link, text, event_id=event.id)


@huey.task(retries=3, retry_delay=60)
def notify_missing(event_id: int) -> None:
    """Tell the manager (and the scheduled owner) that no video arrived from a scheduled recording."""
    with worker_request() as request:
        event = request.dbsession.get(RecorderEvent, event_id)
        if event is None or event.video_id is not None:
            return
        request.site = event.recorder.site
        settings = plugin_settings(request.registry, request.site, NAME)
        people = missing_recipients(event)
        if not people:
            log.info("recorder event %s gave no video; nobody to tell", event_id)
        for person in people:
            notify_missing_to(request, event, person, settings)
