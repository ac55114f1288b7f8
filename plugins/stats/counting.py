"""Counting views once per viewer per video per day, and watch time, into daily totals."""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections import OrderedDict
from datetime import date

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from zope.sqlalchemy import mark_changed

from core.models import Video, utcnow
from core.plugin_api import derived_key
from plugins.stats.models import DailyViewer, VideoDay

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
#: (site, video, day, viewer hash) found counted already (a committed row): this process writes them no more.
_COUNTED: OrderedDict[tuple, None] = OrderedDict()
_COUNTED_SIZE = 100_000
_counted_lock = threading.Lock()


def today() -> date:
    """The day a view counts for (UTC, like every stored time)."""
    return utcnow().date()


def day_key(request, day: date) -> bytes:
    """The hashing key of ``day``: derived from the application's secret and the date, so it changes daily."""
    return hmac.new(
        derived_key(request.registry.settings, "stats.viewer"), day.isoformat().encode(), hashlib.sha256
    ).digest()


def viewer_hash(request, video: Video, day: date) -> str:
    """Who is watching ``video`` on ``day``, as a keyed hash that is only good for that video and day.

    The viewer is the account when signed in, else the client's address, user agent and
    accepted languages. None of these is stored: only HMAC-SHA256 under a key that changes
    every day (:func:`day_key`), mixed with the video id, so one hash cannot be matched with
    the same person's hash on another video or another day, nor turned back into an address
    without the server's secret. The rows holding hashes are deleted with the site's first view of a later day
    (:func:`forget_past_viewers`); what stays is a count per video per day, which says
    nothing about anyone.
    """
    if request.user is not None:
        who = f"user:{request.user.id}"
    else:
        who = "|".join(
            (
                "anonymous",
                request.remote_addr or "",
                request.user_agent or "",
                request.headers.get("Accept-Language", ""),
            )
        )
    message = f"{request.site.id}:{video.id}:{who}".encode()
    return hmac.new(day_key(request, day), message, hashlib.sha256).hexdigest()


def _insert(request):
    return _INSERTS[request.dbsession.get_bind().dialect.name]


def record_view(request, video: Video) -> bool:
    """Count this viewer for ``video`` today, unless already counted; True when counted.

    One statement, no read first: the insert ignores a viewer already counted today (the unique
    constraint), which also makes two simultaneous first views of the same viewer count once. A viewer
    counted is remembered by the process once the transaction commits: their next views that day cost no
    statement at all.
    """
    if request.method != "GET" or video.status != "ready" or video.site_id != request.site.id:
        return False
    day, insert = today(), _insert(request)
    viewers, viewer = DailyViewer.__table__, viewer_hash(request, video, day)
    key = (video.site_id, video.id, day, viewer)
    with _counted_lock:
        if key in _COUNTED:
            _COUNTED.move_to_end(key)
            return False
    statement = (
        insert(viewers)
        .values(
            site_id=video.site_id,
            video_id=video.id,
            day=day,
            viewer_hash=viewer,
        )
        .on_conflict_do_nothing(index_elements=["site_id", "video_id", "day", "viewer_hash"])
        .returning(viewers.c.id)
    )
    counted = request.dbsession.execute(statement).first() is not None  # no row back: counted already
    if counted:
        add_to_day(request, video, day, views=1)
        forget_past_viewers(request, day)
    _remember_after_commit(request, key)
    mark_changed(request.dbsession)
    return counted


def _remember_after_commit(request, key: tuple) -> None:
    def remember(committed: bool) -> None:
        if committed:
            with _counted_lock:
                _COUNTED[key] = None
                while len(_COUNTED) > _COUNTED_SIZE:
                    _COUNTED.popitem(last=False)

    manager = getattr(request, "tm", None)
    if manager is not None:
        manager.get().addAfterCommitHook(remember)


def record_watch_time(request, video: Video, seconds: float) -> None:
    """Add ``seconds`` of play to the video's total of today."""
    if seconds > 0 and video.site_id == request.site.id:
        add_to_day(request, video, today(), seconds=float(seconds))
        mark_changed(request.dbsession)


def add_to_day(request, video: Video, day: date, views: int = 0, seconds: float = 0.0) -> None:
    """Add to a video's daily totals in one statement (an upsert: no lost update under concurrency)."""
    table = VideoDay.__table__
    statement = _insert(request)(table).values(
        video_id=video.id, day=day, site_id=video.site_id, views=views, watch_seconds=seconds
    )
    statement = statement.on_conflict_do_update(
        index_elements=["video_id", "day"],
        set_={
            "views": table.c.views + statement.excluded.views,
            "watch_seconds": table.c.watch_seconds + statement.excluded.watch_seconds,
        },
    )
    request.dbsession.execute(statement)


#: site id: the day whose earlier viewer hashes this process has deleted (committed).
_FORGOTTEN: dict[int, date] = {}


def forget_past_viewers(request, day: date) -> None:
    """Delete the site's viewer hashes of days before ``day``: they served only to count that day once.

    Once a day per site and process (after its commit): the delete reads the day's whole index range, so at
    every first view it grew with the day's audience.
    """
    site_id = request.site.id
    if _FORGOTTEN.get(site_id) == day:
        return
    request.dbsession.execute(delete(DailyViewer).where(DailyViewer.site_id == site_id, DailyViewer.day < day))

    def remember(committed: bool) -> None:
        if committed:
            _FORGOTTEN[site_id] = day

    manager = getattr(request, "tm", None)
    if manager is not None:
        manager.get().addAfterCommitHook(remember)
