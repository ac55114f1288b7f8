"""The tracks this plugin shows and edits, read and written through :mod:`core.catalogue.tracks`.

It edits every subtitle and caption track of an enabled plugin. Saving a track made by another
plugin (``transcriber_vosk``'s automatic captions) takes it over: it becomes this plugin's,
``source="manual"``, and its label loses the automatic mark (it becomes the language's name).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import replace

from pyramid.httpexceptions import HTTPNotFound

from core.models import Track, Video
from core.plugin_api import delete_track, fire, language_name, read_track, save_track, video_tracks
from plugins.subtitles.cues import Cue, CueError, parse_webvtt, write_webvtt

log = logging.getLogger(__name__)

NAME = "subtitles"
KINDS = ("subtitles", "captions")


def text_tracks(request, video: Video) -> list[Track]:
    """Subtitle and caption tracks of ``video`` whose plugin is enabled on the site."""
    return video_tracks(request, video, kinds=KINDS)


def get_track(request, video: Video, track_id) -> Track:
    """One of :func:`text_tracks`, else 404."""
    for track in text_tracks(request, video):
        if str(track.id) == str(track_id):
            return track
    raise HTTPNotFound()


#: Parsed tracks by (storage key, last change), per process: the transcript panel shows them on
#: every view of the video, and a lecture's track has a thousand cues.
_parsed: OrderedDict[tuple, tuple[Cue, ...]] = OrderedDict()
_PARSED_MAX = 256
_parsed_lock = threading.Lock()


def track_cues(request, track: Track) -> list[Cue]:
    """The cues of a stored track (fresh copies: callers may edit them); a file that cannot be read
    gives none (and is logged)."""
    version = (track.key, track.updated_at.isoformat() if track.updated_at else "")
    with _parsed_lock:
        cues = _parsed.get(version)
        if cues is not None:
            _parsed.move_to_end(version)
    if cues is None:
        try:
            cues = tuple(parse_webvtt(read_track(request, track)))
        except (CueError, OSError, UnicodeDecodeError):
            log.warning("track %s of video %s cannot be read", track.id, track.video_id)
            return []
        with _parsed_lock:
            _parsed[version] = cues
            while len(_parsed) > _PARSED_MAX:
                _parsed.popitem(last=False)
    return [replace(cue) for cue in cues]


def default_label(language: str, kind: str) -> str:
    """The language's own name (``Français``), with ``(CC)`` for captions."""
    name = language_name(language, language) if language else ""
    return name if kind == "subtitles" else f"{name} (CC)"


def store_cues(
    request, video: Video, cues: list[Cue], *, kind: str, language: str, label: str = "", track: Track | None = None
) -> Track:
    """Save ``cues`` as this plugin's manual track (a new one, or ``track`` taken over) and tell the events."""
    if track is not None and (track.plugin != NAME or track.source != "manual"):
        track.plugin, label = NAME, ""  # a person's edit: no longer automatic
    label = label.strip() or default_label(language, kind)
    track = save_track(
        request,
        video,
        write_webvtt(cues),
        kind=kind,
        language=language,
        label=label,
        source="manual",
        plugin=NAME,
        track=track,
    )
    fire(request, "amphi_video_changed", video=video)
    return track


def remove_track(request, video: Video, track: Track) -> None:
    delete_track(request, track)
    fire(request, "amphi_video_changed", video=video)


def same_track(request, video: Video, kind: str, language: str) -> Track | None:
    """This plugin's track of that kind and language, which an upload replaces."""
    return next(
        (t for t in text_tracks(request, video) if t.plugin == NAME and t.kind == kind and t.language == language), None
    )
