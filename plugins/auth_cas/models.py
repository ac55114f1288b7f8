"""Recent service tickets and whom they signed in: what a CAS single-logout request is matched against."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models import NOT_ON_PAGES, Base, UTCDateTime


class CasTicket(Base):
    """A validated service ticket of a site, kept until it expires (the session's maximum age)."""

    __tablename__ = "auth_cas_tickets"
    __table_args__ = (Index("ix_auth_cas_tickets_expires_at", "expires_at"), {"info": NOT_ON_PAGES})

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    ticket: Mapped[str] = mapped_column(String(256), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
