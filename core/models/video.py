"""Videos and what hangs off them: media files, text tracks, processing jobs."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.catalog import (
    Channel,
    Discipline,
    ShareLink,
    Tag,
    Theme,
    VideoType,
    video_channels,
    video_disciplines,
    video_tags,
    video_themes,
)
from core.models.meta import NOT_ON_PAGES, Base, UTCDateTime, utcnow

VIDEO_STATUSES = ("uploaded", "processing", "ready", "failed")
#: Who may watch: owners only, anyone, the site's signed-in users, members of chosen groups,
#: whoever gives the password. Share links and the publication date apply on top of each.
ACCESS_LEVELS = ("draft", "public", "signed-in", "groups", "password")
JOB_STATES = ("queued", "running", "done", "failed", "cancelled")
#: The kinds of WebVTT track a video may have (HTML's <track kind>).
TRACK_KINDS = ("subtitles", "captions", "chapters", "descriptions", "metadata")
#: A video's original files (kept through re-encodes, counted in the owner's quota); every other file is an
#: output of an encode. ``audio-source`` is the file of an audio track an owner added (encoded again after a
#: re-encode).
ORIGINAL_KINDS = ("source", "recording", "audio-source")
#: Access levels the dashboard sets on many videos at once, and new uploads may get (the others need a
#: password or groups).
BULK_ACCESS = ("draft", "public", "signed-in")

video_owners = Table(
    "video_owners",
    Base.metadata,
    Column("video_id", ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

video_groups = Table(
    "video_groups",
    Base.metadata,
    Column("video_id", ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
)


class Video(Base):
    __tablename__ = "videos"
    __table_args__ = (
        UniqueConstraint("site_id", "slug"),
        # Lists are a site's videos newest first: walked in this order, no sort of the whole site.
        Index("ix_videos_site_id_created_at_id", "site_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(String(250))
    slug: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(10), default="")
    date_recorded: Mapped[date | None] = mapped_column(Date)
    duration: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default="uploaded", index=True)
    access: Mapped[str] = mapped_column(String(16), default="draft")
    status_reason: Mapped[str] = mapped_column(Text, default="")  # why it failed, for the owner
    poster_key: Mapped[str] = mapped_column(String(500), default="")
    password_hash: Mapped[str] = mapped_column(String(200), default="")
    allow_downloads: Mapped[bool] = mapped_column(default=False)
    type_id: Mapped[int | None] = mapped_column(ForeignKey("video_types.id", ondelete="SET NULL"), index=True)
    license: Mapped[str] = mapped_column(String(32), default="all-rights-reserved")
    #: Hidden from everyone but its owners and the site admins until then (None: at once).
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    site = relationship("Site")
    owner = relationship("User", foreign_keys=[owner_id])
    additional_owners = relationship("User", secondary=video_owners)
    allowed_groups = relationship("Group", secondary=video_groups)
    type: Mapped[VideoType | None] = relationship(VideoType)
    tags: Mapped[list[Tag]] = relationship(Tag, secondary=video_tags, order_by=Tag.name)
    disciplines: Mapped[list[Discipline]] = relationship(
        Discipline, secondary=video_disciplines, order_by=Discipline.position
    )
    channels: Mapped[list[Channel]] = relationship(
        Channel, secondary=video_channels, order_by=(Channel.position, Channel.id)
    )
    themes: Mapped[list[Theme]] = relationship(Theme, secondary=video_themes, order_by=(Theme.position, Theme.id))
    share_links: Mapped[list[ShareLink]] = relationship(
        ShareLink, back_populates="video", cascade="all, delete-orphan", order_by=ShareLink.id
    )
    files: Mapped[list[MediaFile]] = relationship(back_populates="video", cascade="all, delete-orphan")
    tracks: Mapped[list[Track]] = relationship(back_populates="video", cascade="all, delete-orphan")
    jobs: Mapped[list[Job]] = relationship(back_populates="video", cascade="all, delete-orphan")

    def is_owned_by(self, user) -> bool:
        return user is not None and (user.id == self.owner_id or user in self.additional_owners)

    def is_published(self, now: datetime | None = None) -> bool:
        """Whether the publication date (if any) has come."""
        return self.publish_at is None or self.publish_at <= (now or utcnow())

    def __repr__(self) -> str:
        return f"<Video {self.id} {self.slug}>"


class MediaFile(Base):
    """A stored file of a video: the original (``kind='source'``) or an output.

    Each audio language of the HLS master is a row of kind ``hls-audio`` (its playlist); one added by
    an owner after the encode has a rendition named ``added-<job id>``.
    """

    __tablename__ = "media_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    rendition: Mapped[str] = mapped_column(String(32), default="")
    key: Mapped[str] = mapped_column(String(500))
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    mime: Mapped[str] = mapped_column(String(100), default="")
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    bitrate: Mapped[int | None] = mapped_column(Integer)
    #: An audio rendition's (``hls-audio``) language (BCP 47, empty when unknown), name, and whether
    #: players start on it.
    language: Mapped[str] = mapped_column(String(16), default="", server_default="")
    label: Mapped[str] = mapped_column(String(100), default="", server_default="")
    is_default: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: An added track's file (``audio-source``): where it starts against the video, in seconds.
    start_offset: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    video: Mapped[Video] = relationship(back_populates="files")


class Track(Base):
    """A timed text track: subtitles, captions, chapters (``source`` is auto or manual).

    ``plugin`` names the plugin that made it: the track is offered only while that plugin is
    enabled on the site (see :mod:`core.catalogue.tracks`).
    """

    __tablename__ = "tracks"

    id: Mapped[int] = mapped_column(primary_key=True)
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="subtitles")
    language: Mapped[str] = mapped_column(String(10), default="")
    label: Mapped[str] = mapped_column(String(100), default="")
    source: Mapped[str] = mapped_column(String(16), default="manual")
    key: Mapped[str] = mapped_column(String(500), default="")
    plugin: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    video: Mapped[Video] = relationship(back_populates="tracks")


class Job(Base):
    """A unit of processing. The database is the truth; the queue only wakes a worker."""

    __tablename__ = "jobs"
    __table_args__ = {"info": NOT_ON_PAGES}

    id: Mapped[int] = mapped_column(primary_key=True)
    video_id: Mapped[int | None] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str] = mapped_column(Text, default="")
    worker: Mapped[str] = mapped_column(String(200), default="")
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    run_after: Mapped[datetime | None] = mapped_column(UTCDateTime)  # retry backoff
    #: When its queue message was last sent: the sweeper looks for the message of an older queued job only.
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    #: What the handler needs beyond the video (a composition's layout and trims...).
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    video: Mapped[Video | None] = relationship(back_populates="jobs")
