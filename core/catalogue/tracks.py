"""Stored text tracks (subtitles, captions, chapters): saving, reading, offering (:mod:`core.web.media` serves them).

A :class:`core.models.Track` row belongs to the plugin that made it (``Track.plugin``); the player
offers it, the API lists it and the media view serves it only while that plugin is enabled on the
site, so disabling a plugin makes its tracks vanish without deleting them. Track files live under
the video's storage prefix and are served through signed URLs checked against the video's access
rules, like every media byte.
"""

from __future__ import annotations

import io
import logging
import re

from sqlalchemy import select

from core.access.security import granted
from core.catalogue.media_urls import signed_expiry
from core.models import TRACK_KINDS, Track, Video, utcnow
from core.pipeline.storage import video_prefix
from core.platform.timecodes import plain_cue_text
from core.platform.ui import PlayerTrack

log = logging.getLogger(__name__)
_TRACKS = "amphi.video_tracks"  # a request's tracks by video id (video_tracks)
#: Tracks whose words are searched: what is said and shown (chapters come from their plugin, metadata is for machines).
SEARCHED_KINDS = ("subtitles", "captions", "descriptions")


def track_key(video: Video, track: Track) -> str:
    return f"{video_prefix(video)}/tracks/{int(track.id)}.vtt"


def active_plugins(request) -> set[str]:
    """The plugins enabled and loaded on the request's site."""
    loaded = set(request.registry.plugins.names())
    return loaded & set(request.site.enabled_plugins or [])


def save_track(
    request,
    video: Video,
    text: str,
    *,
    kind: str,
    language: str,
    label: str = "",
    source: str = "manual",
    plugin: str,
    track: Track | None = None,
) -> Track:
    """Store WebVTT ``text`` as a track of ``video`` owned by ``plugin`` (a new one, or ``track`` replaced).

    The caller validates the WebVTT; this only refuses text that does not start as WebVTT must.
    """
    request.environ.pop(_TRACKS, None)
    if kind not in TRACK_KINDS:
        raise ValueError(f"unknown track kind {kind!r}")
    if not text.lstrip("\ufeff").startswith("WEBVTT"):
        raise ValueError("a WebVTT file starts with WEBVTT")
    if track is None:
        track = Track(video_id=video.id, plugin=plugin)
        request.dbsession.add(track)
    track.kind, track.language, track.label, track.source = kind, language, label[:100], source
    track.updated_at = utcnow()
    request.dbsession.flush()
    track.key = track_key(video, track)
    request.storage.save(track.key, io.BytesIO(text.encode("utf-8")))
    return track


def read_track(request, track: Track) -> str:
    with request.storage.open(track.key) as handle:
        return handle.read().decode("utf-8")


def delete_track(request, track: Track) -> None:
    """Delete the row now and the file (a missing file is not an error)."""
    request.environ.pop(_TRACKS, None)
    key = track.key
    request.dbsession.delete(track)
    request.dbsession.flush()
    if key and request.storage.exists(key):
        request.storage.delete(key)


def cue_words(webvtt: str) -> str:
    """The text of a WebVTT file's cues, without headers, notes, timings, settings or tags."""
    words = []
    for block in re.split(r"\n[ \t]*\n", webvtt.replace("\r\n", "\n").replace("\r", "\n")):
        lines = block.split("\n")
        timing = next((i for i, line in enumerate(lines) if "-->" in line), None)
        if timing is not None:
            words += [plain_cue_text(line) for line in lines[timing + 1 :]]
    return " ".join(word for word in words if word)


def searched_text(request, video: Video) -> str:
    """The words of the video's subtitle, caption and description tracks the player offers (whichever
    plugin made them), for the search index; a track that cannot be read is logged and skipped."""
    texts = []
    for track in video_tracks(request, video, kinds=SEARCHED_KINDS):
        try:
            texts.append(cue_words(read_track(request, track)) if track.key else "")
        except (OSError, UnicodeDecodeError):
            log.warning("track %s of video %s cannot be read", track.id, video.id)
    return " ".join(text for text in texts if text)


def video_tracks(request, video: Video, kinds=TRACK_KINDS) -> list[Track]:
    """The tracks of ``video`` whose plugin is active on the site, captions and subtitles first.

    Read once per request (the player and the panels all ask); saving or deleting a track forgets it.
    """
    known = request.environ.setdefault(_TRACKS, {})
    if video.id not in known:
        plugins = active_plugins(request)
        rows = request.dbsession.scalars(
            select(Track).where(Track.video_id == video.id).order_by(Track.kind, Track.language, Track.id)
        )
        known[video.id] = [t for t in rows if t.plugin in plugins]
    return [t for t in known[video.id] if t.kind in kinds]


def track_url(request, video: Video, track: Track) -> str:
    """A signed URL of the track's WebVTT, bound to the viewer; changes when the track changes."""
    expires, signature = signed_expiry(request, video)
    version = int(track.updated_at.timestamp()) if track.updated_at else 0
    grant = granted(request)
    if grant is not None:  # a viewer without a cookie (a framed launch): the grant rides in the URL
        return request.route_url(
            "media.granted.track",
            grant=grant,
            video_id=video.id,
            expires=expires,
            signature=signature,
            track_id=track.id,
            _query={"v": version},
        )
    return request.route_url(
        "media.track", video_id=video.id, expires=expires, signature=signature, track_id=track.id, _query={"v": version}
    )


def player_tracks(request, video: Video) -> list[PlayerTrack]:
    """The stored tracks the player offers: the first caption/subtitle track in the viewer's language is default."""
    offered, default_taken = [], False
    locale = getattr(request, "locale_name", "") or ""
    for track in video_tracks(request, video):
        default = (
            not default_taken
            and track.kind in ("subtitles", "captions")
            and track.language.split("-")[0] == locale.split("_")[0]
        )
        default_taken = default_taken or default
        offered.append(
            PlayerTrack(
                kind=track.kind,
                language=track.language,
                label=track.label or track.language,
                url=track_url(request, video, track),
                default=default,
            )
        )
    return offered
