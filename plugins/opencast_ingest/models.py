"""The plugin's tables: media packages being assembled, and the Digest nonces in use.

Both tables were created by the core's migrations before this plugin existed; they keep
their names (``ingest_packages``, ``digest_nonces``) so that the plugin's first migration
adopts them with whatever they hold.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import NOT_ON_PAGES, Base, UTCDateTime, utcnow


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


class DigestNonce(Base):
    """One nonce a client has answered with (:mod:`plugins.opencast_ingest.httpauth`), until it expires
    (then purged): the highest nonce count seen, so no request is replayed."""

    __tablename__ = "digest_nonces"
    __table_args__ = {"info": NOT_ON_PAGES}

    nonce: Mapped[str] = mapped_column(String(100), primary_key=True)
    #: The highest ``nc`` accepted with this nonce; a request must bring a higher one.
    count: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
