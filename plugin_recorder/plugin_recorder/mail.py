"""E-mail to the manager of a recorder when a recording waits, or when no video arrived from a scheduled
recording (SMTP, from a task after the commit)."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from core.models import utcnow
from core.plugin_api import _, huey, localizer_for, plugin_settings, worker_request
from plugin_recorder.forms import local_input
from plugin_recorder.models import PendingRecording, RecorderEvent
from plugin_recorder.notices import grace_of, no_video_notice, notice_text

log = logging.getLogger(__name__)
NAME = "recorder"


def site_base_url(settings: dict, site) -> str:
    if settings["site_url"]:
        return settings["site_url"].rstrip("/")
    return f"https://{site.domains[0].domain}" if site.domains else ""


def pending_message(request, pending: PendingRecording, settings: dict) -> EmailMessage | None:
    """The message to the manager (in their language), or ``None`` when nobody can be written to."""
    manager = pending.recorder.manager
    if manager is None or not manager.email:
        return None
    localizer = person_localizer(request, manager)
    mapping = {"recorder": pending.recorder.name, "title": pending.video.title}
    message = EmailMessage()
    message["Subject"] = localizer.translate(_("A recording of ${recorder} waits: ${title}", mapping=mapping))
    message["From"] = settings["mail_from"]
    message["To"] = manager.email
    link = f"{site_base_url(settings, pending.recorder.site)}/recorder/pending/{pending.id}"
    body = localizer.translate(
        _(
            "The recorder ${recorder} delivered “${title}”. It is not published: choose its "
            "title and owner, then publish or delete it here:",
            mapping=mapping,
        )
    )
    message.set_content(f"{body}\n{link}\n")
    return message


def person_localizer(request, user):
    """The localizer of ``user``'s language (the request's when they chose none)."""
    return request.localizer if not user.locale else localizer_for(request.registry, user.locale)


def send(settings: dict, message: EmailMessage) -> None:
    with smtplib.SMTP(settings["smtp_host"], int(settings["smtp_port"]), timeout=30) as smtp:
        if settings["smtp_starttls"]:
            smtp.starttls()
        if settings["smtp_user"]:
            smtp.login(settings["smtp_user"], settings["smtp_password"])
        smtp.send_message(message)


@huey.task(retries=3, retry_delay=60)
def notify_pending(pending_id: int) -> None:
    """Write to the recorder's manager that a recording waits (retried if the SMTP server is down)."""
    with worker_request() as request:
        pending = request.dbsession.get(PendingRecording, pending_id)
        if pending is None:
            return
        request.site = pending.recorder.site
        settings = plugin_settings(request.registry, request.site, NAME)
        message = pending_message(request, pending, settings)
        if message is None:
            log.info("pending recording %s: its manager has no e-mail address", pending_id)
            return
    send(settings, message)


# --- no video arrived --------------------------------------------------------------------------------


def missing_recipients(event: RecorderEvent) -> list:
    """Who is told that no video arrived: the recorder's manager and the scheduled owner (with an e-mail)."""
    people = [event.recorder.manager, event.owner]
    return [p for n, p in enumerate(people) if p is not None and p.email and p not in people[:n]]


def missing_message(request, event: RecorderEvent, person, settings: dict) -> EmailMessage:
    """The message to ``person`` (in their language) that no video arrived from ``event``."""
    localizer = person_localizer(request, person)
    start = local_input(event.start, settings["timezone"]).replace("T", " ") + " " + settings["timezone"]
    mapping = {"recorder": event.recorder.name, "title": event.title, "start": start}
    notice = no_video_notice(event, utcnow(), grace_of(settings))
    message = EmailMessage()
    message["Subject"] = localizer.translate(_("No video arrived from ${recorder}: ${title}", mapping=mapping))
    message["From"] = settings["mail_from"]
    message["To"] = person.email
    body = localizer.translate(
        _("The recording “${title}” scheduled on ${recorder} at ${start} gave no video.", mapping=mapping)
    )
    advice = localizer.translate(
        _(
            "The recording may still be on the capture agent: check it, then have it send "
            "the recording again or upload the file by hand. The recorder's schedule:"
        )
    )
    link = f"{site_base_url(settings, event.recorder.site)}/admin/recorders/{event.recorder_id}/schedule"
    reason = notice_text(localizer, notice)
    message.set_content(f"{body}\n{reason}\n\n{advice}\n{link}\n")
    return message


@huey.task(retries=3, retry_delay=60)
def notify_missing(event_id: int) -> None:
    """Tell the manager (and the scheduled owner) that no video arrived from a scheduled recording."""
    with worker_request() as request:
        event = request.dbsession.get(RecorderEvent, event_id)
        if event is None or event.video_id is not None:
            return
        request.site = event.recorder.site
        settings = plugin_settings(request.registry, request.site, NAME)
        messages = [missing_message(request, event, person, settings) for person in missing_recipients(event)]
        if not messages:
            log.info("recorder event %s gave no video; nobody has an e-mail address", event_id)
    for message in messages:
        send(settings, message)
