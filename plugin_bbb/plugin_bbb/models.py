"""The BigBlueButton plugin's tables: servers per site, meetings with their people, recordings seen on a
server, and the webhooks registered on each server.

Other parts of the plugin add their own tables in later revisions of the ``bbb`` branch.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Column, Date, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import NOT_ON_PAGES, Base, Channel, Group, User, UTCDateTime, Video, utcnow

SERVER_KINDS = ("bbb", "scalelite")
#: How a meeting is streamed live: our own capture worker, or a gateway's HTTP API (SIPMediaGW).
STREAMING_MODES = ("capture", "gateway")
#: Who attends (joins as a viewer) besides owners and moderators.
ATTENDEE_MODES = ("listed", "signed-in", "link")
#: BBB's guest policies Amphi offers: everyone comes in, or guests wait in the waiting room.
GUEST_POLICIES = ("ALWAYS_ACCEPT", "ASK_MODERATOR")
REPEATS = ("none", "weekly")
#: A recording seen on a server: only listed, being imported, imported as a video, or failed.
RECORDING_STATES = ("listed", "importing", "imported", "failed")


def new_token(size: int = 24) -> str:
    return secrets.token_urlsafe(size)


def new_meeting_id() -> str:
    """An opaque meeting ID for BBB: letters and digits only, the same length for every meeting."""
    return "amphi-" + secrets.token_hex(16)


class BbbServer(Base):
    """A BigBlueButton server (or a Scalelite load balancer) a site's meetings run on.

    ``secret`` is the shared secret: it signs every call and is never sent to a browser.
    """

    __tablename__ = "bbb_servers"
    __table_args__ = (UniqueConstraint("site_id", "name"), {"info": NOT_ON_PAGES})

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(200))
    checksum_algorithm: Mapped[str] = mapped_column(String(8), default="sha256")
    kind: Mapped[str] = mapped_column(String(16), default="bbb")
    streaming_mode: Mapped[str] = mapped_column(String(16), default="capture")
    gateway_url: Mapped[str] = mapped_column(String(500), default="")
    gateway_token: Mapped[str] = mapped_column(String(500), default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    #: In the webhooks' callback URL: an event that does not carry it is refused.
    webhook_token: Mapped[str] = mapped_column(String(64), default=new_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    site = relationship("Site")

    def __repr__(self) -> str:
        return f"<BbbServer {self.id} {self.name}>"


def _people(name: str, column: str, target: str) -> Table:
    return Table(
        name,
        Base.metadata,
        Column("meeting_id", ForeignKey("bbb_meetings.id", ondelete="CASCADE"), primary_key=True),
        Column(column, ForeignKey(f"{target}.id", ondelete="CASCADE"), primary_key=True),
        info=NOT_ON_PAGES,
    )


bbb_meeting_owners = _people("bbb_meeting_owners", "user_id", "users")
bbb_meeting_moderators = _people("bbb_meeting_moderators", "user_id", "users")
bbb_meeting_moderator_groups = _people("bbb_meeting_moderator_groups", "group_id", "groups")
bbb_meeting_attendees = _people("bbb_meeting_attendees", "user_id", "users")
bbb_meeting_attendee_groups = _people("bbb_meeting_attendee_groups", "group_id", "groups")


class BbbMeeting(Base):
    """A meeting room of a site on one of its servers, with its schedule and who may come in how.

    ``meeting_id`` is the opaque ID BBB knows it by; ``link_token`` is in its invitation link;
    ``moderator_password``/``attendee_password`` are only sent to servers older than BBB 2.4, which
    choose the role by password. A weekly meeting is one room that opens every week until
    ``repeat_until`` (its recordings all belong to it).
    """

    __tablename__ = "bbb_meetings"
    __table_args__ = {"info": NOT_ON_PAGES}

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    server_id: Mapped[int | None] = mapped_column(ForeignKey("bbb_servers.id", ondelete="SET NULL"), index=True)
    meeting_id: Mapped[str] = mapped_column(String(100), unique=True, default=new_meeting_id)
    name: Mapped[str] = mapped_column(String(250))
    description: Mapped[str] = mapped_column(Text, default="")
    always_open: Mapped[bool] = mapped_column(Boolean, default=False)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    repeat: Mapped[str] = mapped_column(String(8), default="none")
    repeat_until: Mapped[date | None] = mapped_column(Date)
    welcome: Mapped[str] = mapped_column(Text, default="")
    record: Mapped[bool] = mapped_column(Boolean, default=False)
    max_participants: Mapped[int] = mapped_column(Integer, default=0)  # 0: no limit
    guest_policy: Mapped[str] = mapped_column(String(16), default="ALWAYS_ACCEPT")
    attendees_mode: Mapped[str] = mapped_column(String(16), default="listed")
    link_token: Mapped[str] = mapped_column(String(64), default=new_token)
    moderator_password: Mapped[str] = mapped_column(String(64), default=new_token)
    attendee_password: Mapped[str] = mapped_column(String(64), default=new_token)
    #: What the server last told (webhooks, or Amphi's own create/end calls).
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The channel its recordings' videos are put in when imported.
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    site = relationship("Site")
    server: Mapped[BbbServer | None] = relationship(BbbServer)
    channel: Mapped[Channel | None] = relationship(Channel)
    owners: Mapped[list[User]] = relationship(User, secondary=bbb_meeting_owners, order_by=User.id)
    moderators: Mapped[list[User]] = relationship(User, secondary=bbb_meeting_moderators, order_by=User.id)
    moderator_groups: Mapped[list[Group]] = relationship(Group, secondary=bbb_meeting_moderator_groups)
    attendees: Mapped[list[User]] = relationship(User, secondary=bbb_meeting_attendees, order_by=User.id)
    attendee_groups: Mapped[list[Group]] = relationship(Group, secondary=bbb_meeting_attendee_groups)
    recordings: Mapped[list[BbbRecording]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="BbbRecording.id"
    )

    def is_owned_by(self, user) -> bool:
        return user is not None and any(owner.id == user.id for owner in self.owners)

    def __repr__(self) -> str:
        return f"<BbbMeeting {self.id} {self.meeting_id}>"


class BbbRecording(Base):
    """A recording a server made of a meeting, and what became of it here.

    ``(server_id, record_id)`` is unique: a recording is listed once and imported at most once, however
    many callbacks, webhooks and reconciliations report it. An import takes the row from ``listed`` to
    ``importing`` with one conditional ``UPDATE`` (the claim); its ``worker`` then writes ``heartbeat_at``
    until it publishes the video, and the reconciliation takes back a row whose heartbeat stopped.
    """

    __tablename__ = "bbb_recordings"
    __table_args__ = (UniqueConstraint("server_id", "record_id"), {"info": NOT_ON_PAGES})

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("bbb_servers.id", ondelete="CASCADE"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("bbb_meetings.id", ondelete="CASCADE"), index=True)
    record_id: Mapped[str] = mapped_column(String(256))
    name: Mapped[str] = mapped_column(String(250), default="")
    #: The playback formats the server offered (``video``, ``presentation``, ``podcast``...).
    formats: Mapped[list] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(16), default="listed", index=True)
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    #: When the recorded session started and ended (the server's clock).
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    video_id: Mapped[int | None] = mapped_column(ForeignKey("videos.id", ondelete="SET NULL"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: Why the last import failed: a message of the catalogue (translated when shown), and its detail.
    error: Mapped[str] = mapped_column(Text, default="")
    error_detail: Mapped[str] = mapped_column(Text, default="")
    #: How Amphi first heard of it: ``callback``, ``webhook`` or ``reconcile``.
    source: Mapped[str] = mapped_column(String(16), default="")
    listed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When an import was last queued (the reconciliation queues again a row left ``listed`` too long).
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Who imports it now (host, process, a random part) and when it last said it was alive.
    worker: Mapped[str] = mapped_column(String(100), default="")
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: A failed import is tried again by the reconciliation from then (None: not by itself).
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When an owner deleted it on the server from Amphi.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    site = relationship("Site")
    server: Mapped[BbbServer] = relationship(BbbServer)
    meeting: Mapped[BbbMeeting | None] = relationship(back_populates="recordings")
    video: Mapped[Video | None] = relationship(Video)


class BbbWebhook(Base):
    """The hook Amphi registered on a server (bbb-webhooks): its id there and the callback URL it posts to."""

    __tablename__ = "bbb_webhooks"
    __table_args__ = {"info": NOT_ON_PAGES}

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("bbb_servers.id", ondelete="CASCADE"), unique=True)
    hook_id: Mapped[str] = mapped_column(String(64))
    callback_url: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The last time the reconciliation found it registered on the server.
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    server: Mapped[BbbServer] = relationship(BbbServer)


__all__ = [
    "ATTENDEE_MODES",
    "GUEST_POLICIES",
    "RECORDING_STATES",
    "REPEATS",
    "SERVER_KINDS",
    "STREAMING_MODES",
    "BbbMeeting",
    "BbbRecording",
    "BbbServer",
    "BbbWebhook",
    "bbb_meeting_attendee_groups",
    "bbb_meeting_attendees",
    "bbb_meeting_moderator_groups",
    "bbb_meeting_moderators",
    "bbb_meeting_owners",
    "new_meeting_id",
    "new_token",
]
