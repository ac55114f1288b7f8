"""The chapter editor (owners), chapter deep links, and WebVTT import/export."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPFound, HTTPNotFound
from pyramid.response import Response
from pyramid.view import view_config

from core.plugin_api import clock, count_param, player_context, precise_clock, require_video, to_millis
from plugins.chapters.editing import (
    add_chapter,
    chapters_changed,
    check_chapter,
    replace_chapters,
    video_chapters,
)
from plugins.chapters.models import Chapter
from plugins.chapters.webvtt import VttError, read_chapters, write_chapters

EDITOR = "plugins.chapters:templates/editor.html"
MAX_IMPORT = 1_000_000  # bytes: a chapters file is small


def editor_values(request, video, **extra) -> dict:
    values = {
        "video": video,
        "chapters": video_chapters(request.dbsession, video),
        "clock": clock,
        "precise_clock": precise_clock,
        "form": {},
        "errors": {},
        "edited": None,
        "import_error": "",
        "imported": count_param(request, "imported") if request.method == "GET" else None,
        **player_context(request, video),
    }
    values.update(extra)
    return values


def editor_url(request, video, start_ms: int | None = None, anchor: str = "chapters-list") -> str:
    query = {"t": f"{start_ms / 1000:g}"} if start_ms is not None else {}
    return request.route_url("chapters.edit", video_id=video.id, _query=query, _anchor=anchor)


def chapter_of(request, video) -> Chapter:
    chapter = request.dbsession.get(Chapter, int(request.matchdict["chapter_id"]))
    if chapter is None or chapter.video_id != video.id:
        raise HTTPNotFound()
    return chapter


@view_config(route_name="chapters.edit", request_method="GET", renderer=EDITOR)
def editor(request):
    return editor_values(request, require_video(request, "edit"))


@view_config(route_name="chapters.edit", request_method="POST", renderer=EDITOR)
def add(request):
    video = require_video(request, "edit")
    form = {"title": request.POST.get("title", ""), "start": request.POST.get("start", "")}
    values, errors = check_chapter(request, video, form["title"], form["start"])
    if errors:
        request.response.status = 400
        return editor_values(request, video, form=form, errors=errors)
    add_chapter(request, video, *values)
    return HTTPFound(editor_url(request, video, values[1]))


@view_config(route_name="chapters.chapter", request_method="POST", renderer=EDITOR)
def edit(request):
    video = require_video(request, "edit")
    chapter = chapter_of(request, video)
    form = {"title": request.POST.get("title", ""), "start": request.POST.get("start", "")}
    values, errors = check_chapter(request, video, form["title"], form["start"], chapter)
    if errors:
        request.response.status = 400
        return editor_values(request, video, form=form, errors=errors, edited=chapter.id)
    chapter.title, chapter.start_ms = values
    chapters_changed(request, video)
    return HTTPFound(editor_url(request, video, chapter.start_ms, f"chapter-{chapter.id}"))


@view_config(route_name="chapters.delete", request_method="POST")
def remove(request):
    video = require_video(request, "edit")
    request.dbsession.delete(chapter_of(request, video))
    chapters_changed(request, video)
    return HTTPFound(editor_url(request, video))


@view_config(route_name="chapters.chapter", request_method="GET")
def deep_link(request):
    """A chapter's stable address: the video page, playing from the chapter's start."""
    video = require_video(request)
    chapter = chapter_of(request, video)
    return HTTPFound(
        request.route_url(
            "video", video_id=video.id, _query={"t": f"{chapter.start:g}"}, _anchor=f"chapter-{chapter.id}"
        )
    )


@view_config(route_name="chapters.export", request_method="GET")
def export(request):
    video = require_video(request)
    chapters = video_chapters(request.dbsession, video)
    if not chapters:
        raise HTTPNotFound(request.translate("This video has no chapters."))
    response = Response(write_chapters(chapters, video.duration), content_type="text/vtt", charset="utf-8")
    response.content_disposition = f'attachment; filename="video-{video.id}-chapters.vtt"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@view_config(route_name="chapters.import", request_method="POST", renderer=EDITOR)
def import_file(request):
    video = require_video(request, "edit")
    error, chapters = read_upload(request, video)
    if error:
        request.response.status = 400
        return editor_values(request, video, import_error=error)
    replace_chapters(request, video, chapters)
    return HTTPFound(
        request.route_url(
            "chapters.edit", video_id=video.id, _query={"imported": len(chapters)}, _anchor="chapters-list"
        )
    )


def read_upload(request, video) -> tuple[str, list]:
    """``("", chapters)`` from the uploaded file, or the message saying what is wrong with it."""
    _ = request.translate
    upload = request.POST.get("file")
    if upload is None or not hasattr(upload, "file"):
        return _("Choose a WebVTT file (.vtt) to import."), []
    data = upload.file.read(MAX_IMPORT + 1)
    if len(data) > MAX_IMPORT:
        return _("The file is too large for a chapters file (at most 1 MB)."), []
    try:
        chapters = read_chapters(data.decode("utf-8"))
    except UnicodeDecodeError:
        return _("The file is not UTF-8 text: WebVTT files are."), []
    except VttError as exc:
        return _(exc.message, **exc.mapping), []
    seen = set()
    for start, title in chapters:
        if video.duration and start >= video.duration:
            return _(
                "The chapter “${title}” starts at ${time}, after the end of the video (${duration}).",
                title=title,
                time=clock(start),
                duration=clock(video.duration),
            ), []
        if to_millis(start) in seen:
            return _("Two chapters start at ${time}.", time=clock(start)), []
        seen.add(to_millis(start))
    return "", sorted(chapters)
