"""The subtitles pages: list, upload, download and delete a video's tracks; the cue editor and its JSON."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPFound
from pyramid.response import Response
from pyramid.view import view_config

from core.plugin_api import count_param, json_body, language_choices, player_context, require_video
from plugins.subtitles.cues import CueError, EditError, cues_from_edit, parse_file, to_editable, write_srt, write_webvtt
from plugins.subtitles.store import KINDS, get_track, remove_track, same_track, store_cues, text_tracks, track_cues

#: The largest file accepted (a two-hour lecture's subtitles weigh about 150 kB).
MAX_FILE_BYTES = 2 * 1024 * 1024


def kind_labels(request) -> dict[str, str]:
    return {
        "subtitles": request.translate("Subtitles"),
        "captions": request.translate("Captions (for deaf and hard of hearing viewers)"),
    }


def manage_context(request, video, errors=None, form=None) -> dict:
    languages = language_choices(request.localizer.locale_name)
    return {
        "video": video,
        "tracks": text_tracks(request, video),
        "errors": errors or {},
        "form": form or {"language": video.language or request.locale_name, "kind": "subtitles", "label": ""},
        "language_options": languages,
        "language_names": dict(languages),
        "kinds": kind_labels(request),
        "saved": count_param(request, "saved") if request.method == "GET" else None,
        "deleted": request.GET.get("deleted") == "1",
    }


@view_config(route_name="subtitles.manage", request_method="GET", renderer="plugins.subtitles:templates/manage.html")
def manage(request):
    return manage_context(request, require_video(request, "edit"))


@view_config(route_name="subtitles.manage", request_method="POST", renderer="plugins.subtitles:templates/manage.html")
def upload(request):
    """A WebVTT or SRT file, checked, stored as WebVTT; a malformed one is refused with its line and reason."""
    video = require_video(request, "edit")
    form = {key: str(request.POST.get(key, "")).strip() for key in ("language", "kind", "label")}
    errors = {}
    if form["language"] not in dict(language_choices(request.localizer.locale_name)):
        errors["language"] = request.translate("Choose the language of the text.")
    if form["kind"] not in KINDS:
        errors["kind"] = request.translate("Choose subtitles or captions.")
    if len(form["label"]) > 100:
        errors["label"] = request.translate("The label is at most 100 characters.")
    cues = None
    field = request.POST.get("file")
    data = field.file.read(MAX_FILE_BYTES + 1) if hasattr(field, "file") else b""
    if not data:
        errors["file"] = request.translate("Choose a WebVTT (.vtt) or SRT (.srt) file.")
    elif len(data) > MAX_FILE_BYTES:
        errors["file"] = request.translate("The file is larger than 2 MB.")
    else:
        try:
            cues = parse_file(data, getattr(field, "filename", "") or "")
        except CueError as exc:
            errors["file"] = request.translate("This file cannot be used. ${reason}", reason=exc.translate(request))
    if errors:
        request.response.status = 400
        return manage_context(request, video, errors, form)
    store_cues(
        request,
        video,
        cues,
        kind=form["kind"],
        language=form["language"],
        label=form["label"],
        track=same_track(request, video, form["kind"], form["language"]),
    )
    return HTTPFound(request.route_url("subtitles.manage", video_id=video.id, _query={"saved": len(cues)}))


@view_config(route_name="subtitles.download", request_method="GET")
def download(request):
    video = require_video(request, "edit")
    track = get_track(request, video, request.matchdict["track_id"])
    cues, form = track_cues(request, track), request.matchdict["format"]
    body = write_webvtt(cues) if form == "vtt" else write_srt(cues)
    filename = f"video-{video.id}-{track.language or 'und'}-{track.kind}.{form}"
    return Response(
        body=body.encode("utf-8"),
        charset="utf-8",
        content_type="text/vtt" if form == "vtt" else "application/x-subrip",
        content_disposition=f'attachment; filename="{filename}"',
    )


@view_config(route_name="subtitles.delete", request_method="POST")
def delete(request):
    video = require_video(request, "edit")
    remove_track(request, video, get_track(request, video, request.matchdict["track_id"]))
    return HTTPFound(request.route_url("subtitles.manage", video_id=video.id, _query={"deleted": 1}))


def cues_json(request, track) -> list[dict]:
    return [
        {"start": cue.start, "end": cue.end, "text": to_editable(cue.text), "settings": cue.settings}
        for cue in track_cues(request, track)
    ]


@view_config(route_name="subtitles.edit", request_method="GET", renderer="plugins.subtitles:templates/editor.html")
def editor(request):
    video = require_video(request, "edit")
    track = get_track(request, video, request.matchdict["track_id"])
    return {
        "video": video,
        "track": track,
        "kinds": kind_labels(request),
        "language_name": dict(language_choices(request.localizer.locale_name)).get(track.language, track.language),
        "editor": {
            "cues": cues_json(request, track),
            "duration": video.duration,
            "saveUrl": request.route_url("subtitles.cues", video_id=video.id, track_id=track.id),
        },
        **player_context(request, video),
    }


@view_config(route_name="subtitles.cues", request_method="GET", renderer="json")
def get_cues(request):
    video = require_video(request, "edit")
    track = get_track(request, video, request.matchdict["track_id"])
    return {"cues": cues_json(request, track), "source": track.source, "plugin": track.plugin}


@view_config(route_name="subtitles.cues", request_method=("POST", "PUT"), renderer="json")
def save_cues(request):
    """The editor's save: ``{"cues": [{start, end, text}]}``; a refused edit answers 400 with the cue at fault."""
    video = require_video(request, "edit")
    track = get_track(request, video, request.matchdict["track_id"])
    body = json_body(request)
    try:
        cues = cues_from_edit(body.get("cues") if isinstance(body, dict) else None, video.duration)
    except CueError as exc:
        request.response.status = 400
        where = {"cue": exc.line, "field": exc.field} if isinstance(exc, EditError) else {}
        return {"error": exc.translate(request), **where}
    track = store_cues(request, video, cues, kind=track.kind, language=track.language, label=track.label, track=track)
    return {
        "saved": len(cues),
        "source": track.source,
        "label": track.label,
        "message": request.ngettext("Saved: ${count} cue.", "Saved: ${count} cues.", len(cues), count=len(cues)),
    }
