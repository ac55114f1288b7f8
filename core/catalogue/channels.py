"""Channels and themes: who sees them, who keeps them, which videos they show.

One set of rules, used by the pages, the dashboard, the feeds and the API:

- a channel is seen by anyone (``public``), by the site's signed-in users
  (``signed-in``), by members of chosen site groups (``groups``: the same group
  names as :func:`core.access.security.user_group_names` gives videos), or only by its
  managers and the site admins (``hidden``); its managers and the site admins
  always see it;
- its managers and the site admins keep it (details, themes, banner);
- a video is added to it by those who may edit the video *and* keep the
  channel, or any staff user when the channel is ``open_to_all``;
- the videos it shows are :func:`core.catalogue.listing.visible_videos` (:func:`core.catalogue.listing.channel_videos`): being in a
  channel never opens a video to anyone.
"""

from __future__ import annotations

from collections.abc import Iterable

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound
from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import selectinload

from core.access.security import user_group_names
from core.models import (
    Channel,
    Group,
    Theme,
    User,
    Video,
    channel_groups,
    channel_managers,
    video_channels,
    video_themes,
)
from core.platform.plugins import fire


def site_member(request) -> User | None:
    """The request's user if they belong to the request's site, else None."""
    user = request.user
    return user if user is not None and user.site_id == request.site.id else None


def can_manage(request, channel: Channel) -> bool:
    """Site admins and the channel's managers keep a channel."""
    user = site_member(request)
    if user is None or channel.site_id != request.site.id:
        return False
    return user.is_admin or any(m.id == user.id for m in channel.managers)


def can_see(request, channel: Channel) -> bool:
    if channel.site_id != request.site.id:
        return False
    if channel.visibility == "public":
        return True
    if channel.visibility == "signed-in" and site_member(request) is not None:
        return True
    if channel.visibility == "groups" and in_allowed_groups(request, channel):
        return True
    return can_manage(request, channel)


def member_groups(request) -> set[str]:
    """The names of the groups the request's user belongs to on this site (none for a visitor), once per request."""
    user = site_member(request)
    if user is None:
        return set()
    cached = getattr(request, "_amphi_channel_groups", None)
    if cached is None or cached[0] != user.id:
        cached = (user.id, user_group_names(request, user))
        request._amphi_channel_groups = cached
    return cached[1]


def in_allowed_groups(request, channel: Channel) -> bool:
    """Whether the request's user is a member of one of the channel's chosen groups."""
    names = member_groups(request)
    return bool(names) and any(g.name in names for g in channel.allowed_groups)


def can_add_videos(request, channel: Channel) -> bool:
    """Whether the request's user may put their videos into ``channel``."""
    user = site_member(request)
    if user is None or not can_see(request, channel):
        return False
    return can_manage(request, channel) or (channel.open_to_all and user.is_staff)


def visible_channels(request) -> Select:
    """The site's channels the request may see, in the site's order (a query)."""
    query = (
        select(Channel).where(Channel.site_id == request.site.id).order_by(Channel.position, Channel.title, Channel.id)
    )
    user = site_member(request)
    if user is not None and user.is_admin:
        return query
    shown = [Channel.visibility == "public"]
    if user is not None:
        shown.append(Channel.visibility == "signed-in")
        names = member_groups(request)
        if names:
            shown.append(
                (Channel.visibility == "groups")
                & exists(
                    select(channel_groups.c.channel_id)
                    .join(Group, Group.id == channel_groups.c.group_id)
                    .where(
                        channel_groups.c.channel_id == Channel.id,
                        Group.site_id == request.site.id,
                        Group.name.in_(names),
                    )
                )
            )
        shown.append(
            exists(
                select(channel_managers.c.channel_id).where(
                    channel_managers.c.channel_id == Channel.id, channel_managers.c.user_id == user.id
                )
            )
        )
    return query.where(or_(*shown))


def addable_channels(request) -> list[Channel]:
    """The channels the request's user may add videos to."""
    user = site_member(request)
    if user is None:
        return []
    query = visible_channels(request).options(selectinload(Channel.managers), selectinload(Channel.themes))
    return [c for c in request.dbsession.scalars(query) if can_add_videos(request, c)]


def get_channel(request, slug: str, manage: bool = False) -> Channel:
    """The site's channel of this slug, if the request may see it (404) and, with ``manage``, keep it (403)."""
    channel = request.dbsession.scalar(select(Channel).where(Channel.site_id == request.site.id, Channel.slug == slug))
    if channel is None or not can_see(request, channel):
        raise HTTPNotFound()
    if manage and not can_manage(request, channel):
        raise HTTPForbidden()
    return channel


def get_theme(channel: Channel, slug: str) -> Theme:
    theme = next((t for t in channel.themes if t.slug == slug), None)
    if theme is None:
        raise HTTPNotFound()
    return theme


def children(channel: Channel, parent: Theme | None) -> list[Theme]:
    """The themes right under ``parent`` (the channel's top themes for None), in order."""
    parent_id = parent.id if parent is not None else None
    return [t for t in channel.themes if t.parent_id == parent_id]


def theme_tree(channel: Channel, parent: Theme | None = None) -> list[tuple[Theme, list]]:
    """``[(theme, [(sub-theme, [...]), ...]), ...]`` under ``parent``."""
    return [(theme, theme_tree(channel, theme)) for theme in children(channel, parent)]


def ancestors(theme: Theme) -> list[Theme]:
    """The themes above ``theme``, from the top of the channel down."""
    chain, seen, current = [], set(), theme.parent
    while current is not None and current.id not in seen:
        seen.add(current.id)
        chain.append(current)
        current = current.parent
    return list(reversed(chain))


def descendant_ids(channel: Channel, theme: Theme) -> set[int]:
    """The ids of ``theme`` and every theme below it."""
    found, todo = {theme.id}, [theme]
    while todo:
        for child in children(channel, todo.pop()):
            if child.id not in found:
                found.add(child.id)
                todo.append(child)
    return found


def shown_channels(request, video: Video) -> list[Channel]:
    """The channels of ``video`` the request may see (a hidden channel's name is nobody else's business)."""
    return [c for c in video.channels if can_see(request, c)]


def shown_themes(request, video: Video) -> list[Theme]:
    return [t for t in video.themes if can_see(request, t.channel)]


def channel_video_ids(dbsession, channel: Channel) -> list[int]:
    return list(dbsession.scalars(select(video_channels.c.video_id).where(video_channels.c.channel_id == channel.id)))


def theme_video_ids(dbsession, theme_ids: set[int]) -> list[int]:
    if not theme_ids:
        return []
    return list(
        dbsession.scalars(select(video_themes.c.video_id).where(video_themes.c.theme_id.in_(theme_ids)).distinct())
    )


def videos_changed(request, video_ids: list[int]) -> None:
    """Tell the plugins (search...) that these videos' channels changed (a rename, a deletion)."""
    for start in range(0, len(video_ids), 200):
        for video in request.dbsession.scalars(select(Video).where(Video.id.in_(video_ids[start : start + 200]))):
            fire(request, "amphi_video_changed", video=video)


def add_to_channel(video: Video, channel: Channel, themes: Iterable[Theme] = ()) -> None:
    """Put ``video`` in ``channel`` (and these of its themes)."""
    if channel not in video.channels:
        video.channels.append(channel)
    for theme in themes:
        if theme.channel_id == channel.id and theme not in video.themes:
            video.themes.append(theme)


def remove_from_channel(video: Video, channel: Channel) -> None:
    """Take ``video`` out of ``channel`` and of its themes."""
    if channel in video.channels:
        video.channels.remove(channel)
    video.themes = [t for t in video.themes if t.channel_id != channel.id]


def is_admin(request) -> bool:
    """Whether the request's user administers its site."""
    user = site_member(request)
    return user is not None and user.is_admin
