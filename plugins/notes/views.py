"""The notes routes: add, delete, hide, comments on/off, the panel fragment, exports and the JSON API."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render, render_to_response
from pyramid.response import Response
from pyramid.view import view_config

from core.plugin_api import ValidationError, clock, json_body, require_video
from plugins.notes import exports
from plugins.notes.service import (
    HIGHLIGHT_SECONDS,
    add_note,
    all_own_notes,
    comments_enabled,
    find_note,
    may_delete,
    may_moderate,
    own_notes,
    set_comments_enabled,
    shows_comments,
    visible_notes,
    visible_replies,
)

FRAGMENT_HEADER = "X-Amphi-Fragment"


def panel_html(request, video, form: dict | None = None, errors: dict | None = None) -> str:
    """The notes panel's inner HTML (also what the script swaps in after each change)."""
    notes, moderator = visible_notes(request, video), may_moderate(request, video)
    replies = visible_replies(request, video, notes)
    return render(
        "plugins.notes:templates/panel.html",
        {
            "video": video,
            "notes": notes,
            "replies": lambda n: replies.get(n.id, []),
            "fmt": clock,
            "may_moderate": moderator,
            "may_delete": lambda n: may_delete(request, video, n, moderator),
            "comments_enabled": comments_enabled(request, video),
            "shows_comments": shows_comments(request, video),
            "form": form or {"text": "", "time": "0:00", "kind": "note"},
            "errors": errors or {},
            "highlight": HIGHLIGHT_SECONDS,
        },
        request=request,
    )


def signed_in_viewer(request):
    """The route's video for a signed-in viewer (404/403 as the video page answers)."""
    video = require_video(request)
    if request.user is None:
        raise HTTPForbidden(request.translate("Sign in to write notes."))
    return video


def done(request, video, anchor: str = "panel-notes", time: float | None = None):
    """The script gets the refreshed panel; a plain form goes back to the video page."""
    if request.headers.get(FRAGMENT_HEADER):
        return Response(panel_html(request, video), content_type="text/html", charset="utf-8")
    query = {"t": int(time)} if time else {}
    return HTTPSeeOther(request.route_url("video", video_id=video.id, _query=query, _anchor=anchor))


@view_config(route_name="notes.add", request_method="POST")
def add(request):
    video = signed_in_viewer(request)
    try:
        note = add_note(request, video, request.POST)
    except ValidationError as exc:
        if request.headers.get(FRAGMENT_HEADER):
            raise
        form = {key: request.POST.get(key, "") for key in ("text", "time", "kind", "parent")}
        response = render_form_page(request, video, form, exc.errors)
        response.status = 400
        return response
    return done(request, video, f"note-{note.parent_id or note.id}", note.time)


def render_form_page(request, video, form, errors):
    """The video's notes form again, with what was typed and why it was refused (no script)."""
    return render_to_response(
        "plugins.notes:templates/form_page.html",
        {
            "video": video,
            "panel": panel_html(request, video, form, errors),
            "errors": errors,
        },
        request=request,
    )


def note_or_404(request, video):
    note = find_note(request, video, request.matchdict["note_id"])
    if note is None:
        raise HTTPNotFound()
    return note


@view_config(route_name="notes.delete", request_method="POST")
def delete(request):
    video = signed_in_viewer(request)
    note = note_or_404(request, video)
    if not may_delete(request, video, note):
        raise HTTPForbidden(request.translate("Only its author or the video's owners may delete this."))
    request.dbsession.delete(note)
    request.dbsession.flush()
    return done(request, video)


@view_config(route_name="notes.hide", request_method="POST")
def hide(request):
    video = signed_in_viewer(request)
    note = note_or_404(request, video)
    if note.kind != "comment" or not may_moderate(request, video):
        raise HTTPForbidden(request.translate("Only the video's owners moderate its comments."))
    note.hidden = request.POST.get("hidden") == "1"
    return done(request, video, f"note-{note.parent_id or note.id}")


@view_config(route_name="notes.comments", request_method="POST")
def switch_comments(request):
    video = signed_in_viewer(request)
    if not may_moderate(request, video):
        raise HTTPForbidden(request.translate("Only the video's owners moderate its comments."))
    set_comments_enabled(request, video, request.POST.get("enabled") == "1")
    return done(request, video)


@view_config(route_name="notes.panel", request_method="GET")
def panel(request):
    video = require_video(request)
    return Response(panel_html(request, video), content_type="text/html", charset="utf-8")


@view_config(route_name="notes.export", request_method="GET")
def export(request):
    video = signed_in_viewer(request)
    groups, fmt = [(video, own_notes(request, video))], request.matchdict["format"]
    response = exports.csv_response if fmt == "csv" else exports.text_response
    return response(request, groups, f"notes-video-{video.id}.{fmt}")


@view_config(route_name="notes.mine", renderer="plugins.notes:templates/mine.html", permission="authenticated")
def mine(request):
    """The user's notes on every video they may still see, with links back to each moment."""
    return {"groups": all_own_notes(request), "fmt": clock}


@view_config(route_name="notes.mine.export", permission="authenticated")
def mine_export(request):
    fmt = request.matchdict["format"]
    response = exports.csv_response if fmt == "csv" else exports.text_response
    return response(request, all_own_notes(request), f"my-notes.{fmt}")


# --- JSON API ------------------------------------------------------------------


def note_json(request, note, replies: dict | None = None) -> dict:
    return {
        "id": note.id,
        "kind": note.kind,
        "time": note.time,
        "text": note.text,
        "author": note.author.name,
        "mine": request.user is not None and note.author_id == request.user.id,
        "hidden": note.hidden,
        "created_at": note.created_at.isoformat(),
        "replies": [note_json(request, r) for r in (replies or {}).get(note.id, [])],
    }


@view_config(route_name="api.notes", request_method="GET", renderer="json")
def api_list(request):
    video = require_video(request)
    notes = visible_notes(request, video)
    replies = visible_replies(request, video, notes)
    return {
        "comments_enabled": comments_enabled(request, video),
        "notes": [note_json(request, n, replies) for n in notes],
    }


@view_config(route_name="api.notes", request_method="POST", renderer="json")
def api_add(request):
    video = signed_in_viewer(request)
    body = json_body(request)
    if not isinstance(body, dict):
        raise ValidationError({"body": request.translate("A JSON object is expected.")})
    note = add_note(request, video, {key: body.get(key) for key in ("text", "time", "kind", "parent")})
    request.response.status = 201
    return note_json(request, note)
