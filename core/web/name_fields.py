"""Form fields that name people or groups of the site ("ada, bob; lee"): the names, then the rows.

An unknown name is an error on the field (``errors[field]``, in words listing the names), never a
silent drop: a teacher who mistypes a colleague's name must see it.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from core.models import Group, User
from core.platform.i18n import _

_SEPARATORS = re.compile(r"[\s,;]+")


def names_in(text: str | None) -> list[str]:
    """The names in a field, split on spaces, commas and semicolons."""
    return [name for name in _SEPARATORS.split(text or "") if name]


def users_named(request, text: str | None, field: str, errors: dict) -> list[User]:
    """The site's users whose usernames ``text`` lists; unknown names go to ``errors[field]``."""
    names = names_in(text)
    if not names:
        return []
    users = list(
        request.dbsession.scalars(select(User).where(User.site_id == request.site.id, User.username.in_(names)))
    )
    missing = set(names) - {user.username for user in users}
    if missing:
        errors[field] = _("Unknown users: ${names}", mapping={"names": ", ".join(sorted(missing))})
    return users


def groups_named(request, text: str | None, field: str, errors: dict) -> list[Group]:
    """The site's groups whose names ``text`` lists; unknown names go to ``errors[field]``."""
    names = names_in(text)
    if not names:
        return []
    groups = list(
        request.dbsession.scalars(select(Group).where(Group.site_id == request.site.id, Group.name.in_(names)))
    )
    missing = set(names) - {group.name for group in groups}
    if missing:
        errors[field] = _("Unknown groups: ${names}", mapping={"names": ", ".join(sorted(missing))})
    return groups
