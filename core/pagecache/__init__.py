"""The anonymous page cache: a rendered page is served again to visitors who would get the same bytes.

Only a page whose view says so (:func:`cache_page`) is kept, only when it was rendered for
an anonymous visitor without a session cookie or credentials, answered 200 and set no
cookie. It is served again only to such visitors, for the same URL (host and scheme
included) and the same negotiated language.

Every entry is stamped with the content generation (:mod:`core.pagecache.generation`), which any
committed write of page content bumps, whichever process writes. An entry of an older
generation is never served, so an edit, a change of access or a newly published video shows
at once in every process. Entries also expire after
``amphi.page_cache.ttl`` seconds (default 60), which bounds how late a video whose
publication date has come shows up in a cached list.

A plugin whose output for anonymous visitors depends on more than the URL and the language
(a cookie, the client's address) calls :func:`no_cache` while rendering.

Settings: ``amphi.page_cache.size_mb`` (per process, default 64; 0 turns the cache off),
``amphi.page_cache.ttl`` (seconds, default 60).
"""

from __future__ import annotations

import copy
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import Response
from sqlalchemy import inspect
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from core.access.tokens import SESSION_COOKIE
from core.pagecache.generation import current_generation, track_changes
from core.platform.i18n import browser_locale, requested_locale
from core.platform.plugins import fire
from core.platform.settings import setting

# --- what views say --------------------------------------------------------------------


def cache_page(request, counts_view_of=None) -> None:
    """Let this page be served again to anonymous visitors (the tween decides if it may).

    ``counts_view_of``: a video whose view each visitor served from the cache still counts
    (``amphi_video_viewed`` is called for them).
    """
    request.environ["amphi.page_cache"] = {"video": counts_view_of}


def no_cache(request) -> None:
    """This page depends on more than the URL and the language: never serve it again."""
    request.environ["amphi.page_cache.refused"] = True


# --- the store and the tween -------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    generation: int
    expires: float
    status: str
    headers: tuple
    body: bytes
    #: The rows a replayed view needs (:class:`Snapshot` of the site and of the video), or ``None``.
    viewed: tuple | None = None


class Snapshot:
    """A row's column values as rendered, put back into a session without a query.

    Sound only while the content generation the page was rendered at holds: any write to the
    row since would have bumped it, and the entry would not be served.
    """

    def __init__(self, obj):
        mapper = inspect(obj).mapper
        self.mapper = mapper
        self.values = {attr.key: getattr(obj, attr.key) for attr in mapper.column_attrs}

    def attach(self, session: Session):
        obj = self.mapper.class_manager.new_instance()  # no __init__: nothing is set but the columns
        for key, value in copy.deepcopy(self.values).items():  # JSON values are mutable
            set_committed_value(obj, key, value)
        make_transient_to_detached(obj)
        return session.merge(obj, load=False)


class PageStore:
    """An LRU of rendered pages, bounded in bytes; one per process."""

    def __init__(self, max_bytes: int):
        self.max_bytes, self.size = max_bytes, 0
        self.entries: OrderedDict[tuple, Entry] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple, generation: int) -> Entry | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            if entry.generation != generation or entry.expires < time.monotonic():
                self._drop(key)
                return None
            self.entries.move_to_end(key)
            return entry

    def put(self, key: tuple, entry: Entry) -> None:
        if len(entry.body) > self.max_bytes // 4:
            return
        with self.lock:
            if key in self.entries:
                self._drop(key)
            self.entries[key] = entry
            self.size += len(entry.body)
            while self.size > self.max_bytes:
                self._drop(next(iter(self.entries)))

    def _drop(self, key: tuple) -> None:
        self.size -= len(self.entries.pop(key).body)


def anonymous_key(request) -> tuple | None:
    """The cache key of a request that may be served from the cache, else ``None``."""
    if request.method != "GET" or SESSION_COOKIE in request.cookies or "Authorization" in request.headers:
        return None
    # What core.platform.i18n.negotiate_locale gives a visitor without a session or an account.
    return request.url, requested_locale(request) or browser_locale(request)


def page_cache_tween_factory(handler, registry):
    """Serve stored pages to anonymous visitors; store the pages views offer (:func:`cache_page`)."""
    settings = registry.settings
    max_bytes = int(setting(settings, "amphi.page_cache.size_mb") * 1024 * 1024)
    if max_bytes <= 0:
        return handler
    ttl = setting(settings, "amphi.page_cache.ttl")
    store = PageStore(max_bytes)
    registry["page_cache"] = store
    # A plugin may identify visitors without a session (from the web server's headers): ask it first.
    identified_without_session = bool(registry.plugins.implementers("amphi_identify"))

    def tween(request):
        key = anonymous_key(request)
        if key is None or (identified_without_session and _signed_in(request)):
            return handler(request)
        generation = current_generation(registry["db_engine"])
        if generation is None:
            return handler(request)
        entry = store.get(key, generation)
        if entry is not None:
            return replay(request, entry)
        response = handler(request)
        offer = request.environ.get("amphi.page_cache")
        if (
            offer is not None
            and not request.environ.get("amphi.page_cache.refused")
            and response.status_code == 200
            and "Set-Cookie" not in response.headers
            and request.user is None
            and not response.cache_control.no_store
        ):
            video = offer["video"]
            viewed = (Snapshot(request.site), Snapshot(video)) if video is not None else None
            store.put(
                key,
                Entry(
                    generation,
                    time.monotonic() + ttl,
                    response.status,
                    tuple(response.headerlist),
                    response.body,
                    viewed,
                ),
            )
        return response

    return tween


def _signed_in(request) -> bool:
    try:
        return request.user is not None
    except HTTPNotFound:  # no site answers this host: the view says so
        return True


def replay(request, entry: Entry):
    """The stored response, after what must still happen for this visitor (a view is counted)."""
    if entry.viewed is not None:
        site, video = (snapshot.attach(request.dbsession) for snapshot in entry.viewed)
        request.site = site
        fire(request, "amphi_video_viewed", video=video)
    response = Response(status=entry.status, headerlist=list(entry.headers), body=entry.body)
    response.headers["X-Amphi-Cache"] = "hit"
    return response


def includeme(config):
    """The application's engine bumps the content generation; cached pages are served under pyramid_tm."""
    track_changes(config.registry["db_engine"])
    # Under pyramid_tm: a replayed view is counted in a transaction of its own.
    config.add_tween("core.pagecache.page_cache_tween_factory", under="pyramid_tm.tm_tween_factory")
