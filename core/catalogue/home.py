"""The home page's blocks: which show, in which order, chosen per site by its admins.

Block ids: ``recent`` (the newest videos), ``channels`` (the featured channels),
``channel:<id>`` (one channel's newest videos) and the ids plugins offer
through ``amphi_home_blocks`` (``stats.most_viewed``...). Every video a block
shows passes :func:`core.catalogue.listing.visible_videos` and ``amphi_permits``.
"""

from __future__ import annotations

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.catalogue.channels import can_see, visible_channels
from core.catalogue.listing import channel_videos, list_visible, permitted, visible_videos
from core.models import Channel, Video
from core.platform.errors import ValidationError
from core.platform.i18n import _, plural
from core.platform.ui import contributions

DEFAULT_BLOCKS = ("channels", "recent")
MAX_BLOCKS = 8
BLOCK_VIDEOS = 12


def chosen_blocks(request) -> list[str]:
    """The site's blocks in order: its admins' choice, else the plugins' blocks shown by default and then
    :data:`DEFAULT_BLOCKS`."""
    if request.site.home_blocks is not None:
        return list(request.site.home_blocks)
    return [b.id for b in plugin_blocks(request).values() if b.shown_by_default] + list(DEFAULT_BLOCKS)


def plugin_blocks(request) -> dict:
    return {block.id: block for block in contributions(request, "amphi_home_blocks")}


def plugin_block(request, block) -> dict | None:
    """What a plugin's block shows (None: nothing, the block is left out)."""
    shown = {"id": block.id.replace(".", "-"), "title": block.title, "url": block.url}
    if block.markup is not None:
        markup = block.markup(BLOCK_VIDEOS)
        return {**shown, "markup": Markup(markup)} if markup else None
    return {**shown, "videos": _videos_by_ids(request, block.video_ids(BLOCK_VIDEOS * 2))[:BLOCK_VIDEOS]}


def available_blocks(request) -> list[tuple[str, str]]:
    """``(id, label)`` of every block the site may show, for the admin's choice."""
    translate = request.localizer.translate
    choices = [("recent", translate(_("Recent videos"))), ("channels", translate(_("Featured channels")))]
    channels = request.dbsession.scalars(
        select(Channel).where(Channel.site_id == request.site.id).order_by(Channel.position, Channel.title, Channel.id)
    )
    choices += [
        (f"channel:{c.id}", translate(_("Videos of the channel ${title}", mapping={"title": c.title})))
        for c in channels
    ]
    choices += [(block.id, block.title) for block in plugin_blocks(request).values()]
    return choices


def set_home_blocks(request, ids: list[str]) -> None:
    """Keep these blocks, in this order (empty strings skipped, repeats dropped)."""
    known = {block_id for block_id, _label in available_blocks(request)}
    wanted = list(dict.fromkeys(i for i in ids if i))
    if any(i not in known for i in wanted):
        raise ValidationError({"blocks": _("Choose among the proposed values.")})
    if len(wanted) > MAX_BLOCKS:
        raise ValidationError(
            {"blocks": plural("At most ${n} block.", "At most ${n} blocks.", MAX_BLOCKS, n=MAX_BLOCKS)}
        )
    request.site.home_blocks = wanted


def _videos_by_ids(request, ids: list[int]) -> list[Video]:
    if not ids:
        return []
    query = visible_videos(request).where(Video.id.in_(ids), Video.status == "ready")
    found = {v.id: v for v in request.dbsession.scalars(query.options(selectinload(Video.owner)))}
    return permitted(request, [found[i] for i in ids if i in found])


def home_blocks(request) -> list[dict]:
    """What the home page shows: ``{"id", "title", "videos", "channels" or "markup", "url"}`` per block, in order."""
    translate, blocks, plugins = request.localizer.translate, [], None
    for block_id in chosen_blocks(request):
        if block_id == "recent":
            blocks.append(
                {
                    "id": "recent",
                    "title": translate(_("Recent videos")),
                    "videos": list_visible(request, limit=24),
                    "url": request.route_url("videos"),
                }
            )
        elif block_id == "channels":
            featured = visible_channels(request).where(Channel.featured.is_(True))
            blocks.append(
                {
                    "id": "channels",
                    "title": translate(_("Featured channels")),
                    "channels": list(request.dbsession.scalars(featured)),
                    "url": request.route_url("channels"),
                }
            )
        elif block_id.startswith("channel:"):
            channel = request.dbsession.get(Channel, int(block_id.partition(":")[2] or 0))
            if channel is not None and can_see(request, channel):
                query = (
                    channel_videos(request, channel, depth=BLOCK_VIDEOS)
                    .options(selectinload(Video.owner))
                    .limit(BLOCK_VIDEOS)
                )
                blocks.append(
                    {
                        "id": f"channel-{channel.id}",
                        "title": channel.title,
                        "videos": permitted(request, list(request.dbsession.scalars(query))),
                        "url": request.route_url("channel", channel=channel.slug),
                    }
                )
        else:
            plugins = plugin_blocks(request) if plugins is None else plugins
            shown = plugin_block(request, plugins[block_id]) if block_id in plugins else None
            if shown is not None:
                blocks.append(shown)
    return blocks
