"""Signed, expiring media URLs and the view that serves every media byte.

A URL is ``/media/<video>/<expires>/<signature>/<path>``: the signature (with a
key of its own, :mod:`core.keys`) binds the video, the expiry and the viewer
(their user id; 0 for anonymous), so a copied URL of a restricted video is
useless to someone else. A URL lives ``amphi.media.url_ttl`` seconds (rounded up
to the hour; at most :data:`MAX_URL_TTL`), and one whose expiry lies further
ahead than that is refused, so lowering the setting shortens URLs already out.
Each request is also checked against the video's current access rules, so
revoking access takes effect at once. In production nginx sends the bytes (X-Accel-Redirect);
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

from core.errors import ConfigurationError
from core.keys import derived_key
from core.security import video_permits
from core.settings import setting
from core.storage import check_key, job_prefix

MIME_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl", ".m4s": "video/iso.segment", ".ts": "video/mp2t",
    ".mp4": "video/mp4", ".m4a": "audio/mp4", ".mp3": "audio/mpeg", ".jpg": "image/jpeg",
    ".png": "image/png", ".vtt": "text/vtt",
}
#: Paths only owners may fetch unless the owner allows downloads.
DOWNLOAD_PREFIXES = ("mp4/", "audio.")
#: The longest lifetime ``amphi.media.url_ttl`` may give a media URL (a day); the shortest is a minute.
MAX_URL_TTL, MIN_URL_TTL = 24 * 3600, 60
ROUNDING = 3600  # expiries are rounded up to the hour, so URLs (and the browser's cache) stay stable a while


def _secret(request) -> bytes:
    return derived_key(request.registry.settings, "media-url")


def viewer_id(request) -> int:
    return request.user.id if request.user is not None else 0


def sign(request, video_id: int, expires: int, viewer: int) -> str:
    message = f"{video_id}:{expires}:{viewer}".encode()
    return hmac.new(_secret(request), message, hashlib.sha256).hexdigest()[:32]


def url_ttl(settings) -> int:
    """``amphi.media.url_ttl`` in seconds; a value outside one minute to :data:`MAX_URL_TTL` stops the start."""
    value = setting(settings, "amphi.media.url_ttl")
    if not MIN_URL_TTL <= value <= MAX_URL_TTL:
        raise ConfigurationError(f"amphi.media.url_ttl must be a number of seconds from {MIN_URL_TTL} to "
                                 f"{MAX_URL_TTL}, not {value!r}")
    return value


def signed_expiry(request, video) -> tuple[int, str]:
    """``(expires, signature)`` of a new media URL of ``video`` for the request's viewer."""
    expires = (int(time.time()) // ROUNDING + 1) * ROUNDING + url_ttl(request.registry.settings)
    return expires, sign(request, video.id, expires, viewer_id(request))


def check_signature(request, video, expires: int, signature: str) -> None:
    """Raise 403 unless a media URL is ours, for this viewer, neither expired nor longer-lived than allowed."""
    now = time.time()
    longest = now + url_ttl(request.registry.settings) + ROUNDING
    if (not hmac.compare_digest(sign(request, video.id, expires, viewer_id(request)), signature)
            or not now <= expires <= longest):
        raise HTTPForbidden()


def media_base(request, video) -> str:
    """The signed base URL of a video's media; append a relative path to it."""
    expires, signature = signed_expiry(request, video)
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
    check_signature(request, video, expires, md["signature"])
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
    url_ttl(config.get_settings())  # a wrong value stops the start, naming the setting
    config.add_route("media", "/media/{video_id:\\d+}/{expires:\\d+}/{signature:[0-9a-f]{32}}/*path")
    config.scan("core.media_urls")
