"""Personal access tokens for the API: created and revoked by their owner, sent as ``Bearer``.

A request that carries ``Authorization: Bearer ...`` is identified by the token alone (the
session cookie is ignored), so it needs no CSRF token; a token that is unknown, revoked,
expired, of another site or of a disabled user gets a 401. A ``read`` token may only read.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from pyramid.httpexceptions import HTTPForbidden, HTTPUnauthorized
from sqlalchemy import select

from core.models import TOKEN_SCOPES, AccessToken, User, utcnow
from core.platform.errors import ValidationError
from core.platform.i18n import _

TOKEN_PREFIX = "amphi_"
EXPIRY_DAYS = (30, 90, 365, 0)  # 0: never
SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")
SESSION_COOKIE = "amphi_session"
#: What a client without credentials is told to send (RFC 6750).
BEARER_CHALLENGE = 'Bearer realm="Amphi"'
LAST_USED_RESOLUTION = timedelta(minutes=5)  # do not write on every request


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(request, user: User, name: str, scope: str, days: int) -> tuple[AccessToken, str]:
    """A new token of ``user`` on the request's site, and its secret (shown once, never stored)."""
    name = (name or "").strip()
    errors = {}
    if not name or len(name) > 100:
        errors["name"] = _("A name of 1 to 100 characters, to recognise the token later.")
    if scope not in TOKEN_SCOPES:
        errors["scope"] = _("Choose read or read and write.")
    if days not in EXPIRY_DAYS:
        errors["days"] = _("Choose one of the proposed durations.")
    if errors:
        raise ValidationError(errors)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = AccessToken(
        site_id=request.site.id,
        user_id=user.id,
        name=name,
        scope=scope,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        token_hash=token_hash(secret),
        expires_at=utcnow() + timedelta(days=days) if days else None,
    )
    request.dbsession.add(token)
    request.dbsession.flush()
    return token, secret


def user_tokens(request, user: User) -> list[AccessToken]:
    return list(
        request.dbsession.scalars(
            select(AccessToken)
            .where(
                AccessToken.user_id == user.id,
                AccessToken.site_id == request.site.id,
                AccessToken.revoked_at.is_(None),
            )
            .order_by(AccessToken.created_at.desc(), AccessToken.id.desc())
        )
    )


def own_token(request, user: User, token_id: int) -> AccessToken | None:
    """The user's token of this id on this site, if it is not revoked yet."""
    token = request.dbsession.get(AccessToken, token_id)
    if token is None or token.user_id != user.id or token.site_id != request.site.id or token.revoked_at:
        return None
    return token


def revoke_token(request, user: User, token_id: int) -> bool:
    token = own_token(request, user, token_id)
    if token is None:
        return False
    token.revoked_at = utcnow()
    return True


def bearer_secret(request) -> str | None:
    """The secret of an ``Authorization: Bearer`` header, or None when there is no such header."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def request_token(request) -> AccessToken | None:
    """The request's usable token (reified as ``request.access_token``); notes why a bad one failed."""
    secret = bearer_secret(request)
    if secret is None:
        return None
    now = utcnow()
    token = request.dbsession.scalar(select(AccessToken).where(AccessToken.token_hash == token_hash(secret)))
    if (
        token is None
        or not token.usable(now)
        or token.site_id != request.site.id
        or not token.user.is_active
        or token.user.site_id != request.site.id
    ):
        request.environ["amphi.bad_token"] = True
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        token.last_used_at = now
    return token


def uses_bearer(request) -> bool:
    return bearer_secret(request) is not None


def check_csrf(request) -> bool:
    """Pyramid's CSRF callback: whether this request may carry a browser's ambient credentials.

    A Bearer request carries none. Neither does an API request without the session cookie that no
    plugin identifies (from headers a browser would send by itself): such a client gets the API's
    401, not a "form expired". Pages keep the check (a forged sign-in is a CSRF too).
    """
    if uses_bearer(request):
        return False
    if request.path.startswith("/api/") and SESSION_COOKIE not in request.cookies:
        return request.user is not None
    return True


#: Set in a request's environ by the context factory of a route that reads its own ``Authorization``
#: header (``/metrics``: Prometheus sends its scrape token as a Bearer): API token rules do not apply.
OWN_AUTHORIZATION = "amphi.own_authorization"


def own_authorization(request) -> None:
    """A route's context factory (``factory=own_authorization``): its ``Authorization`` header is its own."""
    request.environ[OWN_AUTHORIZATION] = True


def enforce_token_rules(event) -> None:
    """A bad token is a 401 (not an anonymous request); a read token cannot change anything."""
    request = event.request
    if not uses_bearer(request) or request.environ.get(OWN_AUTHORIZATION):
        return
    token = request.access_token
    if token is None:
        raise HTTPUnauthorized(
            detail=_("This access token is unknown, revoked or expired."),
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    if token.scope != "write" and request.method not in SAFE_METHODS:
        raise HTTPForbidden(detail=_("This access token may only read."))
