"""Identity, sessions, passwords and permissions.

Identity comes from the session (set by :func:`sign_in`, whichever plugin
authenticated the user) or, failing that, from the ``amphi_identify`` hooks.
Permissions on videos are the core's rules plus the ``amphi_permits`` answers.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pyramid.csrf import check_csrf_origin, check_csrf_token, get_csrf_token, new_csrf_token
from pyramid.events import ContextFound
from pyramid.exceptions import BadCSRFOrigin, BadCSRFToken
from pyramid.httpexceptions import HTTPForbidden
from pyramid.security import Allowed, Denied
from pyramid.session import SignedCookieSessionFactory
from pyramid.util import strings_differ
from sqlalchemy import select

from core.access.identity import process_sign_in
from core.access.sessions import (
    SESSION_USER,
    current_record_id,
    end_current,
    end_user_sessions,
    open_record,
    session_user,
)
from core.access.tokens import SESSION_COOKIE, check_csrf, enforce_token_rules, request_token, token_hash, uses_bearer
from core.models import Group, ShareLink, User, Video, utcnow
from core.platform.errors import ConfigurationError
from core.platform.i18n import SESSION_LOCALE
from core.platform.keys import derived_key
from core.platform.plugins import collect, fire
from core.platform.settings import setting

log = logging.getLogger(__name__)

SESSION_METHOD = "auth.method"
UNLOCKED_VIDEOS = "access.unlocked"  # "<video id>:<fingerprint of its password hash>"
SHARE_LINKS = "access.share_links"  # token hashes of the share links opened in this session
MAX_SHARE_LINKS = 20

# OWASP's argon2id profile (19 MiB, 2 passes): argon2-cffi's default takes 64 MiB per hash,
# which eight server threads signing people in at once would multiply into a memory spike.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(password_hash: str, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class LoginMethod:
    """One way to sign in, shown on the sign-in page.

    ``url`` is where the button or form goes; ``form_template`` (optional) is a
    template rendered inline instead of a button, e.g. a username/password form.
    """

    name: str
    title: str
    url: str
    form_template: str = ""
    order: int = 100


@dataclass(frozen=True)
class UrlGrant:
    """What a grant carried in a URL opens (``amphi_url_grant``): one video, for one viewer."""

    user: User
    video_id: int


#: The routes a URL grant opens, all of them of the video it names (``video_id`` in the route).
GRANT_ROUTES = frozenset(
    {
        "video.embed",
        "media",
        "media.track",
        "media.granted",
        "media.granted.track",
        "api.video.position",
        "api.video.events",
    }
)
GRANT_PARAM = "grant"
GRANT_ENVIRON = "amphi.url_grant"
_GRANTED_MEDIA = re.compile(r"^/media/g/([A-Za-z0-9_.-]{1,500})/")


def url_grant_token(request) -> str | None:
    """The grant token the request's URL carries (``?grant=`` or ``/media/g/<token>/``), unchecked."""
    found = _GRANTED_MEDIA.match(request.path_info)
    if found:
        return found.group(1)
    token = request.GET.get(GRANT_PARAM)
    return token if token and len(token) <= 500 else None


def granted(request) -> str | None:
    """The grant that identified the request's viewer (their URLs carry it on), or ``None``."""
    request.user  # noqa: B018  (identifying the viewer is what records the grant)
    grant = request.environ.get(GRANT_ENVIRON)
    return grant[0] if grant else None


def enforce_grant_scope(event) -> None:
    """A viewer identified by a URL grant reaches only the routes of the video it names."""
    request = event.request
    if url_grant_token(request) is None or granted(request) is None:
        return
    grant = request.environ[GRANT_ENVIRON]
    route = request.matched_route
    video_id = (request.matchdict or {}).get("video_id")
    if route is None or route.name not in GRANT_ROUTES or str(video_id) != str(grant[1]):
        log.info("URL grant refused on %s (route %s)", request.path, route.name if route else None)
        raise HTTPForbidden()


# --- sessions --------------------------------------------------------------


def fresh_session(request) -> None:
    """Drop everything in the session but the chosen language (which is not a secret)."""
    locale = request.session.get(SESSION_LOCALE)
    request.session.invalidate()
    if locale:
        request.session[SESSION_LOCALE] = locale


def sign_in(request, user: User, method: str, attributes: dict | None = None) -> None:
    """Open a session for ``user``: renew the session, record, tell the plugins."""
    if request.session.get(SESSION_USER) is not None and request.user is not None:
        end_current(request)  # signing in over a session: its record goes with its cookie
    fresh_session(request)  # no fixation of what was there before
    open_record(request, user, method)
    request.session[SESSION_METHOD] = method
    new_csrf_token(request)
    user.last_login = utcnow()
    request.user = user
    attributes = process_sign_in(request, user, attributes)
    fire(request, "amphi_user_signed_in", user=user, attributes=attributes)


def sign_out(request) -> str | None:
    """Close the session; return a single-logout URL if a plugin offers one."""
    user = request.user
    logout_url = None
    if user is not None:
        urls = collect(request, "amphi_user_signed_out", expect=str, user=user)
        logout_url = next((u for u in urls if u), None)
    end_current(request)  # copies of the cookie die with it
    fresh_session(request)
    request.user = None
    return logout_url


def end_sessions(request, user: User, keep_current: bool = True) -> int:
    """End every session of ``user`` (their records are deleted); return how many ended.

    The request's own session stays open when it is the user's and ``keep_current``
    (a password change signs out the other devices, not this one).
    """
    keep = None
    if keep_current and request.user is not None and request.user.id == user.id:
        keep = current_record_id(request)
    return end_user_sessions(request.dbsession, user, keep=keep)


def address_in(address: str | None, networks: list[str], setting: str) -> bool:
    """Whether ``address`` lies in one of ``networks`` (addresses or CIDR); a bad entry is logged
    with the ``setting`` it comes from and skipped."""
    try:
        client = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    for network in networks:
        try:
            if client in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            log.error("%s: %r is not an address or network", setting, network)
    return False


def check_visitor_post(request, body_token: str | None = None) -> None:
    """CSRF for a change that visitors without a session may make (views with ``require_csrf=False``).

    A signed-in browser sends its session's token, as everywhere else (or, with ``body_token``, in a
    JSON body: ``navigator.sendBeacon`` cannot send a header). An anonymous visitor
    has no session, hence no token, so that the pages they read stay cacheable
    (:mod:`core.pagecache`): their request must then come from this site (``Sec-Fetch-Site``,
    and ``Origin``/``Referer`` on HTTPS). Raises a 400 otherwise.
    """
    if request.user is not None and not uses_bearer(request) and granted(request) is None:
        if body_token is not None and "X-CSRF-Token" not in request.headers:
            if strings_differ(body_token.encode(), get_csrf_token(request).encode()):
                raise BadCSRFToken("check_csrf_token(): Invalid token")
            return
        check_csrf_token(request)
        return
    if granted(request) is not None:  # the grant is in the URL, which another site cannot know: not ambient
        return
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        raise BadCSRFOrigin("Origin checking failed - a request from another site")
    check_csrf_origin(request)


def safe_next(request, target: str | None, default: str = "/") -> str:
    """Return ``target`` only if it stays on this site (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def _identity(request) -> User | None:
    if uses_bearer(request):  # an API client: the token alone says who it is
        token = request.access_token
        # A disabled account is nobody, whatever its token says (core.access.users.set_active).
        return token.user if token is not None and token.user.is_active else None
    if request.session.get(SESSION_USER) is not None:
        user = session_user(request)  # None for a disabled account too
        if user is not None:
            return user
        request.session.invalidate()  # signed out elsewhere, expired or disabled: the cookie is spent
    token = url_grant_token(request)
    if token is not None:
        grant = request.hooks.amphi_url_grant(request=request, token=token)
        if grant is not None and grant.user.site_id == request.site.id and grant.user.is_active:
            request.environ[GRANT_ENVIRON] = (token, grant.video_id)
            return grant.user
    user = request.hooks.amphi_identify(request=request)
    if user is not None and (user.site_id != request.site.id or not user.is_active):
        return None
    return user


# --- permissions -----------------------------------------------------------

SITE_PERMISSIONS = {
    "authenticated": lambda user: user is not None,
    "upload": lambda user: user is not None and user.is_staff,
    "site-admin": lambda user: user is not None and user.is_admin,
    "superuser": lambda user: user is not None and user.is_superuser,
}


def may_list_members(request, group: Group) -> bool:
    """Who may read a group's member list: the site's admins and the group's own members.

    Uploaders see the groups' names (to choose who may watch), not who is in them.
    """
    user = request.user
    if user is None or group.site_id != request.site.id or user.site_id != request.site.id:
        return False
    return user.is_admin or group.name in user_group_names(request, user)


def user_group_names(request, user: User | None) -> set[str]:
    if user is None:
        return set()
    names = {group.name for group in user.groups}
    # A plugin that fails is skipped: it can only take groups away, never grant access.
    for answer in collect(request, "amphi_user_groups", expect=Iterable, user=user):
        names.update(answer)
    return names


def core_video_rule(request, video: Video, permission: str) -> bool:
    """The core's own answer, before plugins are asked.

    Site admins may do anything; owners and additional owners view and edit
    (only the main owner deletes). Anyone else may only view, a ready video
    whose publication date has come, through a share link opened in this
    session or as its access level allows.
    """
    user = request.user
    if video.site_id != request.site.id:
        return False
    if user is not None and user.site_id != request.site.id:
        user = None  # defence in depth: another site's account is nobody here
    if user is not None and user.is_admin:
        return True
    if video.is_owned_by(user):
        return permission != "delete" or user.id == video.owner_id
    if permission != "view" or video.status != "ready" or not video.is_published():
        return False
    if holds_share_link(request, video):
        return True
    if video.access == "public":
        return True
    if video.access == "signed-in":
        return user is not None
    if video.access == "groups":
        allowed = {group.name for group in video.allowed_groups}
        return bool(allowed & user_group_names(request, user))
    if video.access == "password":
        return _unlock_mark(video) in request.session.get(UNLOCKED_VIDEOS, [])
    return False  # draft


def video_permits(request, video: Video, permission: str) -> bool:
    """The one function that decides access to a video and every byte of it."""
    if video.site_id != request.site.id:
        return False  # no plugin may open another site's video
    decision = core_video_rule(request, video, permission)
    answers = request.hooks.amphi_permits(request=request, video=video, permission=permission)
    if False in answers:
        return False
    return decision or True in answers


def _unlock_mark(video: Video) -> str:
    return _mark(video.id, video.password_hash)


def _mark(video_id: int, password_hash: str) -> str:
    # Bound to the password hash: choosing a new password locks every session again.
    return f"{video_id}:{hashlib.sha256(password_hash.encode()).hexdigest()[:16]}"


def unlock_video(request, video: Video) -> None:
    """Let this session watch a password-protected video (the password was right)."""
    mark = _unlock_mark(video)
    unlocked = [m for m in request.session.get(UNLOCKED_VIDEOS, []) if not m.startswith(f"{video.id}:")]
    request.session[UNLOCKED_VIDEOS] = unlocked[-49:] + [mark]


def find_share_link(request, video: Video, token: str) -> ShareLink | None:
    """The share link of ``video`` whose token this is (only the token's hash is stored)."""
    return request.dbsession.scalar(
        select(ShareLink).where(ShareLink.token_hash == token_hash(token), ShareLink.video_id == video.id)
    )


def open_share_link(request, link: ShareLink) -> None:
    """Remember in the session that its holder opened this share link."""
    opened = [h for h in request.session.get(SHARE_LINKS, []) if h != link.token_hash]
    request.session[SHARE_LINKS] = opened[-(MAX_SHARE_LINKS - 1) :] + [link.token_hash]


def holds_share_link(request, video: Video) -> bool:
    """Whether the session opened a share link of ``video`` that still exists."""
    return video.id in shared_video_ids(request, [video.id])


def shared_video_ids(request, video_ids: list[int] | None = None) -> set[int]:
    """Ids of the videos (of ``video_ids``, else any) whose share link this session opened and that still exists."""
    hashes = request.session.get(SHARE_LINKS) or []
    if not hashes or video_ids == []:
        return set()
    query = select(ShareLink.video_id).where(ShareLink.token_hash.in_(hashes))
    if video_ids is not None:
        query = query.where(ShareLink.video_id.in_(video_ids))
    return set(request.dbsession.scalars(query))


def opened_video_ids(request) -> set[int]:
    """Ids of the videos this session opened: their password given (and not changed since), or a share link.

    What the session may watch beyond its user's rights (:func:`core_video_rule`), whatever those are.
    """
    marks = request.session.get(UNLOCKED_VIDEOS) or []
    ids = {int(mark.split(":", 1)[0]) for mark in marks if mark.split(":", 1)[0].isdigit()}
    opened = shared_video_ids(request)
    if ids:
        rows = request.dbsession.execute(
            select(Video.id, Video.password_hash).where(
                Video.id.in_(ids), Video.site_id == request.site.id, Video.password_hash != ""
            )
        )
        opened |= {video_id for video_id, password_hash in rows if _mark(video_id, password_hash) in marks}
    return opened


class SecurityPolicy:
    """Pyramid security policy: identity from the session or the identity hooks."""

    def identity(self, request):
        return request.user

    def authenticated_userid(self, request):
        user = request.user
        return user.id if user is not None else None

    def permits(self, request, context, permission):
        user = request.user
        if isinstance(context, Video):
            ok = video_permits(request, context, permission)
        elif permission in SITE_PERMISSIONS:
            ok = SITE_PERMISSIONS[permission](user)
        else:
            ok = False
        return Allowed(permission) if ok else Denied(permission)

    def remember(self, request, userid, **kw):
        return []

    def forget(self, request, **kw):
        return []


def find_group(dbsession, site_id: int, name: str) -> Group | None:
    return dbsession.scalar(select(Group).where(Group.site_id == site_id, Group.name == name))


def includeme(config):
    settings = config.get_settings()
    secret = setting(settings, "amphi.session_secret")
    if not secret:
        raise ConfigurationError(
            "amphi.session_secret is empty: set a long random value (or amphi.session_secret_file)"
        )
    config.set_session_factory(
        SignedCookieSessionFactory(
            derived_key(settings, "session-cookie").hex(),
            cookie_name=SESSION_COOKIE,
            httponly=True,
            samesite="Lax",
            secure=setting(settings, "amphi.session_secure"),
            timeout=setting(settings, "amphi.session_max_age"),
            reissue_time=600,
        )
    )
    config.set_security_policy(SecurityPolicy())
    config.set_default_csrf_options(require_csrf=True, token="csrf_token", header="X-CSRF-Token", callback=check_csrf)
    config.add_request_method(request_token, "access_token", reify=True)
    config.add_request_method(_identity, "user", reify=True)
    config.add_subscriber(enforce_token_rules, ContextFound)
    config.add_subscriber(enforce_grant_scope, ContextFound)


def random_password(length: int = 16) -> str:
    return secrets.token_urlsafe(length)[:length]
