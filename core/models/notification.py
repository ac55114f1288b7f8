"""Notifications: what a user is told (in the site, by e-mail or both) and how each kind reaches them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.meta import NOT_ON_PAGES, PERSONAL, Base, UTCDateTime, utcnow

#: Where a notification's e-mail stands: none to send, waiting for the queue, sent, given up (kept in a folder).
MAIL_STATES = ("none", "queued", "sent", "failed")


class Notification(Base):
    """One thing a user is told. ``title`` and ``text`` are written in the recipient's language.

    ``in_app`` says whether the notifications page lists it (the user may want e-mail only: the row
    then only carries the e-mail). ``link`` is a path of the site or an absolute address.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_id_read_at", "user_id", "read_at"),
        {"info": PERSONAL},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(1000), default="")
    #: The address the site was reached at when the notification was made (absolute links in the e-mail).
    base_url: Mapped[str] = mapped_column(String(300), default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    in_app: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mail_state: Mapped[str] = mapped_column(String(8), default="none")
    mail_attempts: Mapped[int] = mapped_column(default=0)
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")
    site = relationship("Site")


class NotificationPreference(Base):
    """A user's choice for one kind of notification; a kind without a row follows its defaults."""

    __tablename__ = "notification_preferences"
    __table_args__ = {"info": NOT_ON_PAGES}

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), primary_key=True)
    in_app: Mapped[bool] = mapped_column(default=True)
    email: Mapped[bool] = mapped_column(default=True)
