"""Notifying a user, and what they read and choose: the list, the unread count, marking read, preferences.

Every function works on the request's site and the given user only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeAlias

from sqlalchemy import func, select, update
from translationstring import TranslationString

from core.models import Notification, NotificationPreference, User, utcnow
from core.notify.kinds import NotificationKind, notification_kinds
from core.notify.tasks import send_notification_mail
from core.platform.i18n import localizer_for
from core.platform.tasks import enqueue_after_commit

log = logging.getLogger(__name__)

#: A text for the recipient: plain, a translation string, or ``fn(localizer) -> str`` for more than one sentence.
Text: TypeAlias = str | TranslationString | Callable[[Any], str]


def recipient_localizer(request, user: User):
    """The localizer of ``user``'s language (the request's when they chose none)."""
    return localizer_for(request.registry, user.locale) if user.locale else request.localizer


def in_language(localizer, text: Text) -> str:
    if callable(text) and not isinstance(text, str):
        return text(localizer)
    return localizer.translate(text) if isinstance(text, TranslationString) else str(text)


def notify(
    request, user: User, kind: str, title: Text, link: str = "", text: Text = "", **data: Any
) -> Notification | None:
    """Tell ``user`` (of the request's site) something, in the site and by e-mail as they chose for ``kind``.

    ``title`` (and ``text``, the e-mail's body) are written in the recipient's language; ``link`` is a
    path of the site (``/videos/12``) or an absolute address; ``data`` is kept as JSON. The e-mail is
    sent by a task after the request's transaction commits: a rolled-back change sends nothing.
    Answers the notification, or ``None`` when the user wants neither channel for this kind.
    An e-mail never carries more of a video than its title and a link: do not put its content in ``text``.
    """
    if user.site_id != request.site.id or not user.is_active:
        return None
    known = notification_kinds(request)
    if kind not in known:
        log.error("notification kind %r is declared by no plugin enabled on site %s", kind, request.site.slug)
        return None
    in_app, email = preference(request, user, known[kind])
    email = email and bool(user.email)
    if not (in_app or email):
        return None
    localizer = recipient_localizer(request, user)
    notification = Notification(
        site_id=request.site.id,
        user_id=user.id,
        kind=kind,
        title=in_language(localizer, title)[:300],
        text=in_language(localizer, text),
        link=link,
        base_url=site_address(request),
        data=data,
        in_app=in_app,
        mail_state="queued" if email else "none",
    )
    request.dbsession.add(notification)
    if email:
        request.dbsession.flush()
        enqueue_after_commit(request, send_notification_mail, notification.id)
    return notification


def site_address(request) -> str:
    """Where the site is reached: this request's address when it is one of the site's, else its first domain."""
    domains = [d.domain for d in request.site.domains]
    if not domains or request.host.split(":")[0] in domains:
        return request.host_url
    return f"{request.scheme}://{domains[0]}"


# --- preferences -----------------------------------------------------------------------------------


def preference(request, user: User, kind: NotificationKind) -> tuple[bool, bool]:
    """``(in_app, email)`` for ``kind``: the user's choice, else the kind's defaults."""
    chosen = request.dbsession.get(NotificationPreference, (user.id, kind.name))
    if chosen is None:
        return "in_app" in kind.channels, "email" in kind.channels
    return chosen.in_app, chosen.email


def preferences(request, user: User) -> list[tuple[NotificationKind, bool, bool]]:
    """Every kind of the site with the user's ``(in_app, email)`` choice."""
    chosen = {
        p.kind: p
        for p in request.dbsession.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    rows = []
    for kind in notification_kinds(request).values():
        mine = chosen.get(kind.name)
        if mine is None:
            rows.append((kind, "in_app" in kind.channels, "email" in kind.channels))
        else:
            rows.append((kind, mine.in_app, mine.email))
    return rows


def set_preferences(request, user: User, choices: dict[str, tuple[bool, bool]]) -> None:
    """Record ``{kind: (in_app, email)}`` for the site's kinds (other names are ignored)."""
    known = notification_kinds(request)
    for name, (in_app, email) in choices.items():
        if name not in known:
            continue
        row = request.dbsession.get(NotificationPreference, (user.id, name))
        if row is None:
            row = NotificationPreference(user_id=user.id, kind=name)
            request.dbsession.add(row)
        row.in_app, row.email = bool(in_app), bool(email)


# --- the list --------------------------------------------------------------------------------------


def listed(request, user: User):
    """The query of ``user``'s notifications listed in the site, newest first."""
    return (
        select(Notification)
        .where(Notification.user_id == user.id, Notification.site_id == request.site.id, Notification.in_app.is_(True))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def unread_count(request, user: User) -> int:
    """How many of ``user``'s listed notifications are unread (one query on an index)."""
    return request.dbsession.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user.id,
            Notification.read_at.is_(None),
            Notification.site_id == request.site.id,
            Notification.in_app.is_(True),
        )
    )


def own_notification(request, user: User, notification_id: int) -> Notification | None:
    """``user``'s notification ``notification_id`` on this site, or ``None`` (another's is never found)."""
    found = request.dbsession.get(Notification, notification_id)
    if found is None or found.user_id != user.id or found.site_id != request.site.id or not found.in_app:
        return None
    return found


def mark_read(request, user: User, notification_id: int) -> Notification | None:
    found = own_notification(request, user, notification_id)
    if found is not None and found.read_at is None:
        found.read_at = utcnow()
    return found


def mark_all_read(request, user: User) -> int:
    """Mark every unread notification of ``user`` on this site read; answer how many."""
    result = request.dbsession.execute(
        update(Notification)
        .where(
            Notification.user_id == user.id,
            Notification.site_id == request.site.id,
            Notification.read_at.is_(None),
            Notification.in_app.is_(True),
        )
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
