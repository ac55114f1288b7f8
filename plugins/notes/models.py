"""The notes plugin's tables: timestamped notes and comments, and the videos whose comments are off."""

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Base, User, UTCDateTime, utcnow

#: A private note is seen by its author alone; a comment by everyone who may watch the video.
KINDS = ("note", "comment")


class Note(Base):
    """A note or a comment at a time of a video; a reply has a parent comment and no time of its own."""

    __tablename__ = "notes_notes"
    __table_args__ = (
        Index("ix_notes_notes_video_kind", "video_id", "kind"),
        Index("ix_notes_notes_author_video", "author_id", "video_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("notes_notes.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="note")
    time: Mapped[float] = mapped_column(Float, default=0.0)
    text: Mapped[str] = mapped_column(Text)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship(User, lazy="joined")


class CommentsOff(Base):
    """A video whose owners turned comments off: none shown to viewers, none added."""

    __tablename__ = "notes_comments_off"

    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
