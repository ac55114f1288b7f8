"""Browsing the catalogue: every visible video, filtered by type, discipline, channel, tag, owner, language,
duration; and a person's page (their videos the visitor may see)."""

from __future__ import annotations

from dataclasses import dataclass

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.catalogue.channels import visible_channels
from core.catalogue.listing import DURATION_BUCKETS, filtered_videos
from core.catalogue.metadata import language_choices, site_disciplines, site_video_types, type_title
from core.catalogue.search import DURATION_LABELS
from core.models import User, Video
from core.pagecache import cache_page
from core.platform.errors import ValidationError
from core.platform.i18n import _
from core.web.views.paging import paged_videos

FILTERS = ("type", "discipline", "channel", "tag", "owner", "language", "duration", "ordering")

ORDERING_LABELS = {
    "-created_at": _("Newest first"),
    "created_at": _("Oldest first"),
    "title": _("Title, A to Z"),
    "-title": _("Title, Z to A"),
}
FILTER_LABELS = {
    "type": _("Type"),
    "discipline": _("Discipline"),
    "channel": _("Channel"),
    "tag": _("Tag"),
    "owner": _("Owner"),
    "language": _("Language"),
    "duration": _("Duration"),
}


@dataclass(frozen=True)
class Chip:
    """A filter in use, shown as a link that removes it."""

    name: str
    value: str
    url: str


@view_config(route_name="videos", renderer="browse.html")
def browse(request):
    """One page of the visible videos, filtered (:func:`core.web.views.paging.paged_videos`)."""
    cache_page(request)
    chosen = {name: request.params.get(name, "").strip() for name in FILTERS}
    if chosen["duration"] not in DURATION_LABELS:
        chosen["duration"] = ""
    try:
        query = filtered_videos(request, chosen)
    except ValidationError:
        chosen["ordering"] = ""
        query = filtered_videos(request, chosen)
    query = query.options(selectinload(Video.owner), selectinload(Video.type))
    active = {k: v for k, v in chosen.items() if v}
    db, site_id = request.dbsession, request.site.id
    context = {
        "chosen": chosen,
        "types": site_video_types(db, site_id),
        "disciplines": site_disciplines(db, site_id),
        "channels": list(db.scalars(visible_channels(request))),
        "language_options": language_choices(request.localizer.locale_name),
        "durations": [
            (name, request.localizer.translate(DURATION_LABELS[name])) for name, *_bounds in DURATION_BUCKETS
        ],
        "orderings": [(name, request.localizer.translate(label)) for name, label in ORDERING_LABELS.items()],
        "type_title": lambda vtype: type_title(request, vtype),
        "filtered": bool(set(active) - {"ordering"}),
    }
    context["chips"] = filter_chips(request, active, context)
    return {**paged_videos(request, query, "videos", params=active), **context}


def filter_chips(request, active: dict[str, str], context: dict) -> list[Chip]:
    """One chip per filter in use (the order is kept), each linking to the list without it."""
    translate = request.localizer.translate
    shown = {
        "type": {t.slug: context["type_title"](t) for t in context["types"]},
        "discipline": {d.slug: d.title for d in context["disciplines"]},
        "channel": {c.slug: c.title for c in context["channels"]},
        "language": dict(context["language_options"]),
        "duration": dict(context["durations"]),
    }
    chips = []
    for name, value in active.items():
        if name == "ordering":
            continue
        rest = {k: v for k, v in active.items() if k != name}
        url = request.route_url("videos", _query=rest)
        chips.append(Chip(translate(FILTER_LABELS[name]), shown.get(name, {}).get(value, value), url))
    return chips


@view_config(route_name="user", renderer="user.html")
def user_page(request):
    """A person's page: their videos (owned or co-owned) that the visitor may see, newest first."""
    cache_page(request)
    username = request.matchdict["username"]
    person = request.dbsession.scalar(
        select(User).where(User.site_id == request.site.id, User.username == username, User.is_active.is_(True))
    )
    if person is None:
        raise HTTPNotFound()
    query = filtered_videos(request, {"owner": username}).options(selectinload(Video.owner))
    return {"person": person, **paged_videos(request, query, "user", username=username)}
