"""The stats plugin's tables: one row per viewer of the day (kept one day), daily totals per video."""

from datetime import date

from sqlalchemy import BigInteger, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models import NOT_ON_PAGES, Base


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
