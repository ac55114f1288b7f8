"""The site admins' groups pages: the site's groups, a group's members, new and renamed groups.

Groups kept by the sign-in rules (or a plugin) are shown with the rules that fill them; only
local groups are renamed, deleted or filled by hand (see :mod:`core.access.groups`).
"""

from __future__ import annotations

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config
from sqlalchemy import func, select

from core.access.groups import LOCAL, add_members, create_group, granting_rules, member_counts, rename_group
from core.catalogue.lookup import site_group
from core.models import Channel, Group, User, Video, channel_groups, group_members, video_groups
from core.platform.errors import ValidationError
from core.platform.i18n import translate_errors
from core.platform.ui import take_flash
from core.web.views.paging import counted_page

MEMBERS_PER_PAGE = 100
FLASH = "admin.groups"


def group_url(request, group: Group, **query) -> str:
    return request.route_url("admin.group", group_id=group.id, _query=query)


@view_config(route_name="admin.groups", renderer="admin/groups.html", permission="site-admin")
def groups_page(request):
    errors, form = {}, {}
    if request.method == "POST":
        form = {key: request.POST.get(key, "").strip() for key in ("name", "title")}
        try:
            group = create_group(request, form["name"], form["title"])
            request.session.flash(request.translate("Group ${name} created.", name=group.name), FLASH)
            return HTTPFound(group_url(request, group))
        except ValidationError as exc:
            errors = translate_errors(request, exc.errors)
            request.response.status = 400
    groups = request.dbsession.scalars(
        select(Group).where(Group.site_id == request.site.id).order_by(Group.name, Group.id)
    ).all()
    return {
        "groups": groups,
        "counts": member_counts(request.dbsession, groups),
        "errors": errors,
        "form": form,
        "notices": take_flash(request, FLASH),
    }


def members_page(request, group: Group) -> dict:
    """One page of the group's members, by username."""
    query = (
        select(User)
        .join(group_members, group_members.c.user_id == User.id)
        .where(group_members.c.group_id == group.id)
        .order_by(User.username, User.id)
    )
    listed = counted_page(request, query, MEMBERS_PER_PAGE, lambda number: group_url(request, group, page=number))
    listed["members"] = listed.pop("rows")
    return listed


def group_values(request, group: Group, errors: dict | None = None, form: dict | None = None) -> dict:
    return {
        "group": group,
        "local": group.source == LOCAL,
        "rules": granting_rules(request.dbsession, group),
        "errors": errors or {},
        "form": form or {"name": group.name, "title": group.title, "usernames": ""},
        "notices": take_flash(request, FLASH),
        **members_page(request, group),
    }


@view_config(route_name="admin.group", renderer="admin/group.html", permission="site-admin", request_method="GET")
def group_page(request):
    return group_values(request, site_group(request))


@view_config(route_name="admin.group", renderer="admin/group.html", permission="site-admin", request_method="POST")
def rename(request):
    group = site_group(request, local=True)
    form = {key: request.POST.get(key, "").strip() for key in ("name", "title")}
    try:
        rename_group(request, group, form["name"], form["title"])
    except ValidationError as exc:
        request.response.status = 400
        return group_values(request, group, translate_errors(request, exc.errors), {**form, "usernames": ""})
    request.session.flash(request.translate("Group ${name} saved.", name=group.name), FLASH)
    return HTTPFound(group_url(request, group))


@view_config(
    route_name="admin.group.members", renderer="admin/group.html", permission="site-admin", request_method="POST"
)
def add(request):
    group = site_group(request, local=True)
    usernames = request.POST.get("usernames", "")
    try:
        added = add_members(request, group, usernames)
    except ValidationError as exc:
        request.response.status = 400
        form = {"name": group.name, "title": group.title, "usernames": usernames}
        return group_values(request, group, translate_errors(request, exc.errors), form)
    request.session.flash(
        request.ngettext("${n} member added.", "${n} members added.", len(added), n=len(added)), FLASH
    )
    return HTTPFound(group_url(request, group))


@view_config(route_name="admin.group.member.remove", permission="site-admin", request_method="POST")
def remove(request):
    group = site_group(request, local=True)
    user = request.dbsession.get(User, int(request.matchdict["user_id"]))
    if user is not None and user in group.members:
        group.members.remove(user)
        request.session.flash(request.translate("${name} is no longer a member.", name=user.username), FLASH)
    return HTTPFound(group_url(request, group))


def users_of(request, group: Group) -> dict:
    """What lets this group in: videos and channels that name it."""
    db = request.dbsession
    return {
        "videos": db.scalar(
            select(func.count()).select_from(video_groups).join(Video).where(video_groups.c.group_id == group.id)
        ),
        "channels": db.scalar(
            select(func.count()).select_from(channel_groups).join(Channel).where(channel_groups.c.group_id == group.id)
        ),
    }


@view_config(route_name="admin.group.delete", renderer="admin/group_delete.html", permission="site-admin")
def delete(request):
    """Confirm, then delete a local group: the videos and channels it opened stay closed to its members."""
    group = site_group(request, local=True)
    if request.method == "POST":
        request.dbsession.delete(group)
        request.dbsession.flush()
        request.session.flash(request.translate("Group ${name} deleted.", name=group.name), FLASH)
        return HTTPFound(request.route_url("admin.groups"))
    return {"group": group, **users_of(request, group)}
