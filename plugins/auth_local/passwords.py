"""Storing and checking local passwords; failures are rate limited (:mod:`core.access.signin_attempts`)."""

from __future__ import annotations

from core.models import User
from core.plugin_api import (
    RateLimit,
    ValidationError,
    attempt_succeeded,
    begin_attempt,
    check_password,
    find_user,
    hash_password,
)
from plugins.auth_local.models import LocalCredential

NAME = "auth_local"
# Checked against when the account does not exist, so both cases take as long.
_DUMMY_HASH = hash_password("not a real password")


def check_password_rules(request, password: str) -> None:
    minimum = request.plugin_settings(NAME)["min_password_length"]
    if len(password) < minimum:
        raise ValidationError(
            {"password": request.ngettext("At least ${n} character.", "At least ${n} characters.", minimum, n=minimum)}
        )


def set_password(request, user: User, password: str) -> None:
    """Store ``user``'s password; one set by somebody else (an administrator) is to be changed by its owner."""
    credential = request.dbsession.get(LocalCredential, user.id)
    if credential is None:
        credential = LocalCredential(user_id=user.id, password_hash="")
        request.dbsession.add(credential)
    credential.password_hash = hash_password(password)
    credential.must_change = request.user is not None and request.user.id != user.id
    request.dbsession.flush()


class NoPasswordYet(Exception):
    """The account exists and may sign in, but nobody gave it a password (it was made by an
    administrator without one, or by another sign-in method)."""


class AccountDisabled(Exception):
    """The password is right, but an administrator disabled the account."""


def failures(request) -> RateLimit:
    settings = request.plugin_settings(NAME)
    return RateLimit("auth_local.failed", settings["max_failures"], settings["failure_window"])


def authenticate(request, username: str, password: str) -> User | None:
    """The site's active user with this password, or None. Raises TooManyAttempts, and
    :class:`NoPasswordYet` or :class:`AccountDisabled` to say why a sign-in cannot work.

    Those two say no more about the account than a stranger may learn: that an account of
    this name has no password (its name is public, on its videos and feed), or — to someone
    who typed its right password — that it is disabled. Every answer takes one password check
    and counts against the rate limit alike.
    """
    attempt = begin_attempt(request, failures(request), username)  # counted before the check
    user = find_user(request.dbsession, request.site.id, username)
    credential = request.dbsession.get(LocalCredential, user.id) if user is not None else None
    matches = check_password(credential.password_hash if credential else _DUMMY_HASH, password)
    if user is not None and credential is None and user.is_active:
        raise NoPasswordYet()
    if not matches or credential is None:
        return None
    if not user.is_active:
        raise AccountDisabled()
    attempt_succeeded(request, attempt, username)
    return user
