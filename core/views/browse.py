"""Browsing the catalogue: every visible video, filtered by type, discipline, channel, tag, owner, language."""

from __future__ import annotations

from pyramid.view import view_config
from sqlalchemy.orm import selectinload

from core.catalog import ORDERINGS, filtered_videos, permitted
from core.channels import visible_channels
from core.errors import ValidationError
from core.metadata import language_choices, site_disciplines, site_video_types, type_title
from core.models import Video
from core.pagecache import cache_page

PER_PAGE = 24
FILTERS = ("type", "discipline", "channel", "tag", "owner", "language", "ordering")


@view_config(route_name="videos", renderer="browse.html")
def browse(request):
    """One page of results; one row more than shown says whether a next page exists (no COUNT)."""
    cache_page(request)
    chosen = {name: request.params.get(name, "").strip() for name in FILTERS}
    try:
        page = max(1, int(request.params.get("page", 1)))
    except ValueError:
        page = 1
    try:
        query = filtered_videos(request, chosen)
    except ValidationError:
        chosen["ordering"] = ""
        query = filtered_videos(request, chosen)
    query = query.options(selectinload(Video.owner), selectinload(Video.type))
    rows = list(request.dbsession.scalars(query.limit(PER_PAGE + 1).offset((page - 1) * PER_PAGE)))
    active = {k: v for k, v in chosen.items() if v}

    def page_url(number: int) -> str:
        return request.route_url("videos", _query={**active, "page": number})

    db, site_id = request.dbsession, request.site.id
    return {
        "videos": permitted(request, rows[:PER_PAGE]), "chosen": chosen, "page": page,
        "next_url": page_url(page + 1) if len(rows) > PER_PAGE else None,
        "previous_url": page_url(page - 1) if page > 1 else None,
        "types": site_video_types(db, site_id), "disciplines": site_disciplines(db, site_id),
        "channels": list(db.scalars(visible_channels(request))),
        "language_options": language_choices(request.localizer.locale_name), "orderings": list(ORDERINGS),
        "type_title": lambda vtype: type_title(request, vtype), "filtered": bool(set(active) - {"ordering"}),
    }
