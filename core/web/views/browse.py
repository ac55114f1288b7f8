"""Browsing the catalogue: every visible video, filtered by type, discipline, channel, tag, owner, language."""

from __future__ import annotations

from pyramid.view import view_config
from sqlalchemy.orm import selectinload

from core.catalogue.channels import visible_channels
from core.catalogue.listing import ORDERINGS, filtered_videos
from core.catalogue.metadata import language_choices, site_disciplines, site_video_types, type_title
from core.models import Video
from core.pagecache import cache_page
from core.platform.errors import ValidationError
from core.web.views.paging import paged_videos

FILTERS = ("type", "discipline", "channel", "tag", "owner", "language", "ordering")


@view_config(route_name="videos", renderer="browse.html")
def browse(request):
    """One page of the visible videos, filtered (:func:`core.web.views.paging.paged_videos`)."""
    cache_page(request)
    chosen = {name: request.params.get(name, "").strip() for name in FILTERS}
    try:
        query = filtered_videos(request, chosen)
    except ValidationError:
        chosen["ordering"] = ""
        query = filtered_videos(request, chosen)
    query = query.options(selectinload(Video.owner), selectinload(Video.type))
    active = {k: v for k, v in chosen.items() if v}
    db, site_id = request.dbsession, request.site.id
    return {
        **paged_videos(request, query, "videos", params=active),
        "chosen": chosen,
        "types": site_video_types(db, site_id),
        "disciplines": site_disciplines(db, site_id),
        "channels": list(db.scalars(visible_channels(request))),
        "language_options": language_choices(request.localizer.locale_name),
        "orderings": list(ORDERINGS),
        "type_title": lambda vtype: type_title(request, vtype),
        "filtered": bool(set(active) - {"ordering"}),
    }
