"""Media packages being assembled through an ingest protocol (Opencast's): the files wait in storage."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.meta import NOT_ON_PAGES, Base, UTCDateTime, utcnow


class IngestPackage(Base):
    """One media package in progress: who opened it, its elements, what its catalogues said.

    ``elements`` lists ``{"id", "kind" (track, catalog, attachment), "flavor", "key", "filename",
    "mime", "size", "tags"}``; ``metadata_`` holds what the episode catalogue said (``title``,
    ``creator``...). ``video_id`` is set once the package is ingested.
    """

    __tablename__ = "ingest_packages"
    __table_args__ = {"info": NOT_ON_PAGES}

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # a UUID, also in the mediapackage XML
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(64))  # the plugin that authenticated the caller
    principal_data: Mapped[dict] = mapped_column(JSON, default=dict)
    elements: Mapped[list] = mapped_column(JSON, default=list)
    metadata_: Mapped[dict] = mapped_column("metadata", JSON, default=dict)
    video_id: Mapped[int | None] = mapped_column(ForeignKey("videos.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    ingested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")
