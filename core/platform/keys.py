"""Keys derived from the one configured secret (``amphi.session_secret``), one per purpose.

``key = HMAC-SHA256(secret, "amphi key: " + purpose)``: a key (or a MAC made with it) of one
purpose says nothing of the secret or of the other keys, and a signature made for one use is
never valid for another. Purposes in use: :data:`PURPOSES`; a plugin names its own
(``"<plugin>.<purpose>"``).
"""

from __future__ import annotations

import hashlib
import hmac

from core.platform.settings import setting

PURPOSES = {
    "session-cookie": "signs the session cookie",
    "media-url": "signs media URLs (core.catalogue.media_urls)",
    "device-cookie": "signs the cookie of a browser where an account signed in (core.access.signin_attempts)",
}


def derived_key(settings, purpose: str) -> bytes:
    """The 32-byte key of ``purpose`` derived from ``settings["amphi.session_secret"]``."""
    secret = setting(settings, "amphi.session_secret")
    if not secret:
        raise ValueError("amphi.session_secret is empty")
    return hmac.new(secret.encode("utf-8"), b"amphi key: " + purpose.encode("utf-8"), hashlib.sha256).digest()
