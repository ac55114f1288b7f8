"""``/api/v1/``: the current user, the site's users (admins) and groups."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPConflict, HTTPForbidden, HTTPNoContent, HTTPNotFound, HTTPUnauthorized
from pyramid.view import view_config
from sqlalchemy import or_, select

from core.apiv1.common import json_object, paginated
from core.errors import ValidationError
from core.groups import check_group_fields, create_group, rename_group
from core.i18n import _
from core.models import Group, User
from core.security import may_list_members
from core.users import ROLES, set_active, set_role
from core.views.admin import guard_role_change


def user_json(request, user: User) -> dict:
    return {"id": user.id, "username": user.username, "display_name": user.display_name, "email": user.email,
            "affiliation": user.affiliation, "role": user.role, "active": user.is_active,
            "groups": sorted(g.name for g in user.groups),
            "last_login": user.last_login.isoformat() if user.last_login else None}


def group_json(request, group: Group) -> dict:
    return {"id": group.id, "name": group.name, "title": group.title, "source": group.source,
            "members": len(group.members)}


@view_config(route_name="v1.me", renderer="json", request_method="GET")
def me(request):
    if request.user is None:
        raise HTTPUnauthorized(_("Sign in, or send an access token."))
    return {**user_json(request, request.user), "site": request.site.slug}


def site_user(request) -> User:
    user = request.dbsession.get(User, int(request.matchdict["user_id"]))
    if user is None or user.site_id != request.site.id:
        raise HTTPNotFound()
    return user


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
    return {"superuser": [User.is_superuser.is_(True)],
            "site-admin": [User.is_site_admin.is_(True), User.is_superuser.is_(False)],
            "staff": [User.can_upload.is_(True), User.is_site_admin.is_(False)],
            "user": [User.can_upload.is_(False)]}[role]


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


def site_group(request) -> Group:
    group = request.dbsession.get(Group, int(request.matchdict["group_id"]))
    if group is None or group.site_id != request.site.id:
        raise HTTPNotFound()
    return group


def local_group(request) -> Group:
    group = site_group(request)
    if group.source != "local":
        raise HTTPConflict(_("This group is managed by ${source}; change it there.", mapping={"source": group.source}))
    return group


@view_config(route_name="v1.groups", renderer="json", request_method="GET", permission="upload")
def groups(request):
    query = select(Group).where(Group.site_id == request.site.id).order_by(Group.name, Group.id)
    return paginated(request, query, group_json)


def group_fields(body: dict, group: Group | None) -> dict:
    return check_group_fields(body.get("name", group.name if group else ""),
                              body.get("title", group.title if group else ""))


@view_config(route_name="v1.groups", renderer="json", request_method="POST", permission="site-admin")
def group_create(request):
    fields = group_fields(json_object(request), None)
    group = create_group(request, fields["name"], fields["title"])
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
    group = local_group(request)
    fields = group_fields(json_object(request), group)
    rename_group(request, group, fields["name"], fields["title"])
    return group_json(request, group)


@view_config(route_name="v1.group", request_method="DELETE", permission="site-admin")
def group_delete(request):
    request.dbsession.delete(local_group(request))
    return HTTPNoContent()


@view_config(route_name="v1.group.member", request_method="PUT", permission="site-admin")
def member_add(request):
    group, user = local_group(request), site_user(request)
    if user not in group.members:
        group.members.append(user)
    return HTTPNoContent()


@view_config(route_name="v1.group.member", request_method="DELETE", permission="site-admin")
def member_remove(request):
    group, user = local_group(request), site_user(request)
    if user in group.members:
        group.members.remove(user)
    return HTTPNoContent()
