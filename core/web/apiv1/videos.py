"""``/api/v1/videos``: list, read, change and delete videos; their text tracks.

The rules are the pages' rules: lists come from :func:`core.catalogue.listing.visible_videos` (searches, with
``q``, from the site's search plugin, as the search page: :mod:`core.web.apiv1.search`), each
video through :func:`core.access.security.video_permits`, changes through the edit page's own
validation (:func:`core.catalogue.metadata.apply_metadata`), deletion through
:func:`core.catalogue.videos.delete_video`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from pyramid.httpexceptions import HTTPNoContent
from pyramid.view import view_config

from core.access.groups import site_groups
from core.catalogue.channel_forms import channel_choices
from core.catalogue.listing import filtered_videos
from core.catalogue.lookup import require_video
from core.catalogue.metadata import MetadataForm, apply_metadata, site_disciplines, site_video_types
from core.catalogue.tracks import player_tracks
from core.catalogue.videos import delete_video
from core.models import Video
from core.platform.errors import ValidationError
from core.platform.i18n import _
from core.platform.plugins import fire
from core.platform.ui import contributions
from core.web.apiv1.common import json_object, paginated
from core.web.apiv1.search import is_search, searched
from core.web.views.api import video_json

TEXT_FIELDS = ("title", "description", "license", "language", "date_recorded", "publish_at", "access", "password")


@view_config(route_name="v1.videos", renderer="json", request_method="GET")
def videos(request):
    """The visible videos, filtered and ordered; with ``q``, the site's full-text search (:mod:`core.web.apiv1.search`)."""
    if is_search(request):
        return searched(request)
    return paginated(request, filtered_videos(request, request.params), video_json)


@view_config(route_name="v1.video", renderer="json", request_method="GET")
def video_detail(request):
    return video_json(request, require_video(request))


def by_slug(rows, slugs, field: str) -> tuple[str, ...]:
    """Ids of the rows named by ``slugs`` (a list of strings), or a clear error."""
    if not isinstance(slugs, list) or not all(isinstance(s, str) for s in slugs):
        raise ValidationError({field: _("A list of names is expected.")})
    known = {getattr(row, "slug", None) or row.name: str(row.id) for row in rows}
    unknown = [s for s in slugs if s not in known]
    if unknown:
        raise ValidationError({field: _("Unknown: ${names}", mapping={"names": ", ".join(unknown)})})
    return tuple(known[s] for s in slugs)


def form_from_json(request, video: Video, body: dict) -> MetadataForm:
    """The edit page's form, as the video stands, with the JSON body's fields changed."""
    db, site_id = request.dbsession, video.site_id
    form = MetadataForm.from_video(video)
    changes: dict[str, Any] = {}  # MetadataForm fields: text, flags, tuples of ids
    for field in TEXT_FIELDS:
        if field in body:
            value = body[field]
            if value is not None and not isinstance(value, str):
                raise ValidationError({field: _("A string is expected.")})
            changes[field] = (value or "").strip() if field != "password" else (value or "")
    if "publish_at" in changes and changes["publish_at"]:
        changes["publish_at"] = changes["publish_at"][:16]  # the form's minute precision (UTC)
    if "allow_downloads" in body:
        if not isinstance(body["allow_downloads"], bool):
            raise ValidationError({"allow_downloads": _("true or false")})
        changes["allow_downloads"] = body["allow_downloads"]
    if "type" in body:
        changes["type_id"] = by_slug(site_video_types(db, site_id), [body["type"]] if body["type"] else [], "type")[:1]
        changes["type_id"] = changes["type_id"][0] if changes["type_id"] else ""
    if "disciplines" in body:
        changes["discipline_ids"] = by_slug(site_disciplines(db, site_id), body["disciplines"], "disciplines")
    if "groups" in body:
        changes["group_ids"] = by_slug(site_groups(db, site_id), body["groups"], "groups")
    if "channels" in body:
        changes["channel_ids"] = by_slug(channel_choices(request, video), body["channels"], "channels")
    if "themes" in body:
        themes = body["themes"]
        if not isinstance(themes, list) or not all(isinstance(t, int) and not isinstance(t, bool) for t in themes):
            raise ValidationError({"themes": _("A list of theme ids is expected.")})
        changes["theme_ids"] = tuple(str(t) for t in themes)
    if "tags" in body:
        if not isinstance(body["tags"], list) or not all(isinstance(t, str) for t in body["tags"]):
            raise ValidationError({"tags": _("A list of names is expected.")})
        changes["tags"] = ", ".join(body["tags"])
    if "owners" in body:
        if not isinstance(body["owners"], list) or not all(isinstance(o, str) for o in body["owners"]):
            raise ValidationError({"owners": _("A list of names is expected.")})
        changes["owners"] = ", ".join(body["owners"])
    return dataclasses.replace(form, **changes)


@view_config(route_name="v1.video", renderer="json", request_method="PATCH")
def video_update(request):
    video = require_video(request, "edit")
    apply_metadata(request, video, form_from_json(request, video, json_object(request)))
    fire(request, "amphi_video_changed", video=video)
    return video_json(request, video)


@view_config(route_name="v1.video", request_method="DELETE")
def video_delete(request):
    delete_video(request, require_video(request, "delete"))
    return HTTPNoContent()


@view_config(route_name="v1.video.tracks", renderer="json", request_method="GET")
def tracks(request):
    """The WebVTT tracks the player offers (from the plugins that make them), with signed URLs."""
    video = require_video(request)
    offered = player_tracks(request, video) + contributions(request, "amphi_player_tracks", video=video)
    return {
        "items": [
            {"kind": t.kind, "language": t.language, "label": t.label, "url": t.url, "default": t.default}
            for t in offered
        ]
    }
