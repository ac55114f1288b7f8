"""Sending a notification's e-mail: a task after the commit, retried with backoff, never lost.

A failed attempt is logged and tried again later (a minute, then twice as long each time); after
``amphi.mail.attempts`` the message is written to the mail folder's ``failed/`` for an administrator
and the notification says so. A notification whose task never ran (a queue lost at the wrong moment)
is sent by the sweeper.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from email.message import EmailMessage

from huey import crontab
from sqlalchemy import select, update

from core.models import Notification, utcnow
from core.notify.mail import MailError, deliver, mail_folder, new_message, write_eml
from core.platform.i18n import _, localizer_for
from core.platform.settings import setting
from core.platform.tasks import app_registry, huey, worker_request

log = logging.getLogger(__name__)
FIRST_RETRY_SECONDS = 60
#: A queued e-mail not tried this long after its notification was made is sent by the sweeper.
FORGOTTEN_AFTER = timedelta(minutes=15)


def absolute(base_url: str, link: str) -> str:
    if not link or link.startswith(("http://", "https://")):
        return link
    return base_url.rstrip("/") + "/" + link.lstrip("/")


def notification_message(request, notification: Notification) -> EmailMessage | None:
    """The e-mail of ``notification`` in its recipient's language (``None``: they have no address now)."""
    user = notification.user
    if not user.email or not user.is_active:
        return None
    locale = user.locale or setting(request.registry.settings, "amphi.default_locale")
    localizer = localizer_for(request.registry, locale)
    preferences = absolute(notification.base_url, "/notifications/preferences")
    footer = localizer.translate(
        _(
            "You receive this e-mail because of your notification preferences on ${site}; change them here:",
            mapping={"site": notification.site.name},
        )
    )
    parts = [notification.text, absolute(notification.base_url, notification.link)]
    body = "\n\n".join(part for part in parts if part) + f"\n\n-- \n{footer}\n{preferences}\n"
    return new_message(request.registry.settings, user.email, notification.title, body)


def claim(notification_id: int) -> tuple[EmailMessage | None, int] | None:
    """Count one more attempt and read the message, or ``None`` when there is nothing (more) to send."""
    with worker_request() as request:
        notification = request.dbsession.get(Notification, notification_id)
        if notification is None or notification.mail_state != "queued":
            return None
        attempt = notification.mail_attempts + 1
        claimed = request.dbsession.execute(
            update(Notification)
            .where(Notification.id == notification_id, Notification.mail_attempts == attempt - 1)
            .values(mail_attempts=attempt)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:
            return None  # another worker took this attempt
        message = notification_message(request, notification)
        if message is None:
            notification.mail_state = "none"
        return message, attempt


@huey.task()
def send_notification_mail(notification_id: int) -> None:
    """Send the e-mail of one notification (no transaction is open while the server answers)."""
    claimed = claim(notification_id)
    if claimed is None or claimed[0] is None:
        return
    message, attempt = claimed
    assert message is not None
    settings = app_registry().settings
    try:
        where = deliver(settings, message)
    except MailError as exc:
        retry_or_keep(notification_id, message, attempt, str(exc))
        return
    with worker_request() as request:
        notification = request.dbsession.get(Notification, notification_id)
        if notification is not None:
            notification.mail_state, notification.mailed_at = "sent", utcnow()
    log.info("notification %s: e-mail to %s went to %s", notification_id, message["To"], where)


def retry_or_keep(notification_id: int, message: EmailMessage, attempt: int, error: str) -> None:
    """Try again later, or (attempts spent) keep the message in ``failed/`` and say so."""
    settings = app_registry().settings
    if attempt < setting(settings, "amphi.mail.attempts"):
        delay = FIRST_RETRY_SECONDS * 2 ** (attempt - 1)
        log.warning(
            "notification %s: e-mail attempt %s failed (%s); next in %s s", notification_id, attempt, error, delay
        )
        send_notification_mail.schedule(args=(notification_id,), delay=delay)
        return
    path = write_eml(mail_folder(settings, "failed"), message)
    log.error(
        "notification %s: e-mail given up after %s attempts (%s); kept in %s", notification_id, attempt, error, path
    )
    with worker_request() as request:
        notification = request.dbsession.get(Notification, notification_id)
        if notification is not None:
            notification.mail_state = "failed"


def forgotten_mails(request) -> list[int]:
    """Notifications whose e-mail was queued but never tried."""
    return list(
        request.dbsession.scalars(
            select(Notification.id).where(
                Notification.mail_state == "queued",
                Notification.mail_attempts == 0,
                Notification.created_at < utcnow() - FORGOTTEN_AFTER,
            )
        )
    )


@huey.periodic_task(crontab(minute="*/10"))
def sweep_mails() -> None:
    with worker_request() as request:
        forgotten = forgotten_mails(request)
    for notification_id in forgotten:
        send_notification_mail(notification_id)
