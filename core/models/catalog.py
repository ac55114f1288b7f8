"""The catalogue around videos: per-site types and disciplines, free tags, share links, channels.

Types and disciplines are lists a site admin edits; tags are free words typed by
owners (normalised, one row per site and word). A share link is a random token
that opens one video (and its media) without signing in, until it is revoked.
A channel gathers videos under its managers, with nested themes inside.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint
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
    """A private link to one video: whoever holds the token may watch it, until it is deleted.

    Only a SHA-256 of the token is kept (as for API tokens): the link is shown once, when made.
    """

    __tablename__ = "share_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(150), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    video = relationship("Video", back_populates="share_links")
    created_by = relationship("User")


# --- channels and themes ----------------------------------------------------------

#: Who sees a channel: anyone, the site's signed-in users, members of chosen groups, or only its managers
#: and the site admins (who always see it).
CHANNEL_VISIBILITIES = ("public", "signed-in", "groups", "hidden")

video_channels = Table(
    "video_channels",
    Base.metadata,
    Column("video_id", ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True),
    Column("channel_id", ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True, index=True),
)

video_themes = Table(
    "video_themes",
    Base.metadata,
    Column("video_id", ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True, index=True),
)

channel_managers = Table(
    "channel_managers",
    Base.metadata,
    Column("channel_id", ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)

#: The site groups whose members see a channel of visibility ``groups`` (like ``video_groups`` for videos).
channel_groups = Table(
    "channel_groups",
    Base.metadata,
    Column("channel_id", ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Channel(Base):
    """A site's collection of videos, kept by its managers; themes organise it inside."""

    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("site_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[str] = mapped_column(String(16), default="public")
    #: Any user of the site who may upload may add their videos (not only the managers).
    open_to_all: Mapped[bool] = mapped_column(default=False)
    featured: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    banner_key: Mapped[str] = mapped_column(String(500), default="")
    banner_mime: Mapped[str] = mapped_column(String(50), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    managers = relationship("User", secondary=channel_managers, order_by="User.username")
    #: Who sees it when its visibility is ``groups`` (empty otherwise).
    allowed_groups = relationship("Group", secondary=channel_groups, order_by="Group.name")
    themes: Mapped[list[Theme]] = relationship(
        "Theme", back_populates="channel", cascade="all, delete-orphan", order_by="Theme.position, Theme.id"
    )

    def __repr__(self) -> str:
        return f"<Channel {self.site_id}/{self.slug}>"


class Theme(Base):
    """A part of a channel, nested under another theme of the same channel or at its top."""

    __tablename__ = "themes"
    __table_args__ = (UniqueConstraint("channel_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    channel: Mapped[Channel] = relationship(back_populates="themes")
    parent: Mapped[Theme | None] = relationship("Theme", remote_side=[id])

    def __repr__(self) -> str:
        return f"<Theme {self.channel_id}/{self.slug}>"
