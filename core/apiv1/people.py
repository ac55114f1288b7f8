"""``/api/v1/``: the current user, the site's users (admins) and groups."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPConflict, HTTPForbidden, HTTPNoContent, HTTPNotFound, HTTPUnauthorized
from pyramid.view import view_config
from sqlalchemy import or_, select

from core.apiv1.common import json_object, paginated
from core.errors import ValidationError
from core.i18n import _
from core.models import Group, User
from core.security import may_list_members
from core.users import ROLES, USERNAME, set_role
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
    user.is_active = active
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
    name = body.get("name", group.name if group else "")
    title = body.get("title", group.title if group else "")
    errors = {}
    if not isinstance(name, str) or not USERNAME.fullmatch(name):
        errors["name"] = _("A group name of letters, digits and . @ + - _ (at most 150).")
    if not isinstance(title, str) or len(title) > 200:
        errors["title"] = _("At most 200 characters.")
    if errors:
        raise ValidationError(errors)
    return {"name": name, "title": title or name}


@view_config(route_name="v1.groups", renderer="json", request_method="POST", permission="site-admin")
def group_create(request):
    fields = group_fields(json_object(request), None)
    if request.dbsession.scalar(select(Group).where(Group.site_id == request.site.id, Group.name == fields["name"])):
        raise ValidationError({"name": _("This group exists already.")})
    group = Group(site_id=request.site.id, source="local", **fields)
    request.dbsession.add(group)
    request.dbsession.flush()
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
    clash = request.dbsession.scalar(select(Group).where(Group.site_id == request.site.id,
                                                         Group.name == fields["name"], Group.id != group.id))
    if clash is not None:
        raise ValidationError({"name": _("This group exists already.")})
    group.name, group.title = fields["name"], fields["title"]
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
