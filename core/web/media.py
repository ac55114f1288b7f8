"""The views that serve every media byte behind a signed URL (:mod:`core.catalogue.media_urls`).

Each request is checked against the URL's signature and the video's current access rules. In
production nginx sends the bytes (X-Accel-Redirect); on the embedded default they are streamed
with range requests.
"""

from __future__ import annotations

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound
from pyramid.view import view_config

from core.access.security import video_permits
from core.catalogue.lookup import get_site_video
from core.catalogue.media_urls import check_signature, url_ttl
from core.catalogue.tracks import active_plugins
from core.models import Track, Video
from core.pipeline.card_images import CARD_FOLDER, card_key, card_path, make_card_image
from core.pipeline.storage import check_key, job_prefix
from core.web.responses import serve_key, shared_cache_may_keep

#: Paths only owners may fetch unless the owner allows downloads.
DOWNLOAD_PREFIXES = ("mp4/", "audio.")


def signed_video(request, viewer: int | None = None) -> Video:
    """The video of a media URL, once its signature and the viewer's right to watch are checked (else 403/404).

    ``viewer``: who the URL was signed for, when not the request's viewer (0: everyone).
    """
    md = request.matchdict
    video = get_site_video(request, md["video_id"])
    check_signature(request, video, int(md["expires"]), md["signature"], viewer)
    if not video_permits(request, video, "view"):
        raise HTTPForbidden()
    return video


@view_config(route_name="media", request_method=("GET", "HEAD"))
@view_config(route_name="media.granted", request_method=("GET", "HEAD"))
def media(request):
    path = "/".join(request.matchdict["path"])
    if path.startswith(CARD_FOLDER + "/"):
        return card_image(request, path)
    video = signed_video(request)
    if path.startswith(DOWNLOAD_PREFIXES) and not (video.allow_downloads or video_permits(request, video, "edit")):
        raise HTTPForbidden()
    master = next((f for f in video.files if f.kind in ("hls-master",)), None)
    if master is None:
        raise HTTPNotFound()
    try:
        key = check_key(f"{job_prefix(master.key)}/{path}")
    except ValueError:
        raise HTTPNotFound() from None
    return serve_key(request, key, public=shared_cache_may_keep(video))


def card_image(request, path: str):
    """A video card's image (:mod:`core.pipeline.card_images`): signed for everyone, checked against the access rules,
    made from the current poster the first time it is fetched."""
    video = signed_video(request, viewer=0)
    if video.access == "password":  # its images stay locked, as its page does, whoever asks
        raise HTTPForbidden()
    if not video.poster_key or path != card_path(video.poster_key):
        raise HTTPNotFound()
    key = card_key(video)
    if not request.storage.exists(key) and not make_card_image(request, video, key):
        raise HTTPNotFound()
    return serve_key(request, key, public=shared_cache_may_keep(video))


@view_config(route_name="media.track", request_method=("GET", "HEAD"))
@view_config(route_name="media.granted.track", request_method=("GET", "HEAD"))
def serve_track(request):
    video = signed_video(request)
    track = request.dbsession.get(Track, int(request.matchdict["track_id"]))
    if track is None or track.video_id != video.id or track.plugin not in active_plugins(request) or not track.key:
        raise HTTPNotFound()
    return serve_key(request, track.key, public=shared_cache_may_keep(video))


def includeme(config):
    url_ttl(config.get_settings())  # a wrong value stops the start, naming the setting
    prefix = "/media/{video_id:\\d+}/{expires:\\d+}/{signature:[0-9a-f]{32}}"
    config.add_route("media.track", prefix + "/tracks/{track_id:\\d+}.vtt")  # before "media", which would take it
    config.add_route("media", prefix + "/*path")
    # The same, carrying a URL grant (core.access.security.url_grant_token): for a frame without cookies.
    granted = "/media/g/{grant:[A-Za-z0-9_.-]+}/{video_id:\\d+}/{expires:\\d+}/{signature:[0-9a-f]{32}}"
    config.add_route("media.granted.track", granted + "/tracks/{track_id:\\d+}.vtt")
    config.add_route("media.granted", granted + "/*path")
    config.scan("core.web.media")
