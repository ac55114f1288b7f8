"""The catalogue around videos: per-site types and disciplines, free tags, share links.

Types and disciplines are lists a site admin edits; tags are free words typed by
owners (normalised, one row per site and word). A share link is a random token
that opens one video (and its media) without signing in, until it is revoked.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.meta import Base, UTCDateTime, utcnow

#: Licences an owner may choose (Creative Commons 4.0 and all rights reserved).
LICENSES = ("all-rights-reserved", "cc-by", "cc-by-sa", "cc-by-nd", "cc-by-nc", "cc-by-nc-sa", "cc-by-nc-nd", "cc0")

video_tags = Table(
    "video_tags",
    Base.metadata,
    Column("video_id", ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)

video_disciplines = Table(
    "video_disciplines",
    Base.metadata,
    Column("video_id", ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True),
    Column("discipline_id", ForeignKey("disciplines.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class SiteListEntry:
    """An entry of a site's ordered list, with a slug for addresses and a title for people."""

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(150))
    position: Mapped[int] = mapped_column(Integer, default=0)


class VideoType(SiteListEntry, Base):
    """A kind of video a site offers (course, conference, tutorial...)."""

    __tablename__ = "video_types"
    __table_args__ = (UniqueConstraint("site_id", "slug"),)


class Discipline(SiteListEntry, Base):
    """A field of study of a site (mathematics, law...)."""

    __tablename__ = "disciplines"
    __table_args__ = (UniqueConstraint("site_id", "slug"),)


class Tag(Base):
    """A free keyword, normalised (lower case, single spaces), shared by a site's videos."""

    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("site_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))


class ShareLink(Base):
    """A private link to one video: whoever holds the token may watch it, until it is deleted."""

    __tablename__ = "share_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(150), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    video = relationship("Video", back_populates="share_links")
    created_by = relationship("User")
