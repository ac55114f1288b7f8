"""Signed, expiring media URLs (:mod:`core.web.media` serves the bytes behind them).

A URL is ``/media/<video>/<expires>/<signature>/<path>``: the signature (with a
key of its own, :mod:`core.platform.keys`) binds the video, the expiry and the viewer
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
import time

from pyramid.httpexceptions import HTTPForbidden

from core.access.security import granted
from core.pagecache.regions import personal_fragment, render_personal, sharing
from core.pipeline.storage import job_prefix
from core.platform.errors import ConfigurationError
from core.platform.keys import derived_key
from core.platform.settings import setting

#: The longest lifetime ``amphi.media.url_ttl`` may give a media URL (a day); the shortest is a minute.
MAX_URL_TTL, MIN_URL_TTL = 24 * 3600, 60
ROUNDING = 3600  # expiries are rounded up to the hour, so URLs (and the browser's cache) stay stable a while


def media_secret(request) -> bytes:
    """The key that signs media URLs (see :func:`sign`)."""
    return derived_key(request.registry.settings, "media-url")


def viewer_id(request) -> int:
    return request.user.id if request.user is not None else 0


def sign(request, video_id: int, expires: int, viewer: int) -> str:
    return signature(media_secret(request), video_id, expires, viewer)


def signature(secret: bytes, video_id: int, expires: int, viewer: int) -> str:
    """:func:`sign` with the key at hand (:func:`media_secret`): for many URLs of one request."""
    message = f"{video_id}:{expires}:{viewer}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


def url_ttl(settings) -> int:
    """``amphi.media.url_ttl`` in seconds; a value outside one minute to :data:`MAX_URL_TTL` stops the start."""
    value = setting(settings, "amphi.media.url_ttl")
    if not MIN_URL_TTL <= value <= MAX_URL_TTL:
        raise ConfigurationError(
            f"amphi.media.url_ttl must be a number of seconds from {MIN_URL_TTL} to {MAX_URL_TTL}, not {value!r}"
        )
    return value


def next_expiry(request) -> int:
    """The expiry of a media URL signed now: the next full hour plus ``amphi.media.url_ttl``."""
    return (int(time.time()) // ROUNDING + 1) * ROUNDING + url_ttl(request.registry.settings)


def signed_expiry(request, video) -> tuple[int, str]:
    """``(expires, signature)`` of a new media URL of ``video`` for the request's viewer."""
    expires = next_expiry(request)
    return expires, sign(request, video.id, expires, viewer_id(request))


def check_signature(request, video, expires: int, signature: str, viewer: int | None = None) -> None:
    """Raise 403 unless a media URL is ours, for this viewer, neither expired nor longer-lived than allowed.

    ``viewer``: the viewer the URL was signed for when it is not the request's (0 for a URL signed for
    everyone, such as a card image's: the access rules are checked on every fetch all the same).
    """
    now = time.time()
    longest = now + url_ttl(request.registry.settings) + ROUNDING
    signed_for = viewer_id(request) if viewer is None else viewer
    if (
        not hmac.compare_digest(sign(request, video.id, expires, signed_for), signature)
        or not now <= expires <= longest
    ):
        raise HTTPForbidden()


def media_base(request, video) -> str:
    """The signed base URL of a video's media; append a relative path to it.

    In a page shared between signed-in visitors it is a personal region (the signature names the viewer).
    """
    if sharing(request):
        return str(render_personal(request, "media.base", video_id=video.id))
    return _signed_base(request, video.id)


@personal_fragment("media.base")
def _signed_base(request, video_id: int) -> str:
    expires = next_expiry(request)
    signature = sign(request, video_id, expires, viewer_id(request))
    grant = granted(request)
    if grant is not None:  # a viewer without a cookie (a framed launch): the grant rides in the URLs
        return request.route_url(
            "media.granted", grant=grant, video_id=video_id, expires=expires, signature=signature, path=""
        )
    return request.route_url("media", video_id=video_id, expires=expires, signature=signature, path="")


def media_url(request, video, key: str) -> str:
    """The signed URL of one stored output of ``video`` (its key under the outputs prefix)."""
    return media_base(request, video) + key[len(job_prefix(key)) + 1 :]
