"""Subtitles and captions: upload (WebVTT, SRT), download, edit in the browser, and the transcript panel.

Tracks are stored by :mod:`core.catalogue.tracks` and owned by this plugin (``plugin="subtitles"``). The
editor also opens other plugins' subtitle and caption tracks (``transcriber_vosk``'s automatic
captions); saving one makes it this plugin's, made by a person (see :mod:`plugins.subtitles.store`).
The words of every track the player offers are searched (:func:`core.catalogue.tracks.searched_text`), whichever
plugin made it; saving or deleting one here tells ``amphi_video_changed`` so the index follows.
"""

from core import hookimpl
from core.plugin_api import NavItem, _, video_permits
from plugins.subtitles.transcript import transcript_panel

NAME = "subtitles"
AMPHI_TITLE = _("Subtitles and captions")
AMPHI_DESCRIPTION = _("Upload, edit and download subtitles (WebVTT, SRT); the transcript beside the player.")
AMPHI_HOOKS = ">=1.1,<3"


def includeme(config):
    prefix = "/videos/{video_id:\\d+}/subtitles"
    config.add_route("subtitles.manage", prefix)
    config.add_route("subtitles.download", prefix + "/{track_id:\\d+}.{format:vtt|srt}")
    config.add_route("subtitles.edit", prefix + "/{track_id:\\d+}")
    config.add_route("subtitles.cues", prefix + "/{track_id:\\d+}/cues")
    config.add_route("subtitles.delete", prefix + "/{track_id:\\d+}/delete")
    config.add_static_view("subtitles-static", "plugins.subtitles:static", cache_max_age=3600)
    config.scan("plugins.subtitles.views")


@hookimpl
def amphi_video_panels(request, video):
    return transcript_panel(request, video)


@hookimpl
def amphi_video_actions(request, video):
    if not video_permits(request, video, "edit"):
        return []
    return [
        NavItem(request.translate("Subtitles"), request.route_url("subtitles.manage", video_id=video.id), order=300)
    ]
