"""The chat's tables: rooms and their settings, messages, hidden users, questions and their votes, replays."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import NOT_ON_PAGES, Base, User, UTCDateTime, utcnow


class ChatRoom(Base):
    """A room of a site (``event-12``, ``video-7``) and what its moderators set."""

    __tablename__ = "chat_rooms"
    __table_args__ = (UniqueConstraint("site_id", "room", name="uq_chat_rooms_site_room"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    room: Mapped[str] = mapped_column(String(64))
    #: A video's chat is offered only once its owners turn it on (events' chats always are).
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    open: Mapped[bool] = mapped_column(Boolean, default=True)
    slow_seconds: Mapped[int] = mapped_column(Integer, default=0)
    anonymous_read: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChatMessage(Base):
    """A message as its author typed it (plain text, escaped wherever it is shown).

    A person's message has an ``author``; a message another plugin posts for someone outside Amphi (a
    participant of a web conference, through :func:`plugins.chat.api.post_as_speaker`) has none: its
    ``speaker`` is the name shown and ``source`` the plugin's own mark (``bbb``...).
    """

    __tablename__ = "chat_messages"
    __table_args__ = (
        Index("ix_chat_messages_room_id_id", "room_id", "id"),
        Index("ix_chat_messages_room_author", "room_id", "author_id"),
        {"info": NOT_ON_PAGES},  # the widget reads them through the API: a message never ages a cached page
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("chat_rooms.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: The name shown for a message without author (an outside speaker); empty for a person's.
    speaker: Mapped[str] = mapped_column(String(100), default="")
    #: Which plugin posted it for an outside speaker (empty: a person wrote it here).
    source: Mapped[str] = mapped_column(String(32), default="")
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[User | None] = relationship(User, foreign_keys=[author_id], lazy="joined")

    @property
    def author_name(self) -> str:
        """Who wrote it, as the chat shows it: the person's display name, or the outside speaker's."""
        if self.author is None:
            return self.speaker
        return self.author.display_name or self.author.username


class ChatHiddenUser(Base):
    """A user a moderator hid in a room: their messages are no longer shown and they no longer write."""

    __tablename__ = "chat_hidden_users"
    __table_args__ = {"info": NOT_ON_PAGES}

    room_id: Mapped[int] = mapped_column(ForeignKey("chat_rooms.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChatQuestion(Base):
    """A question for the speaker; ``votes`` counts the rows of :class:`ChatVote` (one per user)."""

    __tablename__ = "chat_questions"
    __table_args__ = (Index("ix_chat_questions_room_votes", "room_id", "votes"), {"info": NOT_ON_PAGES})

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("chat_rooms.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    votes: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    author: Mapped[User] = relationship(User, foreign_keys=[author_id], lazy="joined")


class ChatVote(Base):
    """One user's vote for one question."""

    __tablename__ = "chat_votes"
    __table_args__ = {"info": NOT_ON_PAGES}

    question_id: Mapped[int] = mapped_column(ForeignKey("chat_questions.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChatReplay(Base):
    """A video that replays a room: its messages are shown at their time in the video."""

    __tablename__ = "chat_replays"

    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("chat_rooms.id", ondelete="CASCADE"), index=True)
    #: The moment the video's time 0 was live (the broadcast's start).
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
