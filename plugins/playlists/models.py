"""The playlists plugin's tables: playlists (one "Favourites" per user) and their ordered items."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Base, User, UTCDateTime, Video, utcnow

#: ``private``: the owner alone; ``public``: listed on the site; ``unlisted``: whoever has the link.
VISIBILITIES = ("private", "public", "unlisted")


class Playlist(Base):
    """A user's ordered list of videos; ``favourites`` marks the one built-in list per user."""

    __tablename__ = "playlists_playlists"
    __table_args__ = (
        Index("ix_playlists_playlists_owner", "owner_id", "favourites"),
        Index("ix_playlists_playlists_site_visibility", "site_id", "visibility"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[str] = mapped_column(String(16), default="private")
    token: Mapped[str] = mapped_column(String(64), unique=True)
    favourites: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    owner: Mapped[User] = relationship(User, lazy="joined")
    items: Mapped[list["PlaylistItem"]] = relationship(
        back_populates="playlist", order_by="PlaylistItem.position", cascade="all, delete-orphan", passive_deletes=True
    )


class PlaylistItem(Base):
    """A video at a position (0, 1, 2...) of a playlist; a video appears once per playlist."""

    __tablename__ = "playlists_items"
    __table_args__ = (UniqueConstraint("playlist_id", "video_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    playlist_id: Mapped[int] = mapped_column(ForeignKey("playlists_playlists.id", ondelete="CASCADE"))
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    playlist: Mapped[Playlist] = relationship(back_populates="items")
    video: Mapped[Video] = relationship(Video, lazy="joined")
