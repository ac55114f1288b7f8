"""Hits counted by :mod:`core.access.ratelimit` (failed sign-ins, wrong video passwords...)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.meta import NOT_EXPORTED, NOT_ON_PAGES, Base, UTCDateTime, utcnow


class RateLimitHit(Base):
    __tablename__ = "rate_limit_hits"
    __table_args__ = (
        Index("ix_rate_limit_hits_lookup", "site_id", "scope", "key", "at"),
        {"info": {**NOT_ON_PAGES, **NOT_EXPORTED}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
