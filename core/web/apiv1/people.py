"""``/api/v1/``: the current user, the site's users (admins) and groups."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPForbidden, HTTPNoContent, HTTPUnauthorized
from pyramid.view import view_config
from sqlalchemy import or_, select

from core.access.groups import create_group, rename_group
from core.access.security import may_list_members
from core.access.users import ROLES, guard_role_change, set_active, set_role
from core.catalogue.lookup import site_group, site_user
from core.models import Group, User
from core.platform.errors import ValidationError
from core.platform.i18n import _
from core.web.apiv1.common import json_object, paginated


def user_json(request, user: User) -> dict:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "affiliation": user.affiliation,
        "role": user.role,
        "active": user.is_active,
        "groups": sorted(g.name for g in user.groups),
        "last_login": user.last_login.isoformat() if user.last_login else None,
    }


def group_json(request, group: Group) -> dict:
    return {
        "id": group.id,
        "name": group.name,
        "title": group.title,
        "source": group.source,
        "members": len(group.members),
    }


@view_config(route_name="v1.me", renderer="json", request_method="GET")
def me(request):
    if request.user is None:
        raise HTTPUnauthorized(_("Sign in, or send an access token."))
    return {**user_json(request, request.user), "site": request.site.slug}


@view_config(route_name="v1.users", renderer="json", request_method="GET", permission="site-admin")
def users(request):
    query = select(User).where(User.site_id == request.site.id).order_by(User.username, User.id)
    text = request.params.get("q", "").strip()
    if text:
        like = f"%{text.replace('%', '').replace('_', '')}%"
        query = query.where(or_(User.username.ilike(like), User.display_name.ilike(like)))
    role = request.params.get("role")
    if role:
        if role not in ROLES:
            raise ValidationError({"role": _("one of ${roles}", mapping={"roles": ", ".join(ROLES)})})
        query = query.where(*role_clause(role))
    return paginated(request, query, user_json)


def role_clause(role: str) -> list:
    return {
        "superuser": [User.is_superuser.is_(True)],
        "site-admin": [User.is_site_admin.is_(True), User.is_superuser.is_(False)],
        "staff": [User.can_upload.is_(True), User.is_site_admin.is_(False)],
        "user": [User.can_upload.is_(False)],
    }[role]


@view_config(route_name="v1.user", renderer="json", request_method="GET", permission="site-admin")
def user_detail(request):
    return user_json(request, site_user(request))


@view_config(route_name="v1.user", renderer="json", request_method="PATCH", permission="site-admin")
def user_update(request):
    user, body = site_user(request), json_object(request)
    role = body.get("role", user.role)
    active = body.get("active", user.is_active)
    if not isinstance(active, bool):
        raise ValidationError({"active": _("true or false")})
    guard_role_change(request, user, role, deactivate=not active)
    set_role(user, role)
    set_active(request, user, active)
    return user_json(request, user)


@view_config(route_name="v1.groups", renderer="json", request_method="GET", permission="upload")
def groups(request):
    query = select(Group).where(Group.site_id == request.site.id).order_by(Group.name, Group.id)
    return paginated(request, query, group_json)


@view_config(route_name="v1.groups", renderer="json", request_method="POST", permission="site-admin")
def group_create(request):
    body = json_object(request)
    group = create_group(request, body.get("name", ""), body.get("title", ""))
    request.response.status = 201
    request.response.location = request.route_url("v1.group", group_id=group.id)
    return group_json(request, group)


@view_config(route_name="v1.group", renderer="json", request_method="GET", permission="authenticated")
def group_detail(request):
    group = site_group(request)
    if not may_list_members(request, group):
        raise HTTPForbidden(_("Only the site administrators and the group's members see who is in it."))
    return {**group_json(request, group), "member_usernames": sorted(u.username for u in group.members)}


@view_config(route_name="v1.group", renderer="json", request_method="PATCH", permission="site-admin")
def group_update(request):
    group = site_group(request, local=True)
    body = json_object(request)
    rename_group(request, group, body.get("name", group.name), body.get("title", group.title))
    return group_json(request, group)


@view_config(route_name="v1.group", request_method="DELETE", permission="site-admin")
def group_delete(request):
    request.dbsession.delete(site_group(request, local=True))
    return HTTPNoContent()


@view_config(route_name="v1.group.member", request_method="PUT", permission="site-admin")
def member_add(request):
    group, user = site_group(request, local=True), site_user(request)
    if user not in group.members:
        group.members.append(user)
    return HTTPNoContent()


@view_config(route_name="v1.group.member", request_method="DELETE", permission="site-admin")
def member_remove(request):
    group, user = site_group(request, local=True), site_user(request)
    if user in group.members:
        group.members.remove(user)
    return HTTPNoContent()
