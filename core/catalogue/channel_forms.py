"""Changing channels and themes: checked forms, the banner image, a video's channels.

Every ``apply_*`` function checks all fields first and changes nothing when one
is wrong (``ValidationError`` with a message per field, shown beside it).
"""

from __future__ import annotations

import io
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select

from core.access.groups import site_groups
from core.catalogue.channels import (
    addable_channels,
    can_see,
    channel_video_ids,
    descendant_ids,
    shown_channels,
    theme_video_ids,
    videos_changed,
)
from core.models import CHANNEL_VISIBILITIES, Channel, Group, Site, Theme, User, Video
from core.pipeline.storage import check_key, site_prefix
from core.platform.db import lock_rows
from core.platform.errors import ValidationError
from core.platform.i18n import _, plural
from core.platform.markup import slugify
from core.platform.ordering import move_to, renumber

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MAX_MANAGERS = 50
MAX_BANNER = 2 * 1024 * 1024
#: Banner formats, known by their first bytes (the browser is told the type we found, never the one sent).
BANNER_TYPES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _check_title_slug(title: str, slug: str, taken: set[str], errors: dict) -> str:
    if not title or len(title) > 150:
        errors["title"] = _("A name of 1 to 150 characters is needed.")
    slug = slug or slugify(title, 60)
    if not SLUG.match(slug) or len(slug) > 64:
        errors["slug"] = _("Lower-case letters, digits and single hyphens (at most 64).")
    elif slug in taken:
        errors["slug"] = _("This address is taken already.")
    return slug


def _position(text: str, errors: dict) -> int | None:
    """The asked place in the order (from 0), or None to keep it (a new row goes last)."""
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        errors["position"] = _("A whole number.")
        return None


@dataclass
class ChannelForm:
    """The fields of a channel, as submitted."""

    title: str = ""
    slug: str = ""
    description: str = ""
    visibility: str = "public"
    open_to_all: bool = False
    featured: bool = False
    #: Its place in the site's order, from 0 (empty: keep it; a new channel goes last).
    position: str = ""
    managers: str = ""
    #: The ids of the groups whose members see it (visibility ``groups``).
    group_ids: tuple = ()

    @classmethod
    def from_post(cls, post) -> ChannelForm:
        return cls(
            **{
                k: post.get(k, "").strip()
                for k in ("title", "slug", "description", "visibility", "position", "managers")
            },
            open_to_all="open_to_all" in post,
            featured="featured" in post,
            group_ids=tuple(post.getall("group_ids")),
        )

    @classmethod
    def from_channel(cls, channel: Channel) -> ChannelForm:
        return cls(
            title=channel.title,
            slug=channel.slug,
            description=channel.description,
            visibility=channel.visibility,
            open_to_all=channel.open_to_all,
            featured=channel.featured,
            managers=", ".join(m.username for m in channel.managers),
            group_ids=tuple(str(g.id) for g in channel.allowed_groups),
        )


def _managers(request, text: str, errors: dict) -> list[User]:
    names = list(dict.fromkeys(n for n in re.split(r"[\s,;]+", text) if n))
    users = (
        request.dbsession.scalars(select(User).where(User.site_id == request.site.id, User.username.in_(names))).all()
        if names
        else []
    )
    found = {u.username: u for u in users if u.is_active}
    unknown = [n for n in names if n not in found]
    if unknown:
        errors["managers"] = _("No such user on this site: ${names}", mapping={"names": ", ".join(unknown)})
    elif len(names) > MAX_MANAGERS:
        errors["managers"] = plural("At most ${n} manager.", "At most ${n} managers.", MAX_MANAGERS, n=MAX_MANAGERS)
    return [found[n] for n in names if n in found]


def _groups(request, form: ChannelForm, errors: dict) -> list[Group]:
    offered = {str(g.id): g for g in site_groups(request.dbsession, request.site.id)}
    if any(i not in offered for i in form.group_ids):
        errors["group_ids"] = _("Choose among the proposed values.")
        return []
    chosen = [offered[i] for i in dict.fromkeys(form.group_ids)]
    if form.visibility == "groups" and not chosen:
        errors["group_ids"] = _("Choose at least one group.")
    return chosen


def apply_channel(request, channel: Channel, form: ChannelForm, admin: bool) -> Channel:
    """Check ``form`` and change ``channel`` (a new one is added to the site, last in the order).

    Only a site admin (``admin``) changes the managers, the featured flag and the order.
    """
    errors: dict = {}
    db = request.dbsession
    taken = set(
        db.scalars(select(Channel.slug).where(Channel.site_id == request.site.id, Channel.id != (channel.id or 0)))
    )
    slug = _check_title_slug(form.title, form.slug, taken, errors)
    if len(form.description) > 20000:
        errors["description"] = _("The description is longer than 20,000 characters.")
    if form.visibility not in CHANNEL_VISIBILITIES:
        errors["visibility"] = _("Choose among the proposed values.")
    groups = _groups(request, form, errors)
    position = _position(form.position, errors)
    managers = _managers(request, form.managers, errors) if admin else None
    if errors:
        raise ValidationError(errors)
    renamed = channel.id is not None and (
        (channel.title, channel.slug, channel.visibility) != (form.title, slug, form.visibility)
    )
    channel.site_id, channel.title, channel.slug = request.site.id, form.title, slug
    channel.description, channel.visibility, channel.open_to_all = form.description, form.visibility, form.open_to_all
    channel.allowed_groups = groups if form.visibility == "groups" else []
    if admin:
        channel.featured, channel.managers = form.featured, managers
    if channel.id is None:
        lock_channel_order(request)  # two channels created at once get two places
        last = db.scalar(select(func.max(Channel.position)).where(Channel.site_id == request.site.id))
        channel.position = 0 if last is None else last + 1
        db.add(channel)
    db.flush()
    if admin and position is not None:
        move_channel(request, channel, position)
    if renamed:  # the search index holds public channels' names
        videos_changed(request, channel_video_ids(db, channel))
    return channel


# --- the order of channels and themes ------------------------------------------------------


def lock_channel_order(request) -> None:
    """Hold the order of the site's channels until the transaction ends, on SQLite as on PostgreSQL (the
    site's row is the lock: it also covers a channel being added), so two reorderings never mix positions."""
    lock_rows(request.dbsession, Site, Site.id == request.site.id)


def ordered_channels(request, lock: bool = False) -> list[Channel]:
    """The site's channels in the site's order; ``lock`` takes :func:`lock_channel_order` and reads them afresh."""
    query = (
        select(Channel).where(Channel.site_id == request.site.id).order_by(Channel.position, Channel.title, Channel.id)
    )
    if lock:
        lock_channel_order(request)
        query = query.execution_options(populate_existing=True)
    return list(request.dbsession.scalars(query))


def move_channel(request, channel: Channel, index: int) -> tuple[int, int]:
    """Put ``channel`` at ``index`` (clamped) of the site's order, the others renumbered 0..n-1.

    :return: where it landed and how many channels there are.
    """
    rows = ordered_channels(request, lock=True)
    landed = move_to(rows, channel, index)
    request.dbsession.flush()
    return landed, len(rows)


def sibling_themes(channel: Channel, parent: Theme | None) -> list[Theme]:
    """The themes right under ``parent`` (the top for None), in order."""
    return sorted((t for t in channel.themes if t.parent is parent), key=lambda t: (t.position, t.id or 0))


def lock_themes(request, channel: Channel) -> None:
    """Hold the channel's themes until the transaction ends (its row is the lock, on SQLite as on PostgreSQL)
    and read their positions afresh."""
    if channel.id is not None:
        lock_rows(request.dbsession, Channel, Channel.id == channel.id)
        request.dbsession.scalars(
            select(Theme).where(Theme.channel_id == channel.id).execution_options(populate_existing=True)
        ).all()  # rows read: refreshed


def move_theme(request, channel: Channel, theme: Theme, index: int) -> tuple[int, int]:
    """Put ``theme`` at ``index`` (clamped) among its sibling themes, numbered 0..n-1.

    :return: where it landed and how many siblings (itself included) there are.
    """
    lock_themes(request, channel)
    siblings = sibling_themes(channel, theme.parent)
    landed = move_to(siblings, theme, index)
    channel.themes.sort(key=lambda t: (t.position, t.id or 0))
    request.dbsession.flush()
    return landed, len(siblings) + (theme not in siblings)


@dataclass
class ThemeForm:
    title: str = ""
    slug: str = ""
    description: str = ""
    parent_id: str = ""
    #: Its place among its sibling themes, from 0 (empty: keep it; a new theme goes last).
    position: str = ""

    @classmethod
    def from_post(cls, post) -> ThemeForm:
        return cls(**{k: post.get(k, "").strip() for k in ("title", "slug", "description", "parent_id", "position")})

    @classmethod
    def from_theme(cls, theme: Theme) -> ThemeForm:
        return cls(
            title=theme.title, slug=theme.slug, description=theme.description, parent_id=str(theme.parent_id or "")
        )


def apply_theme(request, channel: Channel, theme: Theme, form: ThemeForm) -> Theme:
    """Check ``form`` and change ``theme`` of ``channel``; its parent is another theme of the channel, never
    one below it."""
    errors: dict = {}
    taken = {t.slug for t in channel.themes if t is not theme}
    slug = _check_title_slug(form.title, form.slug, taken, errors)
    if len(form.description) > 20000:
        errors["description"] = _("The description is longer than 20,000 characters.")
    position = _position(form.position, errors)
    parent = None
    if form.parent_id:
        parent = next((t for t in channel.themes if str(t.id) == form.parent_id), None)
        below = descendant_ids(channel, theme) if theme.id is not None else set()
        if parent is None or parent.id in below:
            errors["parent_id"] = _("Choose among the proposed values.")
    if errors:
        raise ValidationError(errors)
    lock_themes(request, channel)  # before any change: it reads the rows afresh
    renamed = theme.id is not None and theme.title != form.title
    theme.title, theme.slug, theme.description = form.title, slug, form.description
    old_parent, new = theme.parent, theme.id is None
    if new or parent is not old_parent:  # it leaves its siblings (closing the gap) and goes last under the new parent
        renumber([t for t in sibling_themes(channel, old_parent) if t is not theme])
        theme.position = len([t for t in sibling_themes(channel, parent) if t is not theme])
    theme.parent = parent
    if new:
        channel.themes.append(theme)
    request.dbsession.flush()
    if position is not None:
        move_theme(request, channel, theme, position)
    if renamed:  # the search index holds themes' names
        videos_changed(request, theme_video_ids(request.dbsession, {theme.id}))
    return theme


def delete_theme(request, theme: Theme) -> None:
    """Delete a theme and the themes under it; their videos stay in the channel."""
    channel = theme.channel
    below = descendant_ids(channel, theme)
    video_ids = theme_video_ids(request.dbsession, below)
    parent = theme.parent
    for gone in [t for t in channel.themes if t.id in below]:
        channel.themes.remove(gone)
    renumber(sibling_themes(channel, parent))
    request.dbsession.flush()
    videos_changed(request, video_ids)


# --- the banner ----------------------------------------------------------------------


def banner_type(head: bytes) -> str | None:
    return next((mime for magic, mime in BANNER_TYPES if head.startswith(magic)), None)


def save_banner(request, channel: Channel, upload) -> None:
    """Store an uploaded image (PNG, JPEG, GIF; at most 2 MB) as the channel's banner."""
    stream = getattr(upload, "file", None)
    if stream is None:
        raise ValidationError({"banner": _("Choose an image file.")})
    data = stream.read(MAX_BANNER + 1)
    mime = banner_type(data[:16])
    if len(data) > MAX_BANNER:
        raise ValidationError({"banner": _("The image is larger than 2 MB.")})
    if mime is None:
        raise ValidationError({"banner": _("A PNG, JPEG or GIF image is needed.")})
    key = check_key(f"{site_prefix(channel.site_id)}/channels/{int(channel.id)}/banner-{secrets.token_hex(8)}")
    request.storage.save(key, io.BytesIO(data))
    remove_banner(request, channel)
    channel.banner_key, channel.banner_mime = key, mime


def remove_banner(request, channel: Channel) -> None:
    if channel.banner_key:
        request.storage.delete(channel.banner_key)
    channel.banner_key, channel.banner_mime = "", ""


def delete_channel(request, channel: Channel) -> None:
    """Delete a channel, its themes and its banner; its videos stay (and are reindexed)."""
    video_ids = channel_video_ids(request.dbsession, channel)
    remove_banner(request, channel)
    request.dbsession.delete(channel)
    request.dbsession.flush()
    renumber(ordered_channels(request, lock=True))
    videos_changed(request, video_ids)


# --- a video's channels (the edit page and the API) --------------------------------------


def channel_choices(request, video: Video) -> list[Channel]:
    """The channels an editor of ``video`` may tick: those they may add to, and those it is in already."""
    choices = {c.id: c for c in addable_channels(request)}
    for channel in shown_channels(request, video):
        choices.setdefault(channel.id, channel)
    return sorted(choices.values(), key=lambda c: (c.position, c.title.casefold(), c.id))


def pick_channels(request, video: Video, channel_ids, theme_ids, errors: dict) -> tuple[list, list] | None:
    """The channels and themes ``video`` will be in, from the ticked ids; None with ``errors`` when one
    is not offered. Channels the editor may not see stay as they are; a theme brings its channel."""
    allowed = {str(c.id): c for c in [*channel_choices(request, video), *video.channels]}
    themes_offered = {str(t.id): t for c in allowed.values() for t in c.themes}
    if any(i not in allowed for i in channel_ids):
        errors["channel_ids"] = _("Choose among the proposed values.")
    if any(i not in themes_offered for i in theme_ids):
        errors["theme_ids"] = _("Choose among the proposed values.")
    if "channel_ids" in errors or "theme_ids" in errors:
        return None
    themes = [themes_offered[i] for i in dict.fromkeys(theme_ids)]
    unseen = [c for c in video.channels if not can_see(request, c)]
    channels = [allowed[i] for i in dict.fromkeys(channel_ids)]
    channels = list(dict.fromkeys([*unseen, *channels, *(t.channel for t in themes)]))
    themes = list(dict.fromkeys([*(t for t in video.themes if t.channel in unseen), *themes]))
    return channels, themes
