"""Live viewer counts: each player sends a beacon every ~20 s; concurrent = viewers seen in the last 45 s.

A beacon costs no database query once its event is known to the store: the count lives in this
process's memory (the embedded default, one web process) or in Redis (``amphi.live.viewer_store``,
shared by several web processes: one sorted set per event). The peak is written to the event's row
when it rises, at most every :data:`PEAK_WRITE_SECONDS`, and at the end of the broadcast.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
import time
from typing import Protocol

from sqlalchemy import select, update

from core.plugin_api import GaugeReading, derived_key, plugin_settings
from plugins.live.models import LiveEvent

BEACON_SECONDS = 20
WINDOW_SECONDS = 45
PEAK_WRITE_SECONDS = 10
VIEWER_ID = re.compile(r"^[A-Za-z0-9_-]{8,40}$")
#: A bound on the viewers one process remembers per event (a flood of made-up ids cannot grow it further).
MAX_VIEWERS = 100_000


#: How long after an event's scheduled end a page's beacon pass still counts (a broadcast may overrun).
PASS_MARGIN_SECONDS = 6 * 3600


def beacon_pass(settings, event: LiveEvent) -> str:
    """The pass the event page gives the player, only to a viewer who may watch: ``<expires>.<signature>``.

    Beacons then prove access without a query: a beacon without a valid pass is not counted.
    """
    expires = int(event.ends_at.timestamp()) + PASS_MARGIN_SECONDS
    return f"{expires}.{_pass_signature(settings, event.id, expires)}"


def pass_is_valid(settings, event_id: int, value: str, moment: float) -> bool:
    expires, _, signature = value.partition(".")
    if not expires.isdigit() or int(expires) < moment:
        return False
    return hmac.compare_digest(_pass_signature(settings, event_id, int(expires)), signature)


def _pass_signature(settings, event_id: int, expires: int) -> str:
    key = derived_key(settings, "live.beacon")
    return hmac.new(key, f"{event_id}:{expires}".encode(), hashlib.sha256).hexdigest()[:32]


class ViewerStore(Protocol):
    def seen(self, event_id: int, viewer: str, now: float) -> int: ...

    def count(self, event_id: int, now: float) -> int: ...


class MemoryStore:
    """Counts in this process (one waitress process serves every viewer)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.viewers: dict[int, dict[str, float]] = {}
        self.pruned: dict[int, float] = {}

    def _prune(self, seen: dict[str, float], now: float) -> None:
        for viewer in [v for v, at in seen.items() if at < now - WINDOW_SECONDS]:
            del seen[viewer]

    def seen(self, event_id: int, viewer: str, now: float) -> int:
        with self.lock:
            seen = self.viewers.setdefault(event_id, {})
            if now - self.pruned.get(event_id, 0.0) > 5 or len(seen) >= MAX_VIEWERS:
                self._prune(seen, now)  # every few seconds, not on each beacon
                self.pruned[event_id] = now
            if viewer in seen or len(seen) < MAX_VIEWERS:
                seen[viewer] = now
            return sum(1 for at in seen.values() if at >= now - WINDOW_SECONDS)

    def count(self, event_id: int, now: float) -> int:
        with self.lock:
            seen = self.viewers.get(event_id, {})
            return sum(1 for at in seen.values() if at >= now - WINDOW_SECONDS)


class RedisStore:
    """Counts shared by every web process: a sorted set per event, scored by the last beacon's time."""

    def __init__(self, url: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url)

    def seen(self, event_id: int, viewer: str, now: float) -> int:
        key = f"amphi:live:viewers:{event_id}"
        pipe = self.redis.pipeline()
        pipe.zadd(key, {viewer: now})
        pipe.zremrangebyscore(key, "-inf", now - WINDOW_SECONDS)
        pipe.zcard(key)
        pipe.expire(key, 6 * 3600)
        return int(pipe.execute()[2])

    def count(self, event_id: int, now: float) -> int:
        return int(self.redis.zcount(f"amphi:live:viewers:{event_id}", now - WINDOW_SECONDS, "+inf"))


_stores: dict[str, ViewerStore] = {}
_stores_lock = threading.Lock()


def store(url: str) -> ViewerStore:
    """The store of ``amphi.live.viewer_store`` (one per process and URL)."""
    with _stores_lock:
        if url not in _stores:
            _stores[url] = RedisStore(url) if url else MemoryStore()
        return _stores[url]


#: event id -> (peak written, when, highest count seen): whether a beacon must write a new peak.
_peaks: dict[int, tuple[int, float, int]] = {}


def peak_to_write(event_id: int, known_peak: int, current: int, now: float) -> int | None:
    """The peak to write now, if any: the highest count seen, at most every 10 s (the next beacons,
    every 20 s from each viewer, write what a throttled one could not)."""
    written, at, highest = _peaks.get(event_id, (known_peak, 0.0, known_peak))
    highest = max(highest, current)
    if highest <= max(written, known_peak) or now - at < PEAK_WRITE_SECONDS:
        _peaks[event_id] = (written, at, highest)
        return None
    _peaks[event_id] = (highest, now, highest)
    return highest


def now() -> float:
    return time.time()


#: event id -> (site id, peak read, until when the answer holds): a beacon reads the row once a minute.
_known: dict[int, tuple[int, int, float]] = {}
KNOWN_SECONDS = 60


def known_event(request, event_id: int) -> int | None:
    """The peak stored for an on-air event of the request's site (None: not one), read once a minute."""
    moment = now()
    cached = _known.get(event_id)
    if cached is None or cached[2] < moment:
        row = request.dbsession.execute(
            select(LiveEvent.site_id, LiveEvent.peak_viewers, LiveEvent.state).where(LiveEvent.id == event_id)
        ).first()
        if row is None or row.state != "on_air":
            _known.pop(event_id, None)
            return None
        cached = _known[event_id] = (row.site_id, row.peak_viewers, moment + KNOWN_SECONDS)
    return cached[1] if cached[0] == request.site.id else None


def write_peak(request, event_id: int, current: int) -> None:
    """Raise the stored peak (never lower it: another process may have seen more)."""
    request.dbsession.execute(
        update(LiveEvent)
        .where(LiveEvent.id == event_id, LiveEvent.peak_viewers < current)
        .values(peak_viewers=current)
        .execution_options(synchronize_session=False)
    )


def viewer_gauges(registry, session=None) -> list[GaugeReading]:
    """``amphi_live_viewers`` per site and ``amphi_live_events_on_air``, for ``/metrics``.

    Counted in the viewer store, which several web processes share only when it is Redis
    (``amphi.live.viewer_store``): with the memory store, the answering process counts its own viewers.
    ``session``: a database session to read the events with (default: a short one of its own).
    """
    from core.models import Site

    own = session is None
    session = registry["dbsession_factory"]() if own else session
    rows = []
    try:
        rows = session.execute(
            select(LiveEvent.id, Site).join(Site, Site.id == LiveEvent.site_id).where(LiveEvent.state == "on_air")
        ).all()
    finally:
        if own:
            for _event_id, site in rows:
                session.expunge(site)
            session.close()
    per_site: dict[str, list[int]] = {}
    moment = now()
    for event_id, site in rows:
        if not site.has_plugin("live"):
            continue
        counted = per_site.setdefault(site.slug, [0, 0])
        counted[0] += store(plugin_settings(registry, site, "live")["viewer_store"]).count(event_id, moment)
        counted[1] += 1
    readings = []
    for slug, (viewers, events) in sorted(per_site.items()):
        labels = {"site": slug}
        readings.append(
            GaugeReading("amphi_live_viewers", "Viewers of the live events on air, by site.", viewers, labels)
        )
        readings.append(GaugeReading("amphi_live_events_on_air", "Live events on air, by site.", events, labels))
    return readings
