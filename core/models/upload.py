"""Resumable uploads in progress (tus): the bytes live in storage, the state here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.meta import NOT_ON_PAGES, Base, UTCDateTime, utcnow


class Upload(Base):
    __tablename__ = "uploads"
    __table_args__ = {"info": NOT_ON_PAGES}

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random hex, also in the URL
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(500))
    length: Mapped[int | None] = mapped_column(BigInteger)  # None while Upload-Defer-Length
    offset: Mapped[int] = mapped_column(BigInteger, default=0)
    filename: Mapped[str] = mapped_column(String(255), default="")
    metadata_: Mapped[dict] = mapped_column("metadata", JSON, default=dict)
    video_id: Mapped[int | None] = mapped_column(ForeignKey("videos.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The request writing bytes now (core.ingest.upload_claims): a random token, and until when its claim holds.
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")

    @property
    def finished(self) -> bool:
        return self.length is not None and self.offset >= self.length


class ViewProgress(Base):
    """Where a signed-in viewer stopped, to resume there."""

    __tablename__ = "view_progress"
    __table_args__ = {"info": NOT_ON_PAGES}

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[float] = mapped_column(default=0.0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
