"""Local passwords, kept apart from the core's User (other methods have none)."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column

from core.models import NOT_ON_PAGES, Base, UTCDateTime, utcnow


class LocalCredential(Base):
    __tablename__ = "auth_local_credentials"
    __table_args__ = {"info": NOT_ON_PAGES}

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: Set by someone else (an administrator): its owner chooses their own at the next sign-in.
    must_change: Mapped[bool] = mapped_column(default=False, server_default=false())
