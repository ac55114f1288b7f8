"""The feeds and the stable enclosure addresses."""

from __future__ import annotations

import hashlib

from markupsafe import Markup, escape
from pyramid.httpexceptions import HTTPFound, HTTPNotFound
from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy import or_, select

from core.models import Channel, Tag, Theme, User, Video, utcnow
from core.plugin_api import get_channel, get_site_video, get_theme, media_url, render_markdown, video_permits
from plugins.feeds.rss import Enclosure, Item, render

MAX_ITEMS = 100
MEDIA = {"audio": ("mp3", "audio"), "video": ("mp4",)}  # enclosure kinds, by preference


def podcast_videos(request):
    """The site's public, published, ready videos, newest publication first (a query)."""
    now = utcnow()
    return (
        select(Video)
        .where(
            Video.site_id == request.site.id,
            Video.status == "ready",
            Video.access == "public",
            or_(Video.publish_at.is_(None), Video.publish_at <= now),
        )
        .order_by(Video.publish_at.desc().nulls_last(), Video.created_at.desc(), Video.id.desc())
    )


def enclosure_file(video: Video, media: str):
    """The file a feed offers for ``media``: MP3 then m4a for audio, the largest MP4 for video."""
    if not video.allow_downloads:
        return None
    for kind in MEDIA[media]:
        files = sorted((f for f in video.files if f.kind == kind), key=lambda f: f.height or 0, reverse=True)
        if files:
            return files[0]
    return None


def item(request, video: Video, media: str) -> Item:
    file = enclosure_file(video, media)
    enclosure = None
    if file is not None:
        enclosure = Enclosure(
            request.route_url("feeds.enclosure", video_id=video.id, media=media),
            file.size,
            file.mime or ("audio/mpeg" if file.kind == "mp3" else "video/mp4"),
        )
    has_poster = video.poster_key or any(f.kind == "thumbnail" for f in video.files)
    return Item(
        title=video.title,
        link=request.route_url("video", video_id=video.id),
        guid=f"amphi:{request.site.slug}:video:{video.id}",
        published=video.publish_at or video.created_at,
        description=render_markdown(video.description),
        author=video.owner.name,
        duration=video.duration,
        image=request.route_url("video.thumbnail", video_id=video.id) if has_poster else None,
        enclosure=enclosure,
    )


def described(markdown: str, title: str) -> Markup:
    """A channel's or a theme's Markdown description as HTML, else its title as HTML."""
    return render_markdown(markdown) if (markdown or "").strip() else escape(title)


def feed_response(request, title: str, description: Markup, query) -> Response:
    """The feed of the videos of ``query``; ``description`` is HTML (see :mod:`plugins.feeds.rss`)."""
    media = "video" if request.params.get("media") == "video" else "audio"
    videos = [
        v for v in request.dbsession.scalars(query.limit(MAX_ITEMS)).all() if video_permits(request, v, "view")
    ]  # a plugin may still deny one
    items = [item(request, v, media) for v in videos]
    image = next((i.image for i in items if i.image), None)
    body = render(
        title, request.route_url("home"), request.url, description, request.locale_name, request.site.name, image, items
    )
    response = Response(body=body, content_type="application/rss+xml", charset="utf-8")
    response.cache_control = "public, max-age=900"
    response.etag = hashlib.sha256(body).hexdigest()[:32]
    response.conditional_response = True
    return response


@view_config(route_name="feeds.latest", request_method="GET")
def latest(request):
    return feed_response(
        request, request.site.name, escape(request.translate("The latest videos")), podcast_videos(request)
    )


@view_config(route_name="feeds.user", request_method="GET")
def user_feed(request):
    user = request.dbsession.scalar(
        select(User).where(User.site_id == request.site.id, User.username == request.matchdict["username"])
    )
    if user is None or not user.is_active:
        raise HTTPNotFound()
    query = podcast_videos(request).where(Video.owner_id == user.id)
    return feed_response(
        request,
        f"{user.name} — {request.site.name}",
        escape(request.translate("Videos of ${name}", name=user.name)),
        query,
    )


@view_config(route_name="feeds.tag", request_method="GET")
def tag_feed(request):
    name = request.matchdict["tag"].strip().lower()
    tag = request.dbsession.scalar(select(Tag).where(Tag.site_id == request.site.id, Tag.name == name))
    if tag is None:
        raise HTTPNotFound()
    query = podcast_videos(request).where(Video.tags.any(Tag.id == tag.id))
    return feed_response(
        request, f"#{tag.name} — {request.site.name}", escape(request.translate("Tag ${tag}", tag=tag.name)), query
    )


@view_config(route_name="feeds.channel", request_method="GET")
def channel_feed(request):
    """A channel's public videos; the channel itself must be one the request may see (a hidden one is 404)."""
    channel = get_channel(request, request.matchdict["channel"])
    query = podcast_videos(request).where(Video.channels.any(Channel.id == channel.id))
    return feed_response(
        request, f"{channel.title} — {request.site.name}", described(channel.description, channel.title), query
    )


@view_config(route_name="feeds.theme", request_method="GET")
def theme_feed(request):
    channel = get_channel(request, request.matchdict["channel"])
    theme = get_theme(channel, request.matchdict["theme"])
    query = podcast_videos(request).where(Video.themes.any(Theme.id == theme.id))
    return feed_response(
        request,
        f"{theme.title} — {channel.title} — {request.site.name}",
        described(theme.description, theme.title),
        query,
    )


@view_config(route_name="feeds.enclosure", request_method=("GET", "HEAD"))
def enclosure(request):
    """302 to a fresh signed URL of the enclosure, for public downloadable videos only."""
    video = get_site_video(request, request.matchdict["video_id"])
    visible = request.dbsession.scalar(podcast_videos(request).where(Video.id == video.id))
    file = enclosure_file(video, request.matchdict["media"]) if visible is not None else None
    if file is None or not video_permits(request, video, "view"):
        raise HTTPNotFound()
    response = HTTPFound(media_url(request, video, file.key))
    response.cache_control = "public, max-age=300"
    return response
