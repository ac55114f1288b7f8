"""Who may upload from Opencast Studio, and as whom.

Three ways, tried in order:

* the user's Amphi session, when Studio is served by the site itself (same origin:
  a request that names another ``Origin`` or ``Referer`` is refused);
* HTTP Basic with a user name and a personal access token of that user (scope
  ``write``, made on the account page): how a hosted Studio signs in as each user;
* HTTP Basic or Digest with the account configured in the settings (``account_username``,
  ``account_password``), acting as the Amphi user of that name.

The user must be allowed to upload on the site.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from sqlalchemy import select

from core.models import AccessToken, User, utcnow
from core.plugin_api import find_user, token_hash, uses_bearer
from plugins.opencast_ingest.api import (
    REALM,
    IngestPrincipal,
    basic_credentials,
    digest_ha1,
    digest_params,
    digest_valid,
    nonce_secret,
    request_challenge,
)

NAME = "opencast_studio"


def settings_of(request) -> dict:
    return request.plugin_settings(NAME)


def same_origin(request) -> bool:
    """Whether a browser request comes from a page of this site (Origin, else Referer, must match)."""
    for header in ("Origin", "Referer"):
        value = request.headers.get(header)
        if value:
            parts = urlsplit(value)
            return f"{parts.scheme}://{parts.netloc}" == request.host_url
    return True  # no browser sends a cross-site POST without Origin; SameSite=Lax keeps the cookie home anyway


def may_upload(user: User | None) -> bool:
    return user is not None and user.is_active and user.is_staff


def principal_for(request) -> IngestPrincipal | None:
    """The Studio client's principal, or None."""
    user = credentials_user(request) if "Authorization" in request.headers else session_user(request)
    if not may_upload(user) or user.site_id != request.site.id:
        return None
    layout = settings_of(request)["layout"]
    return IngestPrincipal(user, NAME, {"layout": layout})


def session_user(request) -> User | None:
    return request.user if same_origin(request) else None


def credentials_user(request) -> User | None:
    if uses_bearer(request):
        return request.user  # a personal access token, checked by the core
    settings = settings_of(request)
    basic = basic_credentials(request)
    if basic is not None:
        username, password = basic
        user = token_user(request, username, password)
        if user is None and account_matches(settings, username, password):
            user = find_user(request.dbsession, request.site.id, username)
        return user
    params = digest_params(request)
    account = settings["account_username"]
    if params is None or not account or not settings["account_password"] or params["username"] != account:
        return None
    ha1 = digest_ha1(account, REALM, settings["account_password"])
    if not digest_valid(request, params, ha1, nonce_secret(request), REALM):
        return None
    return find_user(request.dbsession, request.site.id, account)


def account_matches(settings: dict, username: str, password: str) -> bool:
    account, secret = settings["account_username"], settings["account_password"]
    return bool(account and secret) and username == account and hmac.compare_digest(password, secret)


def token_user(request, username: str, secret: str) -> User | None:
    """The user whose personal write token ``secret`` is, when ``username`` is theirs."""
    token = request.dbsession.scalar(select(AccessToken).where(AccessToken.token_hash == token_hash(secret)))
    if (
        token is None
        or not token.usable(utcnow())
        or token.scope != "write"
        or token.site_id != request.site.id
        or token.user.username != username
    ):
        return None
    return token.user


def challenge(request) -> str | None:
    """Digest when the client asks for it (``X-Requested-Auth: Digest``), else Basic."""
    if request.headers.get("X-Requested-Auth", "").lower() == "digest":
        settings = settings_of(request)
        if settings["account_username"] and settings["account_password"]:
            return request_challenge(request, REALM)
    if "Authorization" in request.headers or request.headers.get("Origin", request.host_url) != request.host_url:
        return f'Basic realm="{REALM}"'
    return None  # a same-origin Studio whose session ended: no browser password prompt
