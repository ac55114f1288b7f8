"""What the stats pages show, always scoped to one site and one period."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from core.models import Video
from core.plugin_api import _, plural
from plugins.stats.models import VideoDay

DEFAULT_DAYS = 30
MAX_DAYS = 731
TOP_VIDEOS = 20


class PeriodError(ValueError):
    """A period that cannot be shown; ``message`` is a translation string, ``mapping`` its values."""

    def __init__(self, message: str, **mapping):
        super().__init__(message)
        self.message, self.mapping = message, mapping


@dataclass(frozen=True)
class Period:
    """A range of whole days, both ends included."""

    start: date
    end: date

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as UTC datetimes: ``start <= t < end``."""
        return (datetime.combine(self.start, time(), UTC), datetime.combine(self.end + timedelta(days=1), time(), UTC))

    def query(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def parse_period(params, today: date) -> Period:
    """The period asked for in ``params`` (``start``, ``end``: ISO dates), the last 30 days by default."""
    try:
        end = date.fromisoformat(params.get("end") or today.isoformat())
        start = date.fromisoformat(params.get("start") or (end - timedelta(days=DEFAULT_DAYS - 1)).isoformat())
    except ValueError:
        raise PeriodError(_("Write dates as YYYY-MM-DD, for example ${example}."), example=today.isoformat()) from None
    if end > today:
        raise PeriodError(_("The period cannot end after today (${today})."), today=today.isoformat())
    if start > end:
        raise PeriodError(_("The start date must not be after the end date."))
    if (end - start).days + 1 > MAX_DAYS:
        raise PeriodError(
            plural("Choose a period of at most ${days} day.", "Choose a period of at most ${days} days.", MAX_DAYS),
            days=MAX_DAYS,
        )
    return Period(start, end)


@dataclass(frozen=True)
class DayRow:
    day: date
    views: int
    watch_seconds: float


def video_days(dbsession, video: Video, period: Period) -> list[DayRow]:
    """Views and watch time of ``video`` for every day of the period (zeros included)."""
    rows = dbsession.execute(
        select(VideoDay.day, VideoDay.views, VideoDay.watch_seconds).where(
            VideoDay.site_id == video.site_id,
            VideoDay.video_id == video.id,
            VideoDay.day >= period.start,
            VideoDay.day <= period.end,
        )
    ).all()
    found = {row.day: row for row in rows}
    return [
        DayRow(day, found[day].views if day in found else 0, found[day].watch_seconds if day in found else 0.0)
        for day in period.days
    ]


def views_of(dbsession, site_id: int, video_ids: list[int]) -> dict[int, int]:
    """All-time views of several videos, in one grouped query (the cards of a listing)."""
    if not video_ids:
        return {}
    query = (
        select(VideoDay.video_id, func.sum(VideoDay.views))
        .where(VideoDay.site_id == site_id, VideoDay.video_id.in_(video_ids))
        .group_by(VideoDay.video_id)
    )
    return {video_id: int(views or 0) for video_id, views in dbsession.execute(query)}


def video_totals(dbsession, video: Video) -> tuple[int, float]:
    """All-time views and seconds watched of ``video``."""
    views, seconds = dbsession.execute(
        select(func.coalesce(func.sum(VideoDay.views), 0), func.coalesce(func.sum(VideoDay.watch_seconds), 0.0)).where(
            VideoDay.site_id == video.site_id, VideoDay.video_id == video.id
        )
    ).one()
    return int(views), float(seconds)


@dataclass(frozen=True)
class UploadRow:
    day: date
    videos: int
    hours: float


def upload_days(dbsession, site_id: int, period: Period) -> list[UploadRow]:
    """Videos created on the site and their hours of media, for every day of the period.

    Grouped here rather than in SQL: dates of timestamps differ between SQLite and
    PostgreSQL, and a period holds at most a few thousand videos.
    """
    start, end = period.bounds()
    rows = dbsession.execute(
        select(Video.created_at, Video.duration).where(
            Video.site_id == site_id, Video.created_at >= start, Video.created_at < end
        )
    ).all()
    counts, seconds = Counter(), Counter()
    for created_at, duration in rows:
        day = created_at.astimezone(UTC).date()
        counts[day] += 1
        seconds[day] += duration or 0.0
    return [UploadRow(day, counts[day], seconds[day] / 3600) for day in period.days]


@dataclass(frozen=True)
class TopRow:
    video_id: int
    title: str
    views: int
    watch_seconds: float


def site_totals(dbsession, site_id: int, period: Period) -> tuple[int, float]:
    """``(views, watch seconds)`` of all the site's videos over the period."""
    row = dbsession.execute(
        select(func.coalesce(func.sum(VideoDay.views), 0), func.coalesce(func.sum(VideoDay.watch_seconds), 0.0)).where(
            VideoDay.site_id == site_id, VideoDay.day >= period.start, VideoDay.day <= period.end
        )
    ).one()
    return int(row[0]), float(row[1])


def top_videos(dbsession, site_id: int, period: Period, limit: int = TOP_VIDEOS) -> list[TopRow]:
    """The site's most viewed videos over the period (ties: more watch time, then newer id first)."""
    views = func.sum(VideoDay.views).label("views")
    seconds = func.sum(VideoDay.watch_seconds).label("seconds")
    rows = dbsession.execute(
        select(Video.id, Video.title, views, seconds)
        .select_from(VideoDay)
        .join(Video, Video.id == VideoDay.video_id)
        .where(
            VideoDay.site_id == site_id,
            Video.site_id == site_id,
            VideoDay.day >= period.start,
            VideoDay.day <= period.end,
        )
        .group_by(Video.id, Video.title)
        .having(func.sum(VideoDay.views) > 0)
        .order_by(views.desc(), seconds.desc(), Video.id.desc())
        .limit(limit)
    ).all()
    return [TopRow(row.id, row.title, int(row.views), float(row.seconds)) for row in rows]
