"""The grant a launch gives its frame: one video, one viewer, a few hours, in the URL (never a cookie).

``<site>.<user>.<video>.<course>.<expires>.<signature>``: the signature (HMAC-SHA256 with a key of its own,
derived from the session secret) binds the five; ``<course>`` is the launch's course (0: none), which the
viewer's learning records name (``amphi_xapi_context``). A grant of the earlier form, without the course,
is still read until it expires. The core reads it from the embed page's ``?grant=``
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


#: Where the request's environ keeps what the grant that identified its viewer says: (user, video, course).
GRANT_COURSE_ENVIRON = "amphi.moodle.grant"


def make_grant(request, user: User, video_id: int, seconds: int, course_id: int | None = None) -> str:
    payload = f"{request.site.id}.{user.id}.{video_id}.{course_id or 0}.{int(time.time()) + seconds}"
    return f"{payload}.{_signature(request.registry.settings, payload)}"


def read_grant(request, token: str) -> UrlGrant | None:
    """The grant's viewer and video, if ``token`` is ours, for this site and not expired; else None (logged)."""
    parts = token.split(".")
    if len(parts) not in (5, 6) or not all(p.isdigit() for p in parts[:-1]):
        log.info("LTI grant refused: malformed")
        return None
    numbers = [int(p) for p in parts[:-1]]
    if len(numbers) == 4:  # made before grants named their course
        numbers.insert(3, 0)
    site_id, user_id, video_id, course_id, expires = numbers
    if not hmac.compare_digest(_signature(request.registry.settings, ".".join(parts[:-1])), parts[-1]):
        log.info("LTI grant refused: bad signature")
        return None
    if expires < time.time() or site_id != request.site.id:
        log.info("LTI grant refused: expired or of another site (site %s, video %s)", site_id, video_id)
        return None
    user = request.dbsession.get(User, user_id)
    request.environ[GRANT_COURSE_ENVIRON] = (user_id, video_id, course_id)
    return UrlGrant(user=user, video_id=video_id) if user is not None else None
