"""A site's access groups: created, renamed, deleted and filled by its admins (page and API).

A group's ``source`` says who keeps it: ``local`` groups are the admins'; groups the sign-in
rules made (``rules``, see :mod:`core.access.identity`) or a plugin keeps follow their source at every
sign-in, so their name and members are not edited by hand.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select

from core.access.users import USERNAME
from core.models import Group, IdentityRule, User, group_members
from core.platform.errors import ValidationError
from core.platform.i18n import _

LOCAL = "local"


def check_group_fields(name, title) -> dict:
    """``{"name", "title"}`` of a group as typed (the title defaults to the name); raise ValidationError."""
    errors = {}
    if not isinstance(name, str) or not USERNAME.fullmatch(name):
        errors["name"] = _("A group name of letters, digits and . @ + - _ (at most 150).")
    if not isinstance(title, str) or len(title) > 200:
        errors["title"] = _("At most 200 characters.")
    if errors:
        raise ValidationError(errors)
    return {"name": name, "title": title.strip() or name}


def check_name_free(dbsession, site_id: int, name: str, group: Group | None = None) -> None:
    clash = select(Group.id).where(Group.site_id == site_id, Group.name == name)
    if group is not None:
        clash = clash.where(Group.id != group.id)
    if dbsession.scalar(clash) is not None:
        raise ValidationError({"name": _("This group exists already.")})


def create_group(request, name, title="") -> Group:
    """A new local group of the request's site."""
    fields = check_group_fields(name, title)
    check_name_free(request.dbsession, request.site.id, fields["name"])
    group = Group(site_id=request.site.id, source=LOCAL, **fields)
    request.dbsession.add(group)
    request.dbsession.flush()
    return group


def rename_group(request, group: Group, name, title) -> None:
    fields = check_group_fields(name, title)
    check_name_free(request.dbsession, group.site_id, fields["name"], group)
    group.name, group.title = fields["name"], fields["title"]


def add_members(request, group: Group, text: str) -> list[User]:
    """Add the site's users named in ``text`` (separated by spaces, commas or semicolons); all or none.

    Raises ValidationError naming the usernames that are no active user of the site.
    """
    names = list(dict.fromkeys(n for n in re.split(r"[\s,;]+", text or "") if n))
    if not names:
        raise ValidationError({"usernames": _("Type one or more usernames.")})
    found = {
        user.username: user
        for user in request.dbsession.scalars(
            select(User).where(User.site_id == group.site_id, User.username.in_(names))
        )
    }
    unknown = [name for name in names if name not in found or not found[name].is_active]
    if unknown:
        raise ValidationError(
            {"usernames": _("No such user on this site: ${names}", mapping={"names": ", ".join(unknown)})}
        )
    added = [found[name] for name in names if found[name] not in group.members]
    group.members.extend(added)
    return added


def member_counts(dbsession, groups: list[Group]) -> dict[int, int]:
    """``{group id: members}`` for a page of groups, in one query."""
    ids = [g.id for g in groups]
    if not ids:
        return {}
    rows = dbsession.execute(
        select(group_members.c.group_id, func.count())
        .where(group_members.c.group_id.in_(ids))
        .group_by(group_members.c.group_id)
    )
    return dict(rows.all())


def granting_rules(dbsession, group: Group) -> list[IdentityRule]:
    """The sign-in rules that put people in ``group``."""
    return list(
        dbsession.scalars(
            select(IdentityRule)
            .where(
                IdentityRule.site_id == group.site_id, IdentityRule.kind == "group", IdentityRule.target == group.name
            )
            .order_by(IdentityRule.id)
        )
    )


def site_groups(dbsession, site_id: int) -> list[Group]:
    return dbsession.scalars(select(Group).where(Group.site_id == site_id).order_by(Group.name)).all()
