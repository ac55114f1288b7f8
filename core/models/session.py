"""Signed-in sessions, one row each: the cookie only names its row (:mod:`core.access.sessions`)."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.meta import NOT_EXPORTED, NOT_ON_PAGES, Base, UTCDateTime, utcnow


class UserSession(Base):
    """Where and when a user signed in; deleting the row ends the session, wherever its cookie is.

    The cookie holds a random key; only its SHA-256 is kept here. ``last_seen_at`` is coarse
    (written at most every few minutes, not on every request).
    """

    __tablename__ = "user_sessions"
    __table_args__ = {
        "info": {**NOT_ON_PAGES, **NOT_EXPORTED},
        "sqlite_autoincrement": True,
    }  # ids appear in URLs: never reused

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    address: Mapped[str] = mapped_column(String(64), default="")
