"""The tables of live broadcasts: a meeting streamed into a live event, and the chat messages carried
between the event's audience and the meeting.

``event_id`` names a row of the ``live`` plugin without a foreign key: ``live`` is optional beside this
plugin (its tables may not exist), and a broadcast whose event was deleted is simply over.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import NOT_ON_PAGES, Base, UTCDateTime, utcnow
from plugin_bbb.models import BbbMeeting

#: ``starting`` (asked, the streamer or the gateway is being started), ``on_air`` (publishing),
#: ``stopping`` (asked to stop), ``ended``, ``failed`` (with ``error``).
BROADCAST_STATES = ("starting", "on_air", "stopping", "ended", "failed")
ACTIVE_STATES = ("starting", "on_air", "stopping")
#: Why a broadcast stopped.
STOP_REASONS = ("owner", "meeting-ended", "event-ended", "alone", "failed")


class BbbBroadcast(Base):
    """One broadcast of a meeting into a live event, by Amphi's capture worker or by a gateway.

    A capture worker holds a lease (``lease_owner`` until ``lease_expires_at``), renewed while it
    publishes: a lease that runs out means the worker died, and the minute watch restarts the broadcast
    (``attempts``) or marks it failed.
    """

    __tablename__ = "bbb_broadcasts"
    # Lease renewals every few seconds must not empty the page cache.
    __table_args__ = (Index("ix_bbb_broadcasts_state", "state"), {"info": NOT_ON_PAGES})

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("bbb_meetings.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(Integer, index=True)
    #: ``capture`` or ``gateway``, the server's streaming mode when the broadcast started.
    mode: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="starting")
    #: The meeting's public chat is shown to the audience (its messages posted into the event's chat).
    show_meeting_chat: Mapped[bool] = mapped_column(Boolean, default=False)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    on_air_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stop_reason: Mapped[str] = mapped_column(String(16), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str] = mapped_column(String(100), default="")
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Since when the streamer is the only one left in the meeting (the watch stops it after a while).
    alone_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    meeting: Mapped[BbbMeeting] = relationship(BbbMeeting)

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES

    def __repr__(self) -> str:
        return f"<BbbBroadcast {self.id} {self.mode} {self.state}>"


class BbbBroadcastMessage(Base):
    """A chat message carried across a broadcast: ``out`` (the audience's, into the meeting) or ``in``
    (the meeting's public chat, to the audience).

    ``source_id`` is the message's id where it was written (Amphi's chat, or BigBlueButton's), unique per
    broadcast and direction: a message is carried once however often it is reported. ``digest`` is the
    digest of the text sent into the meeting, so that the meeting's webhook telling of it again is
    recognised as Amphi's own (an echo) and not carried back.
    """

    __tablename__ = "bbb_broadcast_messages"
    __table_args__ = (UniqueConstraint("broadcast_id", "direction", "source_id"), {"info": NOT_ON_PAGES})

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("bbb_broadcasts.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(4))
    source_id: Mapped[str] = mapped_column(String(100))
    digest: Mapped[str] = mapped_column(String(64), default="")
    #: What is sent into the meeting (``out``): the viewer's name and text, as the meeting shows them.
    text: Mapped[str] = mapped_column(Text, default="")
    #: ``pending``, ``sent``, ``failed`` (out); ``posted``, ``echo``, ``skipped`` (in).
    state: Mapped[str] = mapped_column(String(8), default="pending")
    #: An outgoing message recognised in the meeting's chat (its echo was not carried back).
    echoed: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    broadcast: Mapped[BbbBroadcast] = relationship(BbbBroadcast)


__all__ = [
    "ACTIVE_STATES",
    "BROADCAST_STATES",
    "STOP_REASONS",
    "BbbBroadcast",
    "BbbBroadcastMessage",
]
