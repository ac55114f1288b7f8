"""E-mail to the manager of a recorder when a recording waits (SMTP, from a task after the commit)."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from core.i18n import _
from core.sites import plugin_settings
from core.tasks import huey, worker_request
from plugin_recorder.models import PendingRecording

log = logging.getLogger(__name__)
NAME = "recorder"


def site_base_url(settings: dict, site) -> str:
    if settings.get("site_url"):
        return settings["site_url"].rstrip("/")
    return f"https://{site.domains[0].domain}" if site.domains else ""


def pending_message(request, pending: PendingRecording, settings: dict) -> EmailMessage | None:
    """The message to the manager (in their language), or ``None`` when nobody can be written to."""
    manager = pending.recorder.manager
    if manager is None or not manager.email:
        return None
    localizer = request.localizer if not manager.locale else _localizer(request, manager.locale)
    mapping = {"recorder": pending.recorder.name, "title": pending.video.title}
    message = EmailMessage()
    message["Subject"] = localizer.translate(_("A recording of ${recorder} waits: ${title}", mapping=mapping))
    message["From"] = settings["mail_from"]
    message["To"] = manager.email
    link = f"{site_base_url(settings, pending.recorder.site)}/recorder/pending/{pending.id}"
    body = localizer.translate(_("The recorder ${recorder} delivered “${title}”. It is not published: choose its "
                                 "title and owner, then publish or delete it here:", mapping=mapping))
    message.set_content(f"{body}\n{link}\n")
    return message


def _localizer(request, locale: str):
    from pyramid.i18n import make_localizer
    from pyramid.interfaces import ITranslationDirectories

    return make_localizer(locale, request.registry.queryUtility(ITranslationDirectories, default=[]))


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
