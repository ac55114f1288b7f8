"""Chapters: a video's chapters (title and start), edited by its owners, shown beside the player.

The chapters live in the plugin's table; every change rewrites a WebVTT ``chapters`` track that
the core offers to the player and serves with the video's access checks while the plugin is
enabled. Chapter titles are searchable; each chapter has a stable link (``/videos/<id>/chapters/<n>``).
"""

from pyramid.renderers import render

from core import hookimpl
from core.models import Video
from core.plugin_api import Panel, _, clock, video_permits
from plugins.chapters import models  # noqa: F401  (the table belongs to the shared metadata)
from plugins.chapters.editing import chapters_track, video_chapters, write_track

NAME = "chapters"
AMPHI_TITLE = _("Chapters")
AMPHI_DESCRIPTION = _("Chapters written by a video's owners, shown beside the player.")
AMPHI_HOOKS = ">=2.0,<3"  # the job hooks and amphi_video_ready take plain values since 2.0


def includeme(config):
    config.add_route("chapters.edit", "/videos/{video_id:\\d+}/chapters")
    config.add_route("chapters.export", "/videos/{video_id:\\d+}/chapters.vtt")
    config.add_route("chapters.import", "/videos/{video_id:\\d+}/chapters/import")
    config.add_route("chapters.chapter", "/videos/{video_id:\\d+}/chapters/{chapter_id:\\d+}")
    config.add_route("chapters.delete", "/videos/{video_id:\\d+}/chapters/{chapter_id:\\d+}/delete")
    config.add_static_view("plugin-static/chapters", "plugins.chapters:static", cache_max_age=3600)
    config.scan("plugins.chapters.views")


@hookimpl
def amphi_video_panels(request, video):
    chapters = video_chapters(request.dbsession, video)
    can_edit = video_permits(request, video, "edit")
    if not chapters and not can_edit:
        return []
    html = render(
        "plugins.chapters:templates/panel.html",
        {"video": video, "chapters": chapters, "can_edit": can_edit, "clock": clock},
        request=request,
    )
    return [Panel("chapters", request.translate("Chapters"), html, order=100)]


@hookimpl
def amphi_search_text(request, video):
    titles = [chapter.title for chapter in video_chapters(request.dbsession, video)]
    return {"chapters": "\n".join(titles)} if titles else None


@hookimpl
def amphi_video_ready(request, video_id):
    """A new encoding may change the duration, where the last chapter's cue ends."""
    video = request.dbsession.get(Video, video_id)
    if video is not None and chapters_track(request, video) is not None:
        write_track(request, video)
