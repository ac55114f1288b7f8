"""The enrichment editor (owners) with its timeline, and the files, served with the video's access checks."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPFound, HTTPNotFound
from pyramid.view import view_config

from core.plugin_api import clock, player_context, precise_clock, require_video, serve_key, shared_cache_may_keep
from plugins.enrichment.editing import check_form, delete, save, video_enrichments
from plugins.enrichment.models import KINDS, Enrichment
from plugins.enrichment.showing import show
from plugins.enrichment.timeline import timeline

EDITOR = "plugins.enrichment:templates/editor.html"
ITEM = "plugins.enrichment:templates/item_edit.html"


def kind_labels(request) -> dict:
    _ = request.translate
    return {
        "link": _("Link"),
        "document": _("Document (PDF)"),
        "image": _("Image"),
        "text": _("Text"),
        "video": _("Another video"),
    }


def editor_values(request, video, **extra) -> dict:
    items = video_enrichments(request.dbsession, video)
    values = {
        "video": video,
        "items": items,
        "shown": {s.item.id: s for s in show(request, items)},
        "timeline": timeline(items, video.duration),
        "timeline_length": max([video.duration or 0] + [i.end for i in items]) or 1,
        "kinds": KINDS,
        "kind_labels": kind_labels(request),
        "clock": clock,
        "precise_clock": precise_clock,
        "form": {"kind": "link"},
        "errors": {},
    }
    values.update(extra)
    return values


def form_values(request) -> dict:
    return {key: request.POST.get(key, "") for key in ("kind", "title", "start", "end", "url", "body", "target")}


def item_of(request, video) -> Enrichment:
    item = request.dbsession.get(Enrichment, int(request.matchdict["enrichment_id"]))
    if item is None or item.video_id != video.id:
        raise HTTPNotFound()
    return item


@view_config(route_name="enrichment.edit", request_method="GET", renderer=EDITOR)
def editor(request):
    video = require_video(request, "edit")
    return {**editor_values(request, video), **player_context(request, video)}


@view_config(route_name="enrichment.edit", request_method="POST", renderer=EDITOR)
def add(request):
    video = require_video(request, "edit")
    submitted = check_form(request, video, request.POST)
    if submitted.errors:
        request.response.status = 400
        return {
            **editor_values(request, video, form=form_values(request), errors=submitted.errors),
            **player_context(request, video),
        }
    item = save(request, video, submitted)
    return HTTPFound(
        request.route_url(
            "enrichment.edit", video_id=video.id, _query={"t": f"{item.start:g}"}, _anchor=f"enrichment-{item.id}"
        )
    )


def item_form(item: Enrichment, precise) -> dict:
    return {
        "kind": item.kind,
        "title": item.title,
        "start": precise(item.start),
        "end": precise(item.end),
        "url": item.url,
        "body": item.body,
        "target": str(item.target_video_id or ""),
    }


@view_config(route_name="enrichment.item", request_method="GET", renderer=ITEM)
def edit_form(request):
    video = require_video(request, "edit")
    item = item_of(request, video)
    return editor_values(request, video, item=item, form=item_form(item, precise_clock))


@view_config(route_name="enrichment.item", request_method="POST", renderer=ITEM)
def edit(request):
    video = require_video(request, "edit")
    item = item_of(request, video)
    submitted = check_form(request, video, request.POST, existing=item)
    if submitted.errors:
        request.response.status = 400
        return editor_values(request, video, item=item, form=form_values(request), errors=submitted.errors)
    save(request, video, submitted, item)
    return HTTPFound(
        request.route_url(
            "enrichment.edit", video_id=video.id, _query={"t": f"{item.start:g}"}, _anchor=f"enrichment-{item.id}"
        )
    )


@view_config(route_name="enrichment.delete", request_method="POST")
def remove(request):
    video = require_video(request, "edit")
    delete(request, item_of(request, video))
    return HTTPFound(request.route_url("enrichment.edit", video_id=video.id, _anchor="enrichments-list"))


@view_config(route_name="enrichment.file", request_method=("GET", "HEAD"))
def serve_file(request):
    """A document's or an image's bytes, to whoever may watch the video (and only while the plugin is on)."""
    video = require_video(request)
    item = item_of(request, video)
    if not item.file_key:
        raise HTTPNotFound()
    response = serve_key(request, item.file_key, public=shared_cache_may_keep(video))
    safe_name = "".join(c for c in item.file_name if c.isascii() and (c.isalnum() or c in "._- ")) or "file"
    response.content_disposition = f'inline; filename="{safe_name}"'
    return response
