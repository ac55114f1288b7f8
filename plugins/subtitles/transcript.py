"""The transcript panel: a track's text beside the player, the cue being played marked."""

from __future__ import annotations

from pyramid.renderers import render

from core.models import Track, Video
from core.plugin_api import Panel, clock
from plugins.subtitles.store import text_tracks, track_cues


def preferred(tracks: list[Track], request, video: Video) -> Track | None:
    """The track shown first: the viewer's language, else the video's; made by a person before automatic."""
    viewer = (getattr(request, "locale_name", "") or "").split("_")[0]
    for language in (viewer, video.language or ""):
        mine = [t for t in tracks if t.language.split("-")[0] == language]
        if mine:
            return sorted(mine, key=lambda t: (t.source == "auto", t.kind != "subtitles", t.id))[0]
    return tracks[0] if tracks else None


def transcript_panel(request, video: Video) -> list[Panel]:
    tracks = [(track, track_cues(request, track)) for track in text_tracks(request, video)]
    tracks = [(track, cues) for track, cues in tracks if cues]
    if not tracks:
        return []
    chosen = preferred([track for track, _cues in tracks], request, video)
    html = render(
        "plugins.subtitles:templates/transcript.html",
        {
            "video": video,
            "tracks": tracks,
            "chosen": chosen,
            "clock": clock,
            "video_url": request.route_url("video", video_id=video.id),
        },
        request=request,
    )
    return [Panel("transcript", request.translate("Transcript"), html, order=200)]
