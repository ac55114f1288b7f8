"""The recorder plugin's tables: recorders, their schedule, the files of their drop folders, pending recordings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import NOT_ON_PAGES, PERSONAL, Base, UTCDateTime, utcnow
from core.plugin_api import _

#: How a recorder hands its recordings over.
RECORDER_TYPES = ("opencast", "folder", "push")
#: Access levels a recorder may give its published recordings (groups and passwords are set per video).
RECORDER_ACCESS = ("draft", "public", "signed-in")
#: What an Opencast capture agent may say of itself and of a recording.
AGENT_STATES = ("idle", "capturing", "uploading", "offline", "unknown", "shutting_down", "error")
RECORDING_STATES = (
    "capturing",
    "capture_finished",
    "capture_error",
    "manifest",
    "manifest_error",
    "manifest_finished",
    "compressing",
    "compressing_error",
    "uploading",
    "upload_finished",
    "upload_error",
    "unknown",
)
#: The recording states in which an agent says it failed: no video will come from it.
RECORDING_ERROR_STATES = ("capture_error", "manifest_error", "compressing_error", "upload_error")
#: What the pages show for each state (an agent's own words are shown as they are).
STATE_LABELS = {
    "idle": _("idle"),
    "capturing": _("capturing"),
    "uploading": _("uploading"),
    "offline": _("offline"),
    "unknown": _("unknown"),
    "shutting_down": _("shutting down"),
    "error": _("error"),
    "capture_finished": _("capture finished"),
    "capture_error": _("capture failed"),
    "manifest": _("writing its manifest"),
    "manifest_error": _("manifest failed"),
    "manifest_finished": _("manifest written"),
    "compressing": _("compressing"),
    "compressing_error": _("compression failed"),
    "upload_finished": _("uploaded"),
    "upload_error": _("upload failed"),
}


def state_label(request, state: str) -> str:
    """``state`` (an agent's or a recording's) in the reader's language."""
    return request.localizer.translate(STATE_LABELS[state]) if state in STATE_LABELS else state


class Recorder(Base):
    """A capture box of a site and the rules its recordings follow."""

    __tablename__ = "recorder_recorders"
    __table_args__ = (
        UniqueConstraint("site_id", "name"),
        UniqueConstraint("site_id", "username"),
        {"info": NOT_ON_PAGES},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))  # also the Opencast agent id
    type: Mapped[str] = mapped_column(String(16), default="opencast")
    username: Mapped[str] = mapped_column(String(100))
    #: MD5(username:realm:password), what HTTP digest needs (never the password itself).
    digest_ha1: Mapped[str] = mapped_column(String(64), default="")
    push_token_hash: Mapped[str] = mapped_column(String(64), default="", index=True)
    drop_folder: Mapped[str] = mapped_column(String(500), default="")
    stable_seconds: Mapped[int] = mapped_column(Integer, default=60)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    default_owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: Where its recordings are published (a channel of the site), if anywhere.
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id", ondelete="SET NULL"), index=True)
    access: Mapped[str] = mapped_column(String(16), default="draft")
    language: Mapped[str] = mapped_column(String(10), default="")
    auto_publish: Mapped[bool] = mapped_column(Boolean, default=False)
    agent_state: Mapped[str] = mapped_column(String(16), default="")
    agent_address: Mapped[str] = mapped_column(String(500), default="")
    agent_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    agent_configuration: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    site = relationship("Site")
    manager = relationship("User", foreign_keys=[manager_id])
    default_owner = relationship("User", foreign_keys=[default_owner_id])
    channel = relationship("Channel")
    events: Mapped[list[RecorderEvent]] = relationship(
        back_populates="recorder", cascade="all, delete-orphan", order_by="RecorderEvent.start"
    )


class RecorderEvent(Base):
    """A scheduled recording: what the agent's calendar shows, and what became of it."""

    __tablename__ = "recorder_events"
    __table_args__ = {"info": PERSONAL}  # its owner's navigation counts their pending recordings

    id: Mapped[int] = mapped_column(primary_key=True)
    recorder_id: Mapped[int] = mapped_column(ForeignKey("recorder_recorders.id", ondelete="CASCADE"), index=True)
    uid: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(250))
    room: Mapped[str] = mapped_column(String(200), default="")
    start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    state: Mapped[str] = mapped_column(String(24), default="")
    state_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    video_id: Mapped[int | None] = mapped_column(ForeignKey("videos.id", ondelete="SET NULL"))
    #: When the recorder's manager was told that no video arrived (once per event).
    missing_reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recorder: Mapped[Recorder] = relationship(back_populates="events")
    owner = relationship("User")


class DropFile(Base):
    """A file seen in a drop folder; its size and modification time identify one version of it."""

    __tablename__ = "recorder_drop_files"
    __table_args__ = (UniqueConstraint("recorder_id", "name", "size", "mtime_ns"), {"info": NOT_ON_PAGES})

    id: Mapped[int] = mapped_column(primary_key=True)
    recorder_id: Mapped[int] = mapped_column(ForeignKey("recorder_recorders.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(500))
    size: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    #: ``waiting`` (size not stable long enough yet), ``processing`` (claimed by a worker), ``done`` or ``failed``.
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    error: Mapped[str] = mapped_column(Text, default="")
    #: When this version was first seen; once ``processing``, when it was claimed.
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    video_id: Mapped[int | None] = mapped_column(ForeignKey("videos.id", ondelete="SET NULL"))


class PendingRecording(Base):
    """A recording that waits for its manager (or scheduled owner) to claim it."""

    __tablename__ = "recorder_pending"
    __table_args__ = {"info": PERSONAL}  # the navigation counts them

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    recorder_id: Mapped[int] = mapped_column(ForeignKey("recorder_recorders.id", ondelete="CASCADE"), index=True)
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), unique=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("recorder_events.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recorder: Mapped[Recorder] = relationship()
    video = relationship("Video")
    event: Mapped[RecorderEvent | None] = relationship()


__all__ = [
    "AGENT_STATES",
    "STATE_LABELS",
    "RECORDER_ACCESS",
    "RECORDER_TYPES",
    "RECORDING_ERROR_STATES",
    "RECORDING_STATES",
    "DropFile",
    "PendingRecording",
    "Recorder",
    "RecorderEvent",
]
