"""Listing videos a request may see: always scoped to the request's site."""

from __future__ import annotations

import itertools
import threading
import time
from collections import OrderedDict

from sqlalchemy import ColumnElement, CompoundSelect, Select, event, exists, false, func, or_, select, true, union_all
from sqlalchemy.orm import Session, joinedload, selectinload

from core.access.security import opened_video_ids, user_group_names
from core.catalogue.channels import can_see
from core.models import (
    Channel,
    Discipline,
    Group,
    Tag,
    Theme,
    User,
    Video,
    VideoType,
    utcnow,
    video_channels,
    video_disciplines,
    video_groups,
    video_owners,
    video_tags,
    video_themes,
)
from core.platform.errors import ValidationError
from core.platform.i18n import _

#: Access levels listed to every visitor, and to every signed-in user of the site, once published.
SHARED_ACCESS = {"anonymous": ("public", "password"), "signed-in": ("public", "password", "signed-in")}


def _site_user(request):
    user = request.user
    return user if user is not None and user.site_id == request.site.id else None


def _published():
    return (Video.status == "ready") & or_(Video.publish_at.is_(None), Video.publish_at <= utcnow())


def visible_videos(request) -> Select:
    """A query of the site's videos the request's user may find in lists.

    Mirrors :func:`core.access.security.core_video_rule`: owners and site admins see
    everything of theirs; others see ready videos whose publication date has
    come and whose access level lets them in. Password-protected videos are
    listed (their page and media stay locked until the password is given);
    share links open a video but never list it.
    """
    user = _site_user(request)
    query = select(Video).where(Video.site_id == request.site.id)
    if user is not None and user.is_admin:
        return query
    rules: list[ColumnElement[bool]] = [Video.access.in_(SHARED_ACCESS["anonymous" if user is None else "signed-in"])]
    if user is not None:
        groups = user_group_names(request, user)
        if groups:
            rules.append(
                (Video.access == "groups")
                & exists(
                    select(video_groups.c.video_id)
                    .join(Group, Group.id == video_groups.c.group_id)
                    .where(video_groups.c.video_id == Video.id, Group.name.in_(groups))
                )
            )
    mine = _owned_by(user) if user is not None else false()
    return query.where(or_(mine, _published() & or_(*rules)))


def _owned_by(user) -> ColumnElement:
    return or_(
        Video.owner_id == user.id,
        exists(
            select(video_owners.c.video_id).where(
                video_owners.c.video_id == Video.id, video_owners.c.user_id == user.id
            )
        ),
    )


def locked_condition(request) -> ColumnElement | None:
    """The videos the request finds in lists but may not watch: a password to give (None: no such video).

    Mirrors :func:`core.access.security.core_video_rule`: a password-protected video is locked unless the
    user owns it or is a site admin, or this session gave its password or opened a share link of
    it. Lists show a locked video's title only, so a search matches it on its title only and
    counts none of its facets. (A plugin that grants a video through ``amphi_permits`` opens its
    page, not its text to search: the rule stays in SQL.)
    """
    user = _site_user(request)
    if user is not None and user.is_admin:
        return None
    locked = Video.access == "password"
    if user is not None:
        locked = locked & ~_owned_by(user)
    opened = opened_video_ids(request)
    return locked & Video.id.not_in(opened) if opened else locked


def class_locked_condition(name: str) -> ColumnElement | None:
    """:func:`locked_condition` for a whole class of visitors (:func:`visibility_class`)."""
    return None if name == "admin" else Video.access == "password"


def opens_locked_videos(request) -> bool:
    """Whether the request may watch a password-protected video that its class of visitors may not
    (one it owns, or opened): its locked videos are then fewer than its class's."""
    user = _site_user(request)
    if user is not None and user.is_admin:
        return False
    opened = opened_video_ids(request)
    # One indexed lookup per reason (an OR of them would scan the site's videos).
    reasons = [select(Video.id).where(Video.id.in_(opened))] if opened else []
    if user is not None:
        reasons += [
            select(Video.id).where(Video.owner_id == user.id),
            select(video_owners.c.video_id).where(video_owners.c.user_id == user.id),
        ]
    for ids in reasons:
        query = select(Video.id).where(Video.id.in_(ids), Video.site_id == request.site.id, Video.access == "password")
        if request.dbsession.scalar(query.limit(1)) is not None:
            return True
    return False


def visibility_class(request) -> tuple[str, ColumnElement, CompoundSelect | None]:
    """What the request's user sees in common with many others, for caches shared between them.

    ``(name, shared, extra)``: ``shared`` is a condition on ``Video`` that every user of the class
    ``name`` ("anonymous", "signed-in": any signed-in user of the site, "admin": the site admins)
    may list, a part of :func:`visible_videos`; ``extra`` selects the ids of the videos this user may
    list beyond it (their own, their groups'), a superset to filter with :func:`visible_videos` and
    ``not shared``; None when the class is the whole rule. The site is not part of ``shared``.
    """
    user = _site_user(request)
    if user is None:
        return "anonymous", _published() & Video.access.in_(SHARED_ACCESS["anonymous"]), None
    if user.is_admin:
        return "admin", true(), None
    candidates = [
        select(Video.id).where(Video.site_id == request.site.id, Video.owner_id == user.id),
        select(video_owners.c.video_id).where(video_owners.c.user_id == user.id),
    ]
    groups = user_group_names(request, user)
    if groups:
        candidates.append(
            select(video_groups.c.video_id)
            .join(Group, Group.id == video_groups.c.group_id)
            .where(Group.name.in_(groups))
        )
    return "signed-in", _published() & Video.access.in_(SHARED_ACCESS["signed-in"]), union_all(*candidates)


def list_visible(request, limit: int = 24, offset: int = 0) -> list[Video]:
    """Visible videos, newest first, without those a plugin denies."""
    query = (
        visible_videos(request)
        .options(selectinload(Video.owner))
        .order_by(Video.created_at.desc(), Video.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return permitted(request, request.dbsession.scalars(query).all())


#: Orders a list may be asked for, newest first by default.
ORDERINGS = {
    "-created_at": (Video.created_at.desc(), Video.id.desc()),
    "created_at": (Video.created_at, Video.id),
    "title": (Video.title, Video.id),
    "-title": (Video.title.desc(), Video.id.desc()),
}

#: Duration buckets (the browse page's ``duration=`` filter, the search's ``duration`` facet):
#: (value, lowest seconds, highest seconds or None).
DURATION_BUCKETS = (("short", 0, 300), ("medium", 300, 1200), ("long", 1200, 3600), ("very-long", 3600, None))


def filtered_videos(request, params) -> Select:
    """The visible videos matching ``params`` (owner, type, discipline, tag, language, status, channel,
    duration: a value of :data:`DURATION_BUCKETS`), ordered.

    The one filter the browse page and the API share; unknown orderings are a ValidationError.
    """
    site_id = request.site.id
    query = visible_videos(request)
    ordering = params.get("ordering") or "-created_at"
    if ordering not in ORDERINGS:
        raise ValidationError({"ordering": _("one of ${values}", mapping={"values": ", ".join(ORDERINGS)})})
    if params.get("owner"):
        owner = select(User.id).where(User.site_id == site_id, User.username == params["owner"])
        co_owned = select(video_owners.c.video_id).where(video_owners.c.user_id.in_(owner))
        query = query.where(Video.owner_id.in_(owner) | Video.id.in_(co_owned))
    if params.get("type"):
        query = query.where(Video.type.has(VideoType.slug == params["type"]))
    if params.get("discipline"):
        query = query.where(Video.disciplines.any(Discipline.slug == params["discipline"]))
    if params.get("tag"):
        query = query.where(Video.tags.any(Tag.name == params["tag"].strip().lower()))
    if params.get("language"):
        query = query.where(Video.language == params["language"])
    if params.get("status"):
        query = query.where(Video.status == params["status"])
    if params.get("channel"):
        query = query.where(Video.id.in_(_channel_members(request, params["channel"])))
    if params.get("duration"):
        query = query.where(*_duration_bounds(params["duration"]))
    return query.order_by(*ORDERINGS[ordering])


def _duration_bounds(name: str) -> list[ColumnElement[bool]]:
    bucket = next((b for b in DURATION_BUCKETS if b[0] == name), None)
    if bucket is None:
        values = ", ".join(b[0] for b in DURATION_BUCKETS)
        raise ValidationError({"duration": _("one of ${values}", mapping={"values": values})})
    _name, shortest, longest = bucket
    return [Video.duration >= shortest] + ([] if longest is None else [Video.duration < longest])


#: A channel (or theme) with at least WALK_FROM videos, read less than 1/WALK_RATIO deep, is walked newest
#: first (see channel_videos).
WALK_FROM, WALK_RATIO = 2000, 100


def channel_videos(request, channel: Channel, theme: Theme | None = None, depth: int = 25) -> Select:
    """The videos of a channel (or of one of its themes) the request may see, newest first.

    ``depth`` is how many rows the caller reads (offset + limit). A big channel's first pages are
    found by walking the site's videos newest first and checking membership (a few hundred index
    probes); a small channel, or a page deep in a big one, by taking its members and sorting them.
    SQLite does not weigh the two itself (measured at 100,000 videos, 20 channels: 88 ms -> 7 ms).
    """
    link, column, key = (
        (video_channels, video_channels.c.channel_id, channel.id)
        if theme is None
        else (video_themes, video_themes.c.theme_id, theme.id)
    )
    members = request.dbsession.scalar(select(func.count()).select_from(link).where(column == key))
    member: ColumnElement[bool]
    if members >= WALK_FROM and depth * WALK_RATIO <= members:
        member = exists(select(link.c.video_id).where(link.c.video_id == Video.id, column == key))
    else:
        member = Video.id.in_(select(link.c.video_id).where(column == key))
    return visible_videos(request).where(member).order_by(Video.created_at.desc(), Video.id.desc())


def channel_video_counts(request, channels) -> dict[int, int]:
    """How many videos of each channel the request may see (one grouped query): ``{channel_id: count}``."""
    ids = [c.id for c in channels]
    if not ids:
        return {}
    visible = visible_videos(request).with_only_columns(Video.id).subquery()
    query = (
        select(video_channels.c.channel_id, func.count())
        .join(visible, visible.c.id == video_channels.c.video_id)
        .where(video_channels.c.channel_id.in_(ids))
        .group_by(video_channels.c.channel_id)
    )
    return {channel_id: count for channel_id, count in request.dbsession.execute(query)}


def _channel_members(request, slug: str) -> Select:
    """Ids of the videos in the channel ``slug`` (none when the request may not see that channel)."""
    channel = request.dbsession.scalar(select(Channel).where(Channel.site_id == request.site.id, Channel.slug == slug))
    if channel is None or not can_see(request, channel):
        return select(video_channels.c.video_id).where(false())
    return select(video_channels.c.video_id).where(video_channels.c.channel_id == channel.id)


def plugins_may_deny(request) -> bool:
    """Whether an enabled plugin may deny through ``amphi_permits`` on the request's site.

    When none may, :func:`visible_videos` is the whole rule, so lists and searches may count,
    page and facet in SQL. A plugin that only grants declares ``AMPHI_PERMITS_NEVER_DENIES = True``.
    """
    return any(
        not getattr(impl.plugin, "AMPHI_PERMITS_NEVER_DENIES", False)
        for impl in request.hooks.amphi_permits.get_hookimpls()
    )


def permitted(request, videos: list[Video]) -> list[Video]:
    """Drop the videos a plugin denies (``amphi_permits``), keeping the order."""
    if not plugins_may_deny(request):
        return list(videos)
    return [v for v in videos if False not in request.hooks.amphi_permits(request=request, video=v, permission="view")]


#: How long a video's related candidates are kept when nothing in this process writes a video
#: (another process's changes show within this delay; access is checked at every request anyway).
RELATED_CACHE_SECONDS = 300
RELATED_CACHE_SIZE = 20_000
_related_cache: OrderedDict[tuple[int, int], tuple[int, float, list[tuple[int, int, object]]]] = OrderedDict()
_related_lock = threading.Lock()
_catalogue_generation = itertools.count()
_generation = [next(_catalogue_generation)]


@event.listens_for(Session, "after_flush")
def _videos_written(session, _context) -> None:
    """A video added, changed or deleted in this process (what the video events follow) drops the
    cached related candidates: tags and disciplines ride on the Video, so their changes count too."""
    if any(isinstance(obj, Video) for obj in (*session.new, *session.dirty, *session.deleted)):
        _generation[0] = next(_catalogue_generation)


def related_candidates(db, video: Video, pool: int) -> list[tuple[int, int, object]]:
    """``(video id, score, created_at)`` of the videos most like ``video``, best first, whoever sees them.

    Shared tags count twice, shared disciplines once; then the same type's and the same owner's
    newest. Candidates come from the link tables' indexes (a GROUP BY per list), so the cost follows
    the number of videos sharing a tag, not the size of the catalogue.
    """
    scores: dict[int, int] = {}
    for table, column, ids, weight in (
        (video_tags, video_tags.c.tag_id, [t.id for t in video.tags], 2),
        (video_disciplines, video_disciplines.c.discipline_id, [d.id for d in video.disciplines], 1),
    ):
        if not ids:
            continue
        shared = func.count().label("shared")
        rows = db.execute(
            select(table.c.video_id, shared)
            .where(column.in_(ids), table.c.video_id != video.id)
            .group_by(table.c.video_id)
            .order_by(shared.desc(), table.c.video_id.desc())
            .limit(pool)
        )
        for video_id, count in rows:
            scores[video_id] = scores.get(video_id, 0) + weight * count
    for condition in ((Video.type_id == video.type_id) if video.type_id else None, Video.owner_id == video.owner_id):
        if condition is not None and len(scores) < pool:
            same = select(Video.id).where(Video.site_id == video.site_id, Video.id != video.id, condition)
            for video_id in db.scalars(same.order_by(Video.id.desc()).limit(pool)):
                scores.setdefault(video_id, 0)
    candidates = sorted(scores, key=lambda i: (scores[i], i), reverse=True)[:pool]
    created = (
        dict(db.execute(select(Video.id, Video.created_at).where(Video.id.in_(candidates))).all()) if candidates else {}
    )
    ranked = [(i, scores[i], created[i]) for i in candidates if i in created]
    return sorted(ranked, key=lambda c: (c[1], c[2], c[0]), reverse=True)


def cached_related_candidates(request, video: Video, pool: int) -> list[tuple[int, int, object]]:
    """:func:`related_candidates`, kept per process until a video is written or for
    :data:`RELATED_CACHE_SECONDS`."""
    key, now, generation = (video.site_id, video.id), time.monotonic(), _generation[0]
    with _related_lock:
        hit = _related_cache.get(key)
        if hit is not None and hit[0] == generation and now - hit[1] < RELATED_CACHE_SECONDS:
            _related_cache.move_to_end(key)
            return hit[2]
    ranked = related_candidates(request.dbsession, video, pool)
    with _related_lock:
        _related_cache[key] = (generation, now, ranked)
        while len(_related_cache) > RELATED_CACHE_SIZE:
            _related_cache.popitem(last=False)
    return ranked


def related_videos(request, video: Video, limit: int = 6) -> list[Video]:
    """Visible, ready videos most like ``video`` (see :func:`related_candidates`), best first.

    The candidates are cached; who may see them is checked at every request, on the few
    candidates only: an id query, then only the shown videos are loaded (all visible
    candidates when a plugin may deny some).
    """
    ranked = cached_related_candidates(request, video, limit * 8)
    if not ranked:
        return []
    db = request.dbsession
    visible = visible_videos(request).where(Video.id.in_([c[0] for c in ranked]), Video.status == "ready")
    may_deny = plugins_may_deny(request)
    if not may_deny:
        seen = set(db.scalars(visible.with_only_columns(Video.id)))
        shown = [c[0] for c in ranked if c[0] in seen][:limit]
        visible = select(Video).where(Video.id.in_(shown))
    found = {v.id: v for v in db.scalars(visible.options(joinedload(Video.owner)))}
    videos = [found[c[0]] for c in ranked if c[0] in found]
    return (permitted(request, videos) if may_deny else videos)[:limit]
