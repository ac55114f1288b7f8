"""Signed, expiring media URLs and the view that serves every media byte.

A URL is ``/media/<video>/<expires>/<signature>/<path>``: the signature binds
the video, the expiry and the viewer (their user id; 0 for anonymous), so a
copied URL of a restricted video is useless to someone else. Each request is
also checked against the video's current access rules, so revoking access
takes effect at once. In production nginx sends the bytes (X-Accel-Redirect);
on the embedded default the core streams them with range requests.
"""

from __future__ import annotations

import hashlib
import hmac
import mimetypes
import time

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound
from pyramid.response import FileIter, Response
from pyramid.view import view_config

from core.keys import derived_key
from core.security import video_permits
from core.storage import check_key, job_prefix

MIME_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl", ".m4s": "video/iso.segment", ".ts": "video/mp2t",
    ".mp4": "video/mp4", ".m4a": "audio/mp4", ".mp3": "audio/mpeg", ".jpg": "image/jpeg",
    ".png": "image/png", ".vtt": "text/vtt",
}
#: Paths only owners may fetch unless the owner allows downloads.
DOWNLOAD_PREFIXES = ("mp4/", "audio.")


def _secret(request) -> bytes:
    return derived_key(request.registry.settings, "media-url")


def viewer_id(request) -> int:
    return request.user.id if request.user is not None else 0


def sign(request, video_id: int, expires: int, viewer: int) -> str:
    message = f"{video_id}:{expires}:{viewer}".encode()
    return hmac.new(_secret(request), message, hashlib.sha256).hexdigest()[:32]


def media_base(request, video) -> str:
    """The signed base URL of a video's media; append a relative path to it."""
    ttl = int(request.registry.settings.get("amphi.media.url_ttl", 6 * 3600))
    # Rounded to the hour so URLs (and the browser's cache) stay stable for a while.
    expires = (int(time.time()) // 3600 + 1) * 3600 + ttl
    signature = sign(request, video.id, expires, viewer_id(request))
    return request.route_url("media", video_id=video.id, expires=expires, signature=signature, path="")


def media_url(request, video, key: str) -> str:
    """The signed URL of one stored output of ``video`` (its key under the outputs prefix)."""
    return media_base(request, video) + key[len(job_prefix(key)) + 1:]


def serve_key(request, key: str, public: bool) -> Response:
    """Answer with the bytes of ``key``: X-Accel-Redirect for nginx, or streamed with ranges."""
    storage = request.storage
    if not storage.exists(key):
        raise HTTPNotFound()
    extension = "." + key.rsplit(".", 1)[-1] if "." in key.rsplit("/", 1)[-1] else ""
    content_type = MIME_TYPES.get(extension) or mimetypes.guess_type(key)[0] or "application/octet-stream"
    cache = "public, max-age=3600" if public else "private, max-age=3600"
    accel = storage.accel_path(key)
    if accel:
        response = Response(content_type=content_type, headerlist=[("X-Accel-Redirect", accel)])
    else:
        handle = storage.open(key)
        response = Response(content_type=content_type, app_iter=FileIter(handle), conditional_response=True,
                            content_length=storage.size(key))
        response.accept_ranges = "bytes"
    response.cache_control = cache
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@view_config(route_name="media", request_method=("GET", "HEAD"))
def media(request):
    from core.views.pages import get_site_video  # the views import this module

    md = request.matchdict
    video = get_site_video(request, md["video_id"])
    expires, path = int(md["expires"]), "/".join(md["path"])
    expected = sign(request, video.id, expires, viewer_id(request))
    if not hmac.compare_digest(expected, md["signature"]) or expires < time.time():
        raise HTTPForbidden()
    if not video_permits(request, video, "view"):
        raise HTTPForbidden()
    if path.startswith(DOWNLOAD_PREFIXES) and not (video.allow_downloads or video_permits(request, video, "edit")):
        raise HTTPForbidden()
    master = next((f for f in video.files if f.kind in ("hls-master",)), None)
    if master is None:
        raise HTTPNotFound()
    try:
        key = check_key(f"{job_prefix(master.key)}/{path}")
    except ValueError:
        raise HTTPNotFound() from None
    # Shared caches may keep only what anyone may fetch (not a video still waiting for its date).
    return serve_key(request, key, public=video.access == "public" and video.is_published())


def includeme(config):
    config.add_route("media", "/media/{video_id:\\d+}/{expires:\\d+}/{signature:[0-9a-f]{32}}/*path")
    config.scan("core.media_urls")
