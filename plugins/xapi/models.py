"""The xAPI plugin's tables: the viewings it follows, the statements waiting for the LRS, each site's delivery state."""

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models import NOT_ON_PAGES, Base, UTCDateTime, utcnow


class Viewing(Base):
    """One viewing (a page load's player session), tied to its viewer and video at its first report.

    The player chooses the id; a later report under the same id from another viewer or for another
    video is refused. ``completed`` is claimed once (a conditional UPDATE): one ``completed`` statement.
    """

    __tablename__ = "xapi_viewings"
    __table_args__ = (Index("ix_xapi_viewings_started_at", "started_at"), {"info": NOT_ON_PAGES})

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the player's session UUID
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"))
    viewer: Mapped[str] = mapped_column(String(40))  # "user:<id>" or "anonymous"
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed: Mapped[bool] = mapped_column(Boolean, default=False)


class Outbox(Base):
    """A statement waiting for the site's LRS; deleted once the LRS stored it.

    Delivery claims rows with a conditional UPDATE (``claim``, ``claimed_until``) so that two workers
    never send the same row at once; a claim that outlives ``claimed_until`` (a killed worker) is taken
    again, and the LRS recognises the statement ids it already stored.
    """

    __tablename__ = "xapi_outbox"
    __table_args__ = (Index("ix_xapi_outbox_site_due", "site_id", "failed", "next_attempt_at"), {"info": NOT_ON_PAGES})

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    statement_id: Mapped[str] = mapped_column(String(36), unique=True)
    statement: Mapped[str] = mapped_column(Text)  # the JSON sent, as recorded: a retry sends the same bytes
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claim: Mapped[str | None] = mapped_column(String(32), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: The LRS refused this statement itself (not the connection): kept, shown, not sent again.
    failed: Mapped[bool] = mapped_column(Boolean, default=False)
    last_error: Mapped[str] = mapped_column(String(500), default="")


class DeliveryStatus(Base):
    """What happened with a site's LRS last, for its admin."""

    __tablename__ = "xapi_status"
    __table_args__ = {"info": NOT_ON_PAGES}

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    delivered: Mapped[int] = mapped_column(BigInteger, default=0)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
