"""The stats plugin's tables: one row per viewer of the day (kept one day), daily totals per video,
the measures of each site's storage."""

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models import NOT_ON_PAGES, Base, UTCDateTime, utcnow


class DailyViewer(Base):
    """A viewer already counted today for a video: only a keyed hash, deleted once a later day counts.

    See :func:`plugins.stats.counting.viewer_hash` for why this holds no personal data.
    """

    __tablename__ = "stats_daily_viewers"
    __table_args__ = (
        UniqueConstraint("site_id", "video_id", "day", "viewer_hash"),
        Index("ix_stats_daily_viewers_site_day", "site_id", "day"),
        {"info": NOT_ON_PAGES},
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    viewer_hash: Mapped[str] = mapped_column(String(64))


class VideoDay(Base):
    """A video's totals for one day (UTC): distinct viewers and seconds played."""

    __tablename__ = "stats_video_days"
    __table_args__ = (Index("ix_stats_video_days_site_day", "site_id", "day"), {"info": NOT_ON_PAGES})

    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    views: Mapped[int] = mapped_column(Integer, default=0)
    watch_seconds: Mapped[float] = mapped_column(Float, default=0.0)


class StorageMeasure(Base):
    """What a site stored when its storage was last walked (bytes per part; see :mod:`plugins.stats.storage_use`).

    A new row per measurement (nightly, or when a site admin asks): the latest is shown.
    """

    __tablename__ = "stats_storage_measures"
    __table_args__ = (
        Index("ix_stats_storage_measures_site_measured", "site_id", "measured_at"),
        {"info": NOT_ON_PAGES},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    measured_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    originals: Mapped[int] = mapped_column(BigInteger, default=0)
    outputs: Mapped[int] = mapped_column(BigInteger, default=0)
    tracks: Mapped[int] = mapped_column(BigInteger, default=0)
    uploads: Mapped[int] = mapped_column(BigInteger, default=0)
    other: Mapped[int] = mapped_column(BigInteger, default=0)
    files: Mapped[int] = mapped_column(BigInteger, default=0)

    @property
    def total(self) -> int:
        return self.originals + self.outputs + self.tracks + self.uploads + self.other
