"""The grant a launch gives its frame: one video, one viewer, a few hours, in the URL (never a cookie).

``<site>.<user>.<video>.<expires>.<signature>``: the signature (HMAC-SHA256 with a key of its own,
derived from the session secret) binds the four. The core reads it from the embed page's ``?grant=``
and carries it into the page's media URLs (``amphi_url_grant``); it opens nothing but that video's
embed page, media and position reports, and the video's access rules still apply on every request.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time

from core.models import User
from core.plugin_api import UrlGrant, derived_key

log = logging.getLogger(__name__)


def _signature(settings, payload: str) -> str:
    return hmac.new(derived_key(settings, "moodle-grant"), payload.encode(), hashlib.sha256).hexdigest()[:32]


def make_grant(request, user: User, video_id: int, seconds: int) -> str:
    payload = f"{request.site.id}.{user.id}.{video_id}.{int(time.time()) + seconds}"
    return f"{payload}.{_signature(request.registry.settings, payload)}"


def read_grant(request, token: str) -> UrlGrant | None:
    """The grant's viewer and video, if ``token`` is ours, for this site and not expired; else None (logged)."""
    parts = token.split(".")
    if len(parts) != 5 or not all(p.isdigit() for p in parts[:4]):
        log.info("LTI grant refused: malformed")
        return None
    site_id, user_id, video_id, expires = (int(p) for p in parts[:4])
    if not hmac.compare_digest(_signature(request.registry.settings, ".".join(parts[:4])), parts[4]):
        log.info("LTI grant refused: bad signature")
        return None
    if expires < time.time() or site_id != request.site.id:
        log.info("LTI grant refused: expired or of another site (site %s, video %s)", site_id, video_id)
        return None
    user = request.dbsession.get(User, user_id)
    return UrlGrant(user=user, video_id=video_id) if user is not None else None
