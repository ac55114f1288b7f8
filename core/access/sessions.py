"""Server-side records of signed-in sessions (:class:`core.models.UserSession`).

The signed session cookie carries the user's id and a random key; the key's SHA-256 names a
row. A request is signed in only while that row exists and was seen within
``amphi.session_max_age``: signing out deletes the row, so a copy of the cookie taken before
is worthless, and a user or a site admin can end any session from a list. Checking costs one
indexed query, which loads the user too; ``last_seen_at`` is written at most every
:data:`LAST_SEEN_RESOLUTION`. Visitors who are not signed in have no row and cost no query.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from huey import crontab
from sqlalchemy import bindparam, delete, select

from core.access.tokens import LAST_USED_RESOLUTION, token_hash
from core.models import User, UserSession, utcnow
from core.platform.settings import setting
from core.platform.tasks import huey, worker_request

SESSION_USER = "auth.user_id"
SESSION_KEY = "auth.key"
#: How stale ``last_seen_at`` may get before a request writes it (not a write per request), as for tokens.
LAST_SEEN_RESOLUTION = LAST_USED_RESOLUTION
_CURRENT = "amphi.session_record"  # environ: the id of the request's own record


def max_age(settings) -> timedelta:
    return timedelta(seconds=setting(settings, "amphi.session_max_age"))


def open_record(request, user: User, method: str) -> UserSession:
    """Record a new session of ``user`` and put its key in the (fresh) session cookie."""
    key = secrets.token_urlsafe(32)
    request.session[SESSION_USER] = user.id
    request.session[SESSION_KEY] = key
    record = UserSession(
        site_id=request.site.id,
        user_id=user.id,
        key_hash=token_hash(key),
        method=method[:64],
        user_agent=(request.user_agent or "")[:300],
        address=(request.remote_addr or "")[:64],
    )
    request.dbsession.add(record)
    request.dbsession.flush()
    request.environ[_CURRENT] = record.id
    return record


#: Built once (every signed-in request asks it): the user and the record the cookie names.
_SESSION_QUERY = (
    select(User, UserSession)
    .join(UserSession, UserSession.user_id == User.id)
    .where(UserSession.key_hash == bindparam("key_hash"), User.id == bindparam("user_id"))
)


def session_user(request) -> User | None:
    """The user whose session the cookie names, while its record holds; else None."""
    user_id, key = request.session.get(SESSION_USER), request.session.get(SESSION_KEY)
    if user_id is None or not isinstance(key, str):
        return None
    found = request.dbsession.execute(_SESSION_QUERY, {"key_hash": token_hash(key), "user_id": user_id}).first()
    if found is None:
        return None
    user, record = found
    now = utcnow()
    if (
        not user.is_active
        or record.site_id != request.site.id
        or user.site_id != request.site.id
        or record.last_seen_at < now - max_age(request.registry.settings)
    ):
        return None
    if now - record.last_seen_at > LAST_SEEN_RESOLUTION:
        record.last_seen_at = now
    request.environ[_CURRENT] = record.id
    return user


def current_record_id(request) -> int | None:
    """The id of the request's own session record (None for a request not signed in by a session)."""
    return request.environ.get(_CURRENT)


def end_current(request) -> None:
    """Delete the request's own record: its cookie, and every copy of it, signs nobody in any more."""
    record_id = request.environ.pop(_CURRENT, None)
    if record_id is not None:
        request.dbsession.execute(delete(UserSession).where(UserSession.id == record_id))


def end_user_sessions(dbsession, user: User, keep: int | None = None) -> int:
    """Delete every record of ``user`` but ``keep``; return how many ended."""
    query = delete(UserSession).where(UserSession.user_id == user.id)
    if keep is not None:
        query = query.where(UserSession.id != keep)
    return dbsession.execute(query).rowcount


def end_own_session(request, record_id: int) -> bool:
    """Delete one record of the signed-in user on this site; False when there is no such record."""
    result = request.dbsession.execute(
        delete(UserSession).where(
            UserSession.id == record_id, UserSession.user_id == request.user.id, UserSession.site_id == request.site.id
        )
    )
    return result.rowcount > 0


def user_sessions(request, user: User) -> list[UserSession]:
    """The open sessions of ``user`` on the request's site, most recently seen first."""
    since = utcnow() - max_age(request.registry.settings)
    return list(
        request.dbsession.scalars(
            select(UserSession)
            .where(
                UserSession.user_id == user.id,
                UserSession.site_id == request.site.id,
                UserSession.last_seen_at >= since,
            )
            .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
        )
    )


def purge_expired_sessions(dbsession, max_age_seconds: int) -> int:
    """Delete the records idle for longer than the sessions' maximum age; return how many."""
    cutoff = utcnow() - timedelta(seconds=max_age_seconds) - LAST_SEEN_RESOLUTION
    return dbsession.execute(delete(UserSession).where(UserSession.last_seen_at < cutoff)).rowcount


#: (token in the User-Agent, name shown), first match wins: Edge and Opera also say Chrome, Chrome says Safari.
_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def describe_agent(user_agent: str) -> tuple[str, str]:
    """``(browser, system)`` named from a User-Agent header; empty strings for what it does not say."""
    browser = next((name for token, name in _BROWSERS if token in user_agent), "")
    system = next((name for token, name in _SYSTEMS if token in user_agent), "")
    return browser, system


@huey.periodic_task(crontab(minute="23"))
def purge_sessions() -> None:
    """Forget the session records idle for longer than ``amphi.session_max_age`` (their cookies are dead)."""
    with worker_request() as request:
        purge_expired_sessions(request.dbsession, setting(request.registry.settings, "amphi.session_max_age"))
