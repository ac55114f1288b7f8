"""Watching: the player page, the embed page, the owner's videos, and their small JSON API."""

from __future__ import annotations

from babel.dates import format_date
from pyramid.csrf import get_csrf_token
from pyramid.httpexceptions import HTTPBadRequest, HTTPFound
from pyramid.renderers import render
from pyramid.view import view_config
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from core.access.security import check_visitor_post, core_video_rule, video_permits
from core.catalogue.channels import addable_channels, shown_channels, shown_themes, visible_channels
from core.catalogue.listing import related_videos
from core.catalogue.lookup import get_site_video, require_video
from core.catalogue.media_urls import media_url
from core.catalogue.metadata import (
    ACCESS_LABELS,
    BULK_ACCESS,
    JOB_STATE_LABELS,
    LICENSE_LABELS,
    LICENSE_URLS,
    STATUS_LABELS,
    language_choices,
    type_title,
)
from core.models import ACCESS_LEVELS, Channel, Job, Video, ViewProgress, utcnow, video_owners
from core.pagecache import cache_page, no_cache
from core.pipeline import cancel_jobs, retry_video
from core.platform.markup import render_markdown
from core.platform.plugins import fire
from core.platform.timecodes import clock
from core.platform.ui import contributions, count_param
from core.web.cards import video_views
from core.web.inputs import finite_number, json_body
from core.web.personal import personal_fragment
from core.web.player import download_label, editor_downloads, events_url, player_context, resume_position
from core.web.views.edit import locked_by_password, locked_page

#: What the video page shows of a video, loaded with it (one query instead of three).
PAGE_LOADS = (joinedload(Video.owner), joinedload(Video.type))


@view_config(route_name="video", renderer="video.html")
def video_page(request):
    video = get_site_video(request, request.matchdict["video_id"], options=PAGE_LOADS)
    if locked_by_password(request, video):
        return locked_page(request, video)
    video = require_video(request)
    fire(request, "amphi_video_viewed", video=video)
    cache_page(request, counts_view_of=video)
    can_edit = video_permits(request, video, "edit")
    user = request.user
    if user is not None and (
        not core_video_rule(request, video, "view") or (can_edit and not (user.is_admin or video.is_owned_by(user)))
    ):
        no_cache(request)  # a plugin opened this video to this visitor, or lets them edit it: the page is theirs
    panels = contributions(request, "amphi_video_panels", video=video)
    return {
        "video": video,
        "panels": sorted(panels, key=lambda p: p.order),
        "owner_url": user_page_url(request, video.owner),
        "published_at": video.publish_at or video.created_at,
        "format_date": lambda day: format_date(day, format="long", locale=request.locale_name),
        "duration_label": clock(video.duration or 0),
        "view_count": video_views(request, [video]).get(video.id),  # None without a plugin counting views
        "share_url": request.route_url("video", video_id=video.id),
        "embed_url": request.route_url("video.embed", video_id=video.id),
        "description_html": render_markdown(video.description),
        "license_label": LICENSE_LABELS.get(video.license, video.license),
        "license_url": LICENSE_URLS.get(video.license, ""),
        "language_name": dict(language_choices(request.localizer.locale_name)).get(video.language, video.language),
        "type_title": lambda vtype: type_title(request, vtype),
        "related": related_videos(request, video),
        "channels": shown_channels(request, video),
        "themes": shown_themes(request, video),
        "public_downloads": public_downloads(request, video),
        "events_url": events_url(request, video),
        **player_context(request, video),
    }


def public_downloads(request, video: Video) -> list:
    """The downloads every viewer gets (the editors' own are in the personal ``watch.actions``)."""
    return editor_downloads(video) if video.allow_downloads else []


def user_page_url(request, user) -> str | None:
    """The public page of ``user`` (their videos)."""
    return request.route_url("user", username=user.username) if user is not None else None


@personal_fragment("watch.actions")
def owner_actions(request, video_id: int) -> str:
    """The video page's actions that depend on who looks: plugins' actions, edit, the poster chooser."""
    video = get_site_video(request, video_id)
    if not video_permits(request, video, "view"):
        return ""
    actions = contributions(request, "amphi_video_actions", video=video)
    can_edit = video_permits(request, video, "edit")
    values = {
        "video": video,
        "actions": sorted(actions, key=lambda a: a.order),
        "can_edit": can_edit,
        "thumbnails": [f for f in video.files if f.kind == "thumbnail"] if can_edit else [],
        # The editors' downloads when the video's are not public (those are in the page itself).
        "downloads": editor_downloads(video) if can_edit and not video.allow_downloads else [],
        "download_label": lambda f: download_label(request, f),
        "media_url": lambda key: media_url(request, video, key),
    }
    return render("_watch_actions.html", values, request=request)


@view_config(route_name="video.embed", renderer="embed.html")
def embed_page(request):
    video = get_site_video(request, request.matchdict["video_id"])
    if locked_by_password(request, video):
        return locked_page(request, video, embed=True)
    video = require_video(request)
    fire(request, "amphi_video_viewed", video=video)
    cache_page(request, counts_view_of=video)
    # The page is made to be framed by other sites; everything else keeps the default.
    request.response.headers["Content-Security-Policy"] = "frame-ancestors *"
    return {"video": video, "events_url": events_url(request, video), **player_context(request, video)}


@view_config(route_name="video.poster", request_method="POST")
def choose_poster(request):
    video = require_video(request, "edit")
    key = request.POST.get("key", "")
    if key not in {f.key for f in video.files if f.kind == "thumbnail"}:
        raise HTTPBadRequest(request.translate("Choose one of the proposed images."))
    video.poster_key = key
    return HTTPFound(request.route_url("video", video_id=video.id))


# --- the owner's videos -------------------------------------------------------


#: The dashboard's filters: processing status and access (``scheduled``: publication date to come).
STATUS_FILTERS = {"processing": ("uploaded", "processing"), "ready": ("ready",), "failed": ("failed",)}
ACCESS_FILTERS = (*ACCESS_LEVELS, "scheduled")


def own_videos(request, status: str = "", access: str = "", channel: str = "") -> list[Video]:
    """The request user's videos (owned or co-owned) on this site, newest first, filtered (``channel``: a slug)."""
    user = request.user
    co_owned = select(video_owners.c.video_id).where(video_owners.c.user_id == user.id)
    query = (
        select(Video)
        .where(Video.site_id == request.site.id)
        .where(or_(Video.owner_id == user.id, Video.id.in_(co_owned)))
        .order_by(Video.created_at.desc(), Video.id.desc())
    )
    if status in STATUS_FILTERS:
        query = query.where(Video.status.in_(STATUS_FILTERS[status]))
    if access == "scheduled":
        query = query.where(Video.publish_at > utcnow())
    elif access in ACCESS_LEVELS:
        query = query.where(Video.access == access)
    if channel:  # only a channel the user may see: filtering must not tell what an unseen channel holds
        seen = visible_channels(request).where(Channel.slug == channel).with_only_columns(Channel.id).order_by(None)
        query = query.where(Video.channels.any(Channel.id.in_(seen)))
    return request.dbsession.scalars(query).all()


def latest_job(video: Video) -> Job | None:
    return max(video.jobs, key=lambda j: j.id, default=None)


def status_json(request, video: Video) -> dict:
    """The processing status; ``status_label``, ``reason`` and the job's ``state_label`` are in the reader's language."""
    job = latest_job(video)
    return {
        "id": video.id,
        "status": video.status,
        "status_label": request.localizer.translate(STATUS_LABELS.get(video.status, video.status)),
        "reason": request.translate(video.status_reason),
        "job": None
        if job is None
        else {
            "id": job.id,
            "kind": job.kind,
            "state": job.state,
            "progress": job.progress,
            "state_label": request.localizer.translate(JOB_STATE_LABELS.get(job.state, job.state)),
            "attempts": job.attempts,
            "error": request.translate(job.error) if job.state == "failed" else "",
        },
    }


@view_config(route_name="my.videos", renderer="my_videos.html", permission="authenticated")
def my_videos(request):
    status, access = request.params.get("status", ""), request.params.get("access", "")
    channel = request.params.get("channel", "")
    videos = own_videos(request, status, access, channel)
    return {
        "videos": videos,
        "statuses": {v.id: status_json(request, v) for v in videos},
        "filters": {"status": status, "access": access, "channel": channel},
        "channels": list(request.dbsession.scalars(visible_channels(request))),
        "addable": addable_channels(request),
        "status_filters": list(STATUS_FILTERS),
        "access_filters": ACCESS_FILTERS,
        "access_labels": ACCESS_LABELS,
        "bulk_access": BULK_ACCESS,
        "done": {key: count_param(request, key) for key in ("changed", "deleted", "skipped", "added", "removed")},
        "now": utcnow(),
    }


@view_config(route_name="api.video.status", renderer="json", request_method="GET")
def video_status(request):
    return status_json(request, require_video(request, "edit"))


@view_config(route_name="api.video.retry", renderer="json", request_method="POST")
def retry(request):
    video = require_video(request, "edit")
    if any(j.state in ("queued", "running") for j in video.jobs):
        raise HTTPBadRequest(request.translate("This video is already being processed."))
    retry_video(request, video)
    request.dbsession.flush()
    return status_json(request, video)


@view_config(route_name="api.video.cancel", renderer="json", request_method="POST")
def cancel(request):
    video = require_video(request, "edit")
    cancel_jobs(request, video)
    return status_json(request, video)


#: The most seconds of play one report may claim (a throttled background tab reports late).
MAX_REPORTED_WATCH = 300.0


@view_config(route_name="api.video.position", renderer="json", request_method="GET")
def read_position(request):
    """Where a signed-in viewer stopped (0 for others): the page itself is the same for everyone."""
    video = require_video(request)
    request.response.cache_control = "private, no-store"
    if request.user is None:
        return {"position": 0.0}
    # The page carries no token (it is shared between viewers): the player takes its own here.
    return {"position": resume_position(request, video), "csrf_token": get_csrf_token(request)}


@view_config(route_name="api.video.position", renderer="json", request_method="POST", require_csrf=False)
def save_position(request):
    """Where the viewer is (kept for accounts, to resume) and how long they played since the last report."""
    check_visitor_post(request)
    if request.content_type != "application/json":  # another site's form cannot send JSON
        raise HTTPBadRequest("a JSON body is expected")
    video = require_video(request)
    body = json_body(request)
    try:
        position = max(0.0, finite_number(body["position"]))
        watched = min(
            max(0.0, finite_number(body.get("watched", 0))), MAX_REPORTED_WATCH, video.duration or MAX_REPORTED_WATCH
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        raise HTTPBadRequest("position, watched: numbers of seconds are expected") from None
    if watched > 0:
        fire(request, "amphi_watch_progress", video=video, seconds_watched=watched)
    if request.user is None:  # anonymous viewers only report watch time
        return {"position": position}
    progress = request.dbsession.get(ViewProgress, (request.user.id, video.id))
    if progress is None:
        progress = ViewProgress(user_id=request.user.id, video_id=video.id)
        request.dbsession.add(progress)
    progress.position = min(position, video.duration or position)
    return {"position": progress.position}
