"""What the site's directory says of a user: after any sign-in, and for the LDAP password form."""

from __future__ import annotations

from core.models import User
from core.plugin_api import SESSION_METHOD, RateLimit, attempt_succeeded, attempt_void, begin_attempt
from plugins.auth_ldap.directory import (
    DirectoryConfig,
    DirectoryUnavailable,
    check_password,
    find_user,
    user_attributes,
)
from plugins.auth_ldap.status import record_failure, record_success

NAME = "auth_ldap"


def site_config(request) -> DirectoryConfig | None:
    """The site's directory configuration; None when unset. Raises DirectoryMisconfigured."""
    return DirectoryConfig.from_settings(request.plugin_settings(NAME))


def attributes_after_sign_in(request, user: User) -> dict[str, list[str]] | None:
    """The user's directory attributes in Amphi's names, or None (unknown, unset, or unreachable).

    A directory that is down is logged and recorded for the site admin; the sign-in goes on.
    """
    if request.session.get(SESSION_METHOD) == NAME:
        return None  # the password form looked the user up already and passed the attributes
    if not request.plugin_settings(NAME)["lookup_on_sign_in"]:
        return None
    try:
        config = site_config(request)
        if config is None:
            return None
        entry = find_user(config, user.username)
        result = user_attributes(config, entry) if entry is not None else None
    except DirectoryUnavailable as exc:
        record_failure(request, str(exc))
        return None
    record_success(request)
    return result


class SignInRefused(Exception):
    """Wrong username or password (the message never says which)."""


def failures(request) -> RateLimit:
    settings = request.plugin_settings(NAME)
    return RateLimit("auth_ldap.failed", settings["max_failures"], settings["failure_window"])


def authenticate(request, username: str, password: str) -> dict[str, list[str]]:
    """The directory attributes of ``username`` if ``password`` binds as them.

    Raises TooManyAttempts (rate limit), SignInRefused (wrong credentials, counted as a
    failure), or DirectoryUnavailable (recorded for the site admin, not counted).
    """
    attempt = begin_attempt(request, failures(request), username)  # counted before the directory is asked
    try:
        config = site_config(request)
        if config is None:
            raise DirectoryUnavailable("no directory server is set")
        entry = find_user(config, username) if username and password else None
        if entry is not None and check_password(config, entry.dn, password):
            attributes = user_attributes(config, entry)
        else:
            attributes = None
    except DirectoryUnavailable as exc:
        attempt_void(request, attempt)
        record_failure(request, str(exc))
        raise
    record_success(request)
    if attributes is None:
        raise SignInRefused()
    attempt_succeeded(request, attempt, username)
    return attributes
