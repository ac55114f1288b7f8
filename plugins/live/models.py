"""The live plugin's tables: events (one row per occurrence), their series, owners, access groups,
interpreter audio streams and the recordings nginx-rtmp made of each published stream.

A weekly event is stored as one row per occurrence, tied by ``series_id``: each occurrence has its
own state, stream key, viewers, recording, replay and chat room, so nothing about one week is
computed from a rule at read time, and cancelling or moving one week touches one row.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Column, Date, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Base, Channel, Group, User, UTCDateTime, Video, utcnow

#: Stored states. ``waiting`` (the start window is open, no stream yet) is derived from the clock:
#: see :func:`plugins.live.events.current_state`.
STATES = ("scheduled", "on_air", "ended", "replay_ready", "no_stream")
#: What the replay's assembly is doing: nothing yet, waiting in the queue, running, done or failed.
REPLAY_STATES = ("", "queued", "running", "done", "failed")

live_event_owners = Table(
    "live_event_owners",
    Base.metadata,
    Column("event_id", ForeignKey("live_events.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

live_event_groups = Table(
    "live_event_groups",
    Base.metadata,
    Column("event_id", ForeignKey("live_events.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
)


class LiveSeries(Base):
    """Occurrences created together (every week from the first date until ``until``)."""

    __tablename__ = "live_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    until: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LiveEvent(Base):
    """One scheduled broadcast of a site."""

    __tablename__ = "live_events"
    __table_args__ = (Index("ix_live_events_site_starts", "site_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    series_id: Mapped[int | None] = mapped_column(ForeignKey("live_series.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(250))
    description: Mapped[str] = mapped_column(Text, default="")
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id", ondelete="SET NULL"), index=True)
    access: Mapped[str] = mapped_column(String(16), default="draft")
    password_hash: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), default="scheduled", index=True)
    #: The first admitted publish, and the last end of the main stream (a resume clears nothing).
    on_air_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The owners ended the broadcast: an encoder that comes back is refused, not resumed.
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Bumped by a rotation: a key made with an older generation is refused.
    key_generation: Mapped[int] = mapped_column(Integer, default=1)
    dvr: Mapped[bool] = mapped_column(Boolean, default=True)
    chat_anonymous_read: Mapped[bool] = mapped_column(Boolean, default=True)
    peak_viewers: Mapped[int] = mapped_column(Integer, default=0)
    replay_state: Mapped[str] = mapped_column(String(16), default="")
    replay_error: Mapped[str] = mapped_column(Text, default="")
    replay_video_id: Mapped[int | None] = mapped_column(ForeignKey("videos.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    site = relationship("Site")
    owners: Mapped[list[User]] = relationship(User, secondary=live_event_owners, order_by=User.id)
    allowed_groups: Mapped[list[Group]] = relationship(Group, secondary=live_event_groups)
    channel: Mapped[Channel | None] = relationship(Channel)
    replay_video: Mapped[Video | None] = relationship(Video)
    series: Mapped[LiveSeries | None] = relationship(LiveSeries)
    audios: Mapped[list[LiveAudio]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="LiveAudio.id"
    )
    recordings: Mapped[list[LiveRecording]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="LiveRecording.id"
    )

    def is_owned_by(self, user) -> bool:
        return user is not None and any(owner.id == user.id for owner in self.owners)

    def __repr__(self) -> str:
        return f"<LiveEvent {self.id} {self.state}>"


class LiveAudio(Base):
    """An interpreter's audio-only stream of an event, in one language, with its own key."""

    __tablename__ = "live_audios"
    __table_args__ = (UniqueConstraint("event_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("live_events.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(100))
    key_generation: Mapped[int] = mapped_column(Integer, default=1)
    publishing: Mapped[bool] = mapped_column(Boolean, default=False)

    event: Mapped[LiveEvent] = relationship(back_populates="audios")


class LiveRecording(Base):
    """One publish of one stream of an event (``language`` empty: the main stream) and its FLV file.

    The row is written when the publish is admitted (``started_at`` aligns the interpreters' audio);
    ``path`` arrives with nginx-rtmp's ``record_done``.
    """

    __tablename__ = "live_recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("live_events.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(10), default="")
    stream: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    path: Mapped[str] = mapped_column(String(1000), default="")

    event: Mapped[LiveEvent] = relationship(back_populates="recordings")
