"""The page cache: a rendered page is served again to visitors who would get the same bytes.

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

Signed-in visitors (a session cookie) share pages too, with every visitor of the same *access
profile* (:func:`access_profile`: the site, the roles, the groups, how they signed in, what plugins
add through ``amphi_page_profile``); a visitor who owns videos or manages a channel has a profile of
their own, and a session that opened a password-protected video or a share link is never served
from the cache. What in such a page belongs to the visitor is a personal region
(:mod:`core.pagecache.regions`): the page is stored with markers, filled for each visitor, the
CSRF token included. A view that shows the visitor something personal outside a region calls
:func:`no_cache`. The profile is read at every request, so a change of roles or groups takes effect
at once; any write of page content bumps the generation as for anonymous pages. A hit costs two
queries: the generations (content and personal, :mod:`core.pagecache.generation`) and the session's
user; the site comes from a snapshot taken at the same content generation, the user's groups too, and
remembered regions and values are stamped with both generations.

Settings: ``amphi.page_cache.size_mb`` (per process, default 64; 0 turns the cache off),
``amphi.page_cache.ttl`` (seconds, default 60), ``amphi.page_cache.signed_in`` (default true: share
pages between signed-in visitors of the same access profile).
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from pyramid.csrf import get_csrf_token
from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import Response
from sqlalchemy import exists, inspect, or_, select
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from core.access.security import SESSION_METHOD, SHARE_LINKS, UNLOCKED_VIDEOS, url_grant_token, user_group_names
from core.access.tokens import SESSION_COOKIE
from core.models import Video, channel_managers, video_owners
from core.pagecache.generation import (
    current_generation,
    current_generations,
    has_pending_changes,
    shown_on_pages,
    track_changes,
)
from core.pagecache.regions import GENERATION, PERSONAL_GENERATION, SHARING, fill, has_markers
from core.platform.i18n import browser_locale, requested_locale
from core.platform.plugins import fire
from core.platform.settings import setting

log = logging.getLogger(__name__)
_SHAREABLE = "amphi.page_cache.shareable"  # environ: a signed-in visitor's page that may be shared, if offered

# --- what views say --------------------------------------------------------------------


def cache_page(request, counts_view_of=None) -> None:
    """Let this page be served again to anonymous visitors (the tween decides if it may).

    ``counts_view_of``: a video whose view each visitor served from the cache still counts
    (``amphi_video_viewed`` is called for them).
    """
    request.environ["amphi.page_cache"] = {"video": counts_view_of}
    if request.environ.get(_SHAREABLE):  # a signed-in visitor's page: personal parts become regions from now on
        request.environ[SHARING] = True


def no_cache(request) -> None:
    """This page depends on more than the URL, the language and the visitor's access profile (for a
    signed-in visitor: something of theirs outside a personal region): never serve it again."""
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
    #: The body holds personal regions' markers, to fill for each visitor.
    marked: bool = False


class Snapshot:
    """A row's column values as rendered, put back into a session without a query.

    Sound only while the content generation the page was rendered at holds: any write to the
    row since would have bumped it, and the entry would not be served.
    """

    def __init__(self, obj):
        state = inspect(obj)
        mapper = self.mapper = state.mapper
        self.values = {attr.key: getattr(obj, attr.key) for attr in mapper.column_attrs}
        # Collections loaded empty (no co-owner, no group...): known without a query where they are asked again,
        # when their rows are page content (a write would have bumped the generation).
        self.empty = tuple(
            rel.key
            for rel in mapper.relationships
            if rel.uselist
            and rel.key in state.dict
            and not state.dict[rel.key]
            and shown_on_pages(rel.mapper.local_table)
            and (rel.secondary is None or shown_on_pages(rel.secondary))
        )

    def attach(self, session: Session):
        obj = self.mapper.class_manager.new_instance()  # no __init__: nothing is set but the columns
        for key, value in self.values.items():
            set_committed_value(obj, key, copy.deepcopy(value) if isinstance(value, dict | list) else value)  # JSON
        for key in self.empty:
            set_committed_value(obj, key, [])
        make_transient_to_detached(obj)
        known = session.identity_map.get(inspect(obj).key)
        if known is not None:  # already in this session: the same row, as the generation holds
            return known
        session.add(obj)  # cheaper than a merge: nothing to copy, nothing to cascade
        return obj


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


#: (site, user, generation) -> (the user's groups, whether they own or manage something): what the
#: profile reads from tables whose writes bump the generation, so it holds while the generation does.
_USER_FACTS: OrderedDict[tuple, tuple[tuple[str, ...], bool]] = OrderedDict()
_USER_FACTS_SIZE = 10_000
_user_facts_lock = threading.Lock()


def _user_facts(request, user, generation: int | None) -> tuple[tuple[str, ...], bool]:
    """The user's groups (sorted) and whether they own or co-own a video or manage a channel of the site."""
    # Groups a plugin adds may follow something else than the database: asked at every request.
    plugin_groups = bool(request.hooks.amphi_user_groups.get_hookimpls())
    key = (request.site.id, user.id, generation)
    if generation is not None and not plugin_groups:
        with _user_facts_lock:
            known = _USER_FACTS.get(key)
        if known is not None:
            return known
    keeps = select(
        or_(
            exists(select(Video.id).where(Video.owner_id == user.id, Video.site_id == user.site_id)),
            exists(select(video_owners.c.video_id).where(video_owners.c.user_id == user.id)),
            exists(select(channel_managers.c.channel_id).where(channel_managers.c.user_id == user.id)),
        ).label("keeps")
    )
    facts = (tuple(sorted(user_group_names(request, user))), bool(request.dbsession.scalar(keeps)))
    if generation is not None and not plugin_groups and not has_pending_changes(request.dbsession):
        with _user_facts_lock:
            _USER_FACTS[key] = facts
            while len(_USER_FACTS) > _USER_FACTS_SIZE:
                _USER_FACTS.popitem(last=False)
    return facts


#: (host, generation) -> the :class:`Snapshot` of the site that answers it: sites are page content.
_SITES: OrderedDict[tuple, Snapshot] = OrderedDict()
_SITES_SIZE = 1_000


def _site_at(request, generation: int):
    """``request.site``, from a snapshot taken at ``generation`` when there is one (no query)."""
    key = (request.host, generation)
    with _user_facts_lock:
        known = _SITES.get(key)
    if known is not None:
        request.site = known.attach(request.dbsession)
        return request.site
    site = request.site  # found by its query (no site for this host: HTTPNotFound)
    if not has_pending_changes(request.dbsession):
        with _user_facts_lock:
            _SITES[key] = Snapshot(site)
            while len(_SITES) > _SITES_SIZE:
                _SITES.popitem(last=False)
    return site


def access_profile(request, generation: int | None = None) -> tuple | None:
    """What a signed-in visitor's pages depend on besides the URL and the language; ``None`` when
    this request's page is never shared (not a GET with a session, or a session that opened videos).

    Mirrors what lists and video access read (:mod:`core.catalogue.listing`, :mod:`core.access.security`,
    :mod:`core.catalogue.channels`): the roles and the groups (the core's and ``amphi_user_groups``');
    how the session signed in (a sign-in plugin's navigation may say); the user's own id when
    they own or co-own a video or manage a channel of the site (their lists and pages are theirs);
    and what plugins add (``amphi_page_profile``, asked at every request). The roles come with the
    session's user, read at every request; the groups and what the user keeps are remembered for the
    content ``generation`` they were read at (any write to them bumps it).
    """
    if request.method != "GET" or SESSION_COOKIE not in request.cookies or "Authorization" in request.headers:
        return None
    session = request.session
    if session.get(UNLOCKED_VIDEOS) or session.get(SHARE_LINKS):
        return None
    user = request.user
    if user is None or user.site_id != request.site.id:
        return None
    groups, own = _user_facts(request, user, generation)
    try:
        answers = request.hooks.amphi_page_profile(request=request)
    except Exception:  # noqa: BLE001 — a plugin that cannot say what its pages depend on: no sharing
        log.exception("amphi_page_profile failed: the page is not shared")
        return None
    added = tuple(repr(answer) for answer in answers if answer is not None)
    return (
        "signed-in",
        request.site.id,
        user.is_site_admin,
        user.is_superuser,
        user.can_upload,
        groups,
        session.get(SESSION_METHOD),
        user.id if own else None,
        added,
    )


def page_cache_tween_factory(handler, registry):
    """Serve stored pages to visitors who would get the same; store the pages views offer (:func:`cache_page`)."""
    settings = registry.settings
    max_bytes = int(setting(settings, "amphi.page_cache.size_mb") * 1024 * 1024)
    if max_bytes <= 0:
        return handler
    ttl = setting(settings, "amphi.page_cache.ttl")
    signed_in = setting(settings, "amphi.page_cache.signed_in")
    store = PageStore(max_bytes)
    registry["page_cache"] = store
    # A plugin may identify visitors without a session (from the web server's headers): ask it first.
    identified_without_session = bool(registry.plugins.implementers("amphi_identify"))

    def tween(request):
        key = anonymous_key(request)
        if key is None:
            if signed_in and request.method == "GET" and SESSION_COOKIE in request.cookies:
                return signed_in_tween(request)
            return handler(request)
        if identified_without_session and _signed_in(request):
            return handler(request)
        if url_grant_token(request) is not None:  # a URL grant names its viewer: never a page for everyone
            return handler(request)
        generation = current_generation(registry["db_engine"])
        if generation is None:
            return handler(request)
        entry = store.get(key, generation)
        if entry is not None:
            return replay(request, entry)
        response = handler(request)
        if _offered(request, response) and "Set-Cookie" not in response.headers and request.user is None:
            store.put(key, _entry(request, response, generation, ttl, response.headerlist))
        return response

    def signed_in_tween(request):
        generations = current_generations(registry["db_engine"])
        if generations is None:
            return handler(request)
        generation = generations[0]
        # Set first: what the profile asks of plugins may be remembered for these generations.
        request.environ[GENERATION], request.environ[PERSONAL_GENERATION] = generations
        try:
            _site_at(request, generation)
            profile = access_profile(request, generation)
        except HTTPNotFound:  # no site answers this host: the view says so
            profile = None
        if profile is None:
            del request.environ[GENERATION], request.environ[PERSONAL_GENERATION]
            return handler(request)
        key = (request.url, request.locale_name, profile)
        entry = store.get(key, generation)
        if entry is not None:
            return replay(request, entry)
        request.environ[_SHAREABLE] = True
        response = handler(request)
        marked = has_markers(request)
        if _offered(request, response) and access_profile(request, generation) == profile:  # still the same visitor
            # The session's cookie (renewed, or a CSRF token made) is this visitor's, not the page's.
            headers = [(name, value) for name, value in response.headerlist if name.lower() != "set-cookie"]
            store.put(key, _entry(request, response, generation, ttl, headers, marked))
        if marked:
            _fill_response(request, response)
        return response

    return tween


def _offered(request, response) -> bool:
    """Whether the view offered this page (:func:`cache_page`) and nothing refused it."""
    return (
        request.environ.get("amphi.page_cache") is not None
        and not request.environ.get("amphi.page_cache.refused")
        and response.status_code == 200
        and not response.cache_control.no_store
    )


def _entry(request, response, generation: int, ttl: float, headers, marked: bool = False) -> Entry:
    video = request.environ["amphi.page_cache"]["video"]
    viewed = (Snapshot(request.site), Snapshot(video)) if video is not None else None
    return Entry(generation, time.monotonic() + ttl, response.status, tuple(headers), response.body, viewed, marked)


def _fill_response(request, response) -> None:
    """Put this visitor's regions and CSRF token in the place of the markers."""
    response.body = fill(request, response.body, lambda: get_csrf_token(request))


def _signed_in(request) -> bool:
    try:
        return request.user is not None
    except HTTPNotFound:  # no site answers this host: the view says so
        return True


def replay(request, entry: Entry):
    """The stored response, after what must still happen for this visitor (a view is counted, regions filled)."""
    if entry.viewed is not None:
        site, video = entry.viewed
        known = request.__dict__.get("site")  # already found (or attached) for this request
        if known is None or known.id != site.values["id"]:
            request.site = site.attach(request.dbsession)
        video = video.attach(request.dbsession)
        fire(request, "amphi_video_viewed", video=video)
    if entry.marked:
        if not hasattr(request, "context"):  # no route was matched: a region asking for a permission asks the root
            request.context = None
        request.environ[SHARING] = True  # the regions are rendered as for the page (and may be remembered)
        body = fill(request, entry.body, lambda: get_csrf_token(request))
    else:
        body = entry.body
    response = Response(status=entry.status, headerlist=list(entry.headers), body=body)
    response.headers["X-Amphi-Cache"] = "hit"
    return response


def includeme(config):
    """The application's engine bumps the content generation; cached pages are served under pyramid_tm."""
    track_changes(config.registry["db_engine"])
    # Under pyramid_tm: a replayed view is counted in a transaction of its own.
    config.add_tween("core.pagecache.page_cache_tween_factory", under="pyramid_tm.tm_tween_factory")
