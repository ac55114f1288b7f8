"""Creating users and setting their roles, for the CLI, the admin pages and plugins."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.errors import ValidationError
from core.i18n import _
from core.models import User

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
        raise ValidationError({"role": f"one of {', '.join(ROLES)} is expected"})
    user.can_upload = role != "user"
    user.is_site_admin = role in ("site-admin", "superuser")
    user.is_superuser = role == "superuser"


def find_user(dbsession, site_id: int, username: str) -> User | None:
    return dbsession.scalar(select(User).where(User.site_id == site_id, User.username == username))


def create_user(request, username: str, *, display_name: str = "", email: str = "", role: str = "user",
                password: str | None = None, site=None) -> User:
    """Create a user of the request's site (or ``site``); store a password if given."""
    site = site or request.site
    if not USERNAME.match(username or ""):
        raise ValidationError({"username": "letters, digits and . @ + - _ only, at most 150"})
    if find_user(request.dbsession, site.id, username) is not None:
        raise ValidationError({"username": f"{username} exists already on this site"})
    user = User(site_id=site.id, username=username, display_name=display_name, email=email)
    set_role(user, role)
    request.dbsession.add(user)
    request.dbsession.flush()
    if password:
        stored = request.hooks.amphi_set_password(request=request, user=user, password=password)
        if not stored:
            raise ValidationError({"password": "no enabled sign-in method of this site stores passwords"})
    return user
