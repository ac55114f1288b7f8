"""The channels' pages: the list, a channel, a theme, a banner image; and the home page's blocks."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import FileIter, Response
from pyramid.view import view_config
from sqlalchemy.orm import selectinload

from core.catalogue.channels import (
    ancestors,
    can_manage,
    children,
    get_channel,
    get_theme,
    theme_tree,
    visible_channels,
)
from core.catalogue.home import home_blocks
from core.catalogue.listing import channel_video_counts, channel_videos
from core.models import Video
from core.pagecache import cache_page
from core.platform.markup import render_markdown
from core.platform.ui import contributions
from core.web.views.paging import PER_PAGE, page_number, paged_videos


@view_config(route_name="home", renderer="home.html")
def home(request):
    cache_page(request)
    blocks = home_blocks(request)
    featured = [c for block in blocks for c in block.get("channels", [])]
    return {"blocks": blocks, "channel_counts": channel_video_counts(request, featured)}


def video_page(request, query, route: str, **route_args) -> dict:
    return paged_videos(request, query.options(selectinload(Video.owner)), route, **route_args)


@view_config(route_name="channels", renderer="channels.html")
def channel_list(request):
    cache_page(request)
    channels = list(request.dbsession.scalars(visible_channels(request)))
    return {
        "channels": channels,
        "channel_counts": channel_video_counts(request, channels),
        "describe": render_markdown,
    }


@view_config(route_name="channel", renderer="channel.html")
def channel_page(request):
    channel = get_channel(request, request.matchdict["channel"])
    cache_page(request)
    return {
        "channel": channel,
        "description_html": render_markdown(channel.description),
        "tree": theme_tree(channel),
        "can_manage": can_manage(request, channel),
        "feeds": contributions(request, "amphi_feed_links", subject=channel),
        **video_page(
            request,
            channel_videos(request, channel, depth=page_number(request) * PER_PAGE + 1),
            "channel",
            channel=channel.slug,
        ),
    }


@view_config(route_name="channel.theme", renderer="theme.html")
def theme_page(request):
    channel = get_channel(request, request.matchdict["channel"])
    theme = get_theme(channel, request.matchdict["theme"])
    cache_page(request)
    return {
        "channel": channel,
        "theme": theme,
        "ancestors": ancestors(theme),
        "description_html": render_markdown(theme.description),
        "subthemes": children(channel, theme),
        "can_manage": can_manage(request, channel),
        "feeds": contributions(request, "amphi_feed_links", subject=theme),
        **video_page(
            request,
            channel_videos(request, channel, theme, depth=page_number(request) * PER_PAGE + 1),
            "channel.theme",
            channel=channel.slug,
            theme=theme.slug,
        ),
    }


@view_config(route_name="channel.banner", request_method=("GET", "HEAD"))
def banner(request):
    """The banner image, to those who may see the channel (checked on every request)."""
    channel = get_channel(request, request.matchdict["channel"])
    if not channel.banner_key:
        raise HTTPNotFound()
    storage = request.storage
    try:
        size = storage.size(channel.banner_key)
    except FileNotFoundError:
        raise HTTPNotFound() from None
    response = Response(content_type=channel.banner_mime, content_length=size)
    response.app_iter = FileIter(storage.open(channel.banner_key))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control = "public, max-age=3600" if channel.visibility == "public" else "private, max-age=300"
    return response
