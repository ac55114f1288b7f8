"""Reading, checking and changing a video's chapters; the player's WebVTT track follows every change."""

from __future__ import annotations

from sqlalchemy import delete, select

from core.models import Track, Video
from core.plugin_api import clock, delete_track, fire, parse_clock, save_track, to_millis
from plugins.chapters.models import Chapter
from plugins.chapters.webvtt import MAX_TITLE, write_chapters

NAME = "chapters"


def video_chapters(dbsession, video: Video) -> list[Chapter]:
    return list(dbsession.scalars(select(Chapter).where(Chapter.video_id == video.id).order_by(Chapter.start_ms)))


def check_chapter(request, video: Video, title: str, start_text: str, chapter: Chapter | None = None):
    """``((title, start_ms), {})`` when valid, else ``(None, {field: message})``; ``chapter`` is the one edited."""
    _ = request.translate
    errors = {}
    title = " ".join((title or "").split())
    if not title:
        errors["title"] = _("Give the chapter a title.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _("A title has at most ${max} characters.", max=MAX_TITLE)
    start_ms = None
    try:
        start_ms = to_millis(parse_clock(start_text))
    except ValueError:
        errors["start"] = _("Write the start time as seconds, minutes:seconds or hours:minutes:seconds (1:30).")
    if start_ms is not None:
        errors.update(check_start(request, video, start_ms, chapter))
    return (None, errors) if errors else ((title, start_ms), {})


def check_start(request, video: Video, start_ms: int, chapter: Chapter | None = None) -> dict:
    _ = request.translate
    if video.duration and start_ms >= to_millis(video.duration):
        return {
            "start": _(
                "The video lasts ${duration}: a chapter must start before its end.", duration=clock(video.duration)
            )
        }
    taken = request.dbsession.scalar(
        select(Chapter.id).where(Chapter.video_id == video.id, Chapter.start_ms == start_ms)
    )
    if taken is not None and (chapter is None or taken != chapter.id):
        return {"start": _("Another chapter already starts at ${time}.", time=clock(start_ms / 1000))}
    return {}


def add_chapter(request, video: Video, title: str, start_ms: int) -> Chapter:
    chapter = Chapter(site_id=video.site_id, video_id=video.id, title=title, start_ms=start_ms)
    request.dbsession.add(chapter)
    chapters_changed(request, video)
    return chapter


def replace_chapters(request, video: Video, chapters: list[tuple[float, str]]) -> None:
    """Replace every chapter of ``video`` (an import, already checked)."""
    request.dbsession.execute(delete(Chapter).where(Chapter.video_id == video.id))
    for start, title in chapters:
        request.dbsession.add(Chapter(site_id=video.site_id, video_id=video.id, title=title, start_ms=to_millis(start)))
    chapters_changed(request, video)


def chapters_track(request, video: Video) -> Track | None:
    return request.dbsession.scalar(
        select(Track).where(Track.video_id == video.id, Track.plugin == NAME, Track.kind == "chapters")
    )


def chapters_changed(request, video: Video) -> None:
    """Write the chapters track again (or delete it when none is left) and let the search index know."""
    write_track(request, video)
    fire(request, "amphi_video_changed", video=video)


def write_track(request, video: Video) -> None:
    """The player's WebVTT chapters track, from the chapters as they are (the last ends with the video)."""
    request.dbsession.flush()
    chapters = video_chapters(request.dbsession, video)
    track = chapters_track(request, video)
    if chapters:
        save_track(
            request,
            video,
            write_chapters(chapters, video.duration),
            kind="chapters",
            language=video.language or "und",
            label=request.translate("Chapters"),
            plugin=NAME,
            track=track,
        )
    elif track is not None:
        delete_track(request, track)
