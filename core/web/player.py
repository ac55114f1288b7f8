"""What a player on a page needs: signed URLs of a video's media, its tracks, downloads, where to start.

Nothing here depends on the viewer beyond their access: the resume position and the token that
reports it are fetched by the player from ``api.video.position`` (GET), so pages may be shared.

For the core's watch and embed pages and for plugins' pages that show a player (subtitles, chapters...).
"""

from __future__ import annotations

from babel.units import format_unit

from core.access.security import GRANT_PARAM, granted, video_permits
from core.catalogue.media_urls import media_base, media_url
from core.catalogue.tracks import player_tracks
from core.models import Video, ViewProgress
from core.pipeline.audio_tracks import audio_files
from core.platform.i18n import _
from core.platform.ui import contributions


def player_context(request, video: Video) -> dict:
    """What the player needs: signed URLs of the master playlist, poster, storyboard, tracks, downloads."""
    files = {f.kind: f for f in video.files}
    base = media_base(request, video) if "hls-master" in files else ""
    tracks = player_tracks(request, video) + contributions(request, "amphi_player_tracks", video=video)
    may_download = video.allow_downloads or video_permits(request, video, "edit")
    return {
        "master_url": media_url(request, video, files["hls-master"].key) if base else "",
        "poster_url": media_url(request, video, video.poster_key) if base and video.poster_key else "",
        "storyboard_url": media_url(request, video, files["storyboard-vtt"].key) if "storyboard-vtt" in files else "",
        "tracks": tracks,
        "downloads": editor_downloads(video) if may_download else [],
        "download_label": lambda f: download_label(request, f),
        "media_url": lambda key: media_url(request, video, key),
        "start_at": start_time(request),
        "audio_languages": audio_files(video) if base else [],
        "position_url": position_url(request, video),
    }


def player_events_wanted(request) -> bool:
    """Whether an enabled plugin of the request's site implements ``amphi_player_events``."""
    return bool(request.hooks.amphi_player_events.get_hookimpls())


def events_url(request, video: Video) -> str:
    """Where the watch and embed pages' player reports what the viewer does (play, pause, seek...);
    empty where no enabled plugin wants it. Editors' players report nothing: their users are not watching."""
    if not player_events_wanted(request):
        return ""
    grant = granted(request)  # a viewer a URL grant identifies reports with it, as for the position
    return request.route_url("api.video.events", video_id=video.id, _query={GRANT_PARAM: grant} if grant else {})


def position_url(request, video: Video) -> str:
    """Where the player reports the position and the watch time (carrying a URL grant, if one identified the viewer)."""
    grant = granted(request)
    return request.route_url("api.video.position", video_id=video.id, _query={GRANT_PARAM: grant} if grant else {})


#: What each kind of download is, for the reader.
DOWNLOAD_KINDS = {"mp4": _("Video (MP4)"), "audio": _("Sound only (M4A)"), "mp3": _("Sound only (MP3)")}


def editor_downloads(video: Video) -> list:
    """The video's downloadable files (MP4 renditions, sound), in the order the page lists them."""
    return sorted((f for f in video.files if f.kind in DOWNLOAD_KINDS), key=lambda f: (f.kind, f.height or 0))


def download_label(request, media) -> str:
    """``360p — Video (MP4), 12.3 MB`` in the reader's language (``12,3 Mo`` in French)."""
    kind = request.localizer.translate(DOWNLOAD_KINDS[media.kind]) if media.kind in DOWNLOAD_KINDS else media.kind
    size = format_unit(
        media.size / 1_000_000, "digital-megabyte", length="short", format="#,##0.#", locale=request.locale_name
    )
    quality = media.rendition if media.kind == "mp4" else ""  # the sound's rendition is named "audio"
    return f"{quality} — {kind}, {size}" if quality else f"{kind}, {size}"


def start_time(request) -> float:
    try:
        return max(0.0, float(request.params.get("t", 0)))
    except ValueError:
        return 0.0


def resume_position(request, video: Video) -> float:
    """Where the visitor left the video (0: from the start); the player asks for it (``api.video.position``)."""
    if request.user is None:
        return 0.0
    progress = request.dbsession.get(ViewProgress, (request.user.id, video.id))
    return progress.position if progress else 0.0
