"""Failed form sign-ins (local passwords, LDAP), counted so that an attacker cannot lock an account's owner out.

An attempt is counted before the password is checked, in one step with the limit
(:mod:`core.access.ratelimit`). After a successful sign-in the browser keeps a *device cookie*, signed and
bound to the site and the username (OWASP's "device cookies"). Failures from a browser holding
the account's device cookie count against that browser alone; failures from anywhere else count
against the account and against the client's network (four times the account's limit, across
accounts). Guesses from many addresses thus block only browsers the account never used: its
owner still signs in from theirs. The cookie opens nothing by itself; it only chooses the counter.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from core.access.ratelimit import RateLimit, client_network, take_each
from core.models import RateLimitHit
from core.platform.keys import derived_key
from core.platform.settings import setting

DEVICE_COOKIE = "amphi_device"
DEVICE_COOKIE_DAYS = 365


@dataclass
class Attempt:
    """One counted sign-in attempt: the hits taken, and the counter a success resets."""

    limiter: RateLimit
    key: str
    hits: list[RateLimitHit]


def _signature(request, username: str, device: str) -> str:
    message = f"{request.site.id}|{username.strip().lower()}|{device}".encode()
    return hmac.new(derived_key(request.registry.settings, "device-cookie"), message, hashlib.sha256).hexdigest()[:32]


def known_device(request, username: str) -> str | None:
    """The id of this browser if it holds a device cookie of ``username`` on this site, else None."""
    device, _sep, signature = request.cookies.get(DEVICE_COOKIE, "").partition(".")
    if not device or not hmac.compare_digest(signature, _signature(request, username, device)):
        return None
    return device


def remember_device(request, username: str) -> None:
    """Give the browser a device cookie of ``username`` (set on the response)."""
    device = known_device(request, username) or secrets.token_urlsafe(16)
    value = f"{device}.{_signature(request, username, device)}"
    secure = setting(request.registry.settings, "amphi.session_secure")

    def set_cookie(request, response) -> None:
        response.set_cookie(
            DEVICE_COOKIE,
            value,
            max_age=DEVICE_COOKIE_DAYS * 86400,
            httponly=True,
            samesite="Lax",
            secure=secure,
            path="/",
        )

    request.add_response_callback(set_cookie)


def begin_attempt(request, limiter: RateLimit, username: str) -> Attempt:
    """Count an attempt to sign in as ``username``; raises TooManyAttempts past a limit."""
    db, site_id = request.dbsession, request.site.id
    device = known_device(request, username)
    if device is not None:
        key = f"device:{device}"
        return Attempt(limiter, key, take_each(db, site_id, (limiter, key)))
    key = f"user:{username.strip().lower()}"
    by_address = RateLimit(limiter.scope, limiter.limit * 4, limiter.window)
    hits = take_each(db, site_id, (limiter, key), (by_address, f"addr:{client_network(request)}"))
    return Attempt(limiter, key, hits)


def attempt_succeeded(request, attempt: Attempt, username: str) -> None:
    """The password was right: clear the counter, take the address's hit back, remember the browser."""
    attempt.limiter.reset(request.dbsession, request.site.id, attempt.key)
    RateLimit.forget(request.dbsession, attempt.hits[1:])
    remember_device(request, username)


def attempt_void(request, attempt: Attempt) -> None:
    """The attempt could not be judged (the directory was down): it counts for nothing."""
    RateLimit.forget(request.dbsession, attempt.hits)
