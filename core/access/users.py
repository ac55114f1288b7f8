"""Users of a site: creating them, their roles, finding, disabling, new passwords, deleting.

For the CLI, the admin pages, the API and plugins.
"""

from __future__ import annotations

import re
import secrets

from sqlalchemy import func, or_, select

from core.access.sessions import end_user_sessions
from core.models import User, Video
from core.platform.errors import ValidationError
from core.platform.i18n import _

ROLES = ("user", "staff", "site-admin", "superuser")
ROLE_LABELS = {
    "user": _("User"),
    "staff": _("Staff (may upload)"),
    "site-admin": _("Site administrator"),
    "superuser": _("Superuser"),
}
USERNAME = re.compile(r"^[\w.@+-]{1,150}$")


def set_role(user: User, role: str) -> None:
    """Roles: user < staff (may upload) < site-admin < superuser."""
    if role not in ROLES:
        raise ValidationError({"role": _("One of ${roles} is expected.", mapping={"roles": ", ".join(ROLES)})})
    user.can_upload = role != "user"
    user.is_site_admin = role in ("site-admin", "superuser")
    user.is_superuser = role == "superuser"


def find_user(dbsession, site_id: int, username: str) -> User | None:
    return dbsession.scalar(select(User).where(User.site_id == site_id, User.username == username))


def create_user(
    request,
    username: str,
    *,
    display_name: str = "",
    email: str = "",
    role: str = "user",
    password: str | None = None,
    site=None,
) -> User:
    """Create a user of the request's site (or ``site``); store a password if given."""
    site = site or request.site
    if not USERNAME.match(username or ""):
        raise ValidationError({"username": _("Letters, digits and . @ + - _ only, at most 150.")})
    if find_user(request.dbsession, site.id, username) is not None:
        raise ValidationError({"username": _("${name} exists already on this site.", mapping={"name": username})})
    user = User(site_id=site.id, username=username, display_name=display_name, email=email)
    set_role(user, role)
    request.dbsession.add(user)
    request.dbsession.flush()
    if password:
        stored = request.hooks.amphi_set_password(request=request, user=user, password=password)
        if not stored:
            raise ValidationError({"password": _("No sign-in method of this site stores passwords.")})
    return user


# --- the site admins' user administration -------------------------------------------------

#: ``status`` filters of the users page.
USER_STATUSES = ("active", "disabled")


def users_query(site_id: int, text: str = "", status: str = ""):
    """The site's users by username, those whose username, name or email holds ``text``."""
    query = select(User).where(User.site_id == site_id).order_by(User.username, User.id)
    text = (text or "").strip()
    if text:
        like = "%" + re.sub(r"([\\%_])", r"\\\1", text.lower()) + "%"  # typed % and _ are plain characters
        query = query.where(
            or_(
                *(
                    func.lower(column).like(like, escape="\\")
                    for column in (User.username, User.display_name, User.email)
                )
            )
        )
    if status in USER_STATUSES:
        query = query.where(User.is_active.is_(status == "active"))
    return query


def set_active(request, user: User, active: bool) -> None:
    """Enable or disable an account. A disabled user is nobody: no sign-in, and their sessions and
    tokens are refused where every request's user is loaded (:func:`core.access.security._identity`);
    their sessions are also ended, so enabling the account again does not revive them."""
    if not active and user.is_active:
        end_user_sessions(request.dbsession, user)
    user.is_active = active


def new_password(length: int = 16) -> str:
    """A random password to give by hand (letters and digits, easy to read out)."""
    alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def reset_password(request, user: User) -> str:
    """Give ``user`` a new random password (a sign-in plugin stores it) and end their sessions.

    Returns the password, to show once to the admin. Raises ValidationError when no enabled
    sign-in method of the site stores passwords.
    """
    password = new_password()
    if not request.hooks.amphi_set_password(request=request, user=user, password=password):
        raise ValidationError({"password": _("No sign-in method of this site stores passwords.")})
    end_user_sessions(request.dbsession, user)
    return password


def owned_video_count(dbsession, user: User) -> int:
    return dbsession.scalar(select(func.count()).select_from(Video).where(Video.owner_id == user.id))


def guard_role_change(request, user: User | None, role: str, deactivate: bool = False) -> None:
    """Only a superuser grants or touches the superuser role; nobody demotes or disables themselves."""
    me = request.user
    if not me.is_superuser and (role == "superuser" or (user is not None and user.is_superuser)):
        raise ValidationError({"role": request.translate("Only a superuser can make a superuser.")})
    if user is not None and user.id == me.id and (role != me.role or deactivate):
        raise ValidationError({"role": request.translate("You cannot change your own role.")})


def guard_other(request, user: User) -> None:
    """Password resets and deletions: never one's own account; a superuser's only by a superuser."""
    if user.id == request.user.id:
        raise ValidationError({"account": request.translate("Not on your own account.")})
    guard_role_change(request, user, user.role)


def find_heir(request, user: User, username: str) -> User:
    """The active user of the site who is to receive ``user``'s videos; raise ValidationError."""
    heir = find_user(request.dbsession, user.site_id, (username or "").strip())
    if heir is None or not heir.is_active or heir.id == user.id:
        raise ValidationError({"heir": _("Choose another active user of this site to receive the videos.")})
    return heir


def delete_user(request, user: User, heir: User | None = None) -> list[int]:
    """Delete ``user`` for good; the videos they own go to ``heir`` first (required if they own any).

    Their co-ownerships, group memberships, tokens and what plugins keep of them (notes,
    playlists...) go with them. Returns the ids of the videos given to ``heir``.
    """
    videos = request.dbsession.scalars(select(Video).where(Video.owner_id == user.id).order_by(Video.id)).all()
    if videos and heir is None:
        raise ValidationError({"heir": _("This user owns videos: choose who receives them.")})
    given = []
    for video in videos:
        video.owner = heir
        if heir in video.additional_owners:
            video.additional_owners.remove(heir)
        given.append(video.id)
    request.dbsession.flush()
    request.dbsession.delete(user)
    request.dbsession.flush()
    return given
