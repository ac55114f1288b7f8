"""User administration for site admins: search and pages, a user's page (role, disabling, sessions,
a new password, deletion), and new accounts."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPFound
from pyramid.renderers import render_to_response
from pyramid.view import view_config

from core.access.security import end_sessions
from core.access.users import (
    ROLE_LABELS,
    ROLES,
    create_user,
    delete_user,
    find_heir,
    guard_other,
    guard_role_change,
    owned_video_count,
    reset_password,
    set_active,
    set_role,
    users_query,
)
from core.catalogue.channels import videos_changed
from core.catalogue.lookup import site_user
from core.models import User
from core.platform.errors import ValidationError
from core.platform.i18n import _, translate_errors
from core.platform.ui import take_flash
from core.web.views.paging import counted_page

USERS_PER_PAGE = 50
FLASH = "admin.users"


def user_page_url(request, user: User) -> str:
    return request.route_url("admin.user", user_id=user.id)


def users_list(request) -> dict:
    """One page of the site's users, as searched, with the links to its neighbours."""
    text, status = request.params.get("q", "").strip()[:150], request.params.get("status", "")

    def page_url(number: int) -> str:
        return request.route_url("admin.users", _query={"q": text, "status": status, "page": number})

    listed = counted_page(request, users_query(request.site.id, text, status), USERS_PER_PAGE, page_url)
    listed["users"] = listed.pop("rows")
    return {**listed, "q": text, "status": status}


@view_config(route_name="admin.users", renderer="admin/users.html", permission="site-admin")
def users_page(request):
    errors, form = {}, {}
    if request.method == "POST":
        form = {k: request.POST.get(k, "").strip() for k in ("username", "display_name", "email", "role", "password")}
        try:
            guard_role_change(request, None, form["role"] or "user")
            user = create_user(
                request,
                form["username"],
                display_name=form["display_name"],
                email=form["email"],
                role=form["role"] or "user",
                password=form["password"] or None,
            )
            return HTTPFound(
                request.route_url(
                    "admin.users", _query={"created": user.username, "password": int(bool(form["password"]))}
                )
            )
        except ValidationError as exc:
            errors = translate_errors(request, exc.errors)
            request.response.status = 400
    return {
        **users_list(request),
        "roles": ROLES,
        "role_labels": ROLE_LABELS,
        "errors": errors,
        "form": form,
        "created": request.params.get("created"),
        "created_without_password": request.params.get("password") == "0",
        "notices": take_flash(request, FLASH),
    }


def user_values(request, user: User, errors: dict | None = None) -> dict:
    return {
        "account": user,
        "roles": ROLES,
        "role_labels": ROLE_LABELS,
        "errors": errors or {},
        "owned_videos": owned_video_count(request.dbsession, user),
        "is_me": user.id == request.user.id,
        "notices": take_flash(request, FLASH),
    }


@view_config(route_name="admin.user", renderer="admin/user.html", permission="site-admin", request_method="GET")
def user_page(request):
    return user_values(request, site_user(request))


@view_config(route_name="admin.user", permission="site-admin", request_method="POST")
def change_user(request):
    """A new role (and, for older forms and scripts, ``active``)."""
    user = site_user(request)
    role = request.POST.get("role", "")
    guard_role_change(request, user, role, deactivate=request.POST.get("active") == "0")
    set_role(user, role)
    if "active" in request.POST:
        set_active(request, user, request.POST["active"] == "1")
    request.session.flash(request.translate("The role of ${name} was saved.", name=user.username), FLASH)
    return back_from(request, user)


@view_config(route_name="admin.user.active", permission="site-admin", request_method="POST")
def change_active(request):
    """Disable an account (it can no longer sign in, nor use its sessions or tokens) or enable it again."""
    user = site_user(request)
    active = request.POST.get("active") == "1"
    guard_role_change(request, user, user.role, deactivate=not active)
    set_active(request, user, active)
    message = _("${name} may sign in again.") if active else _("${name} is disabled: signed out, tokens refused.")
    request.session.flash(request.translate(message, name=user.username), FLASH)
    return HTTPFound(user_page_url(request, user))


@view_config(route_name="admin.user.sessions", permission="site-admin", request_method="POST")
def end_user_sessions(request):
    """Sign a user out everywhere (a lost laptop, a shared account)."""
    user = site_user(request)
    guard_role_change(request, user, user.role)
    end_sessions(request, user, keep_current=False)
    request.session.flash(request.translate("${name} was signed out everywhere.", name=user.username), FLASH)
    return back_from(request, user)


def back_from(request, user: User) -> HTTPFound:
    """Back to the user's page or to the users page, whichever the form was on."""
    return HTTPFound(
        user_page_url(request, user) if "from_user_page" in request.POST else request.route_url("admin.users")
    )


@view_config(route_name="admin.user.password", permission="site-admin", request_method="POST")
def give_new_password(request):
    """Give the user a new random password, shown once on this page; their sessions end."""
    user = site_user(request)
    try:
        guard_other(request, user)
        password = reset_password(request, user)
    except ValidationError as exc:
        response = render_to_response(
            "admin/user.html", user_values(request, user, translate_errors(request, exc.errors)), request=request
        )
        response.status = 400
        return response
    response = render_to_response("admin/user_password.html", {"account": user, "password": password}, request=request)
    response.cache_control = "no-store"
    return response


@view_config(route_name="admin.user.delete", renderer="admin/user_delete.html", permission="site-admin")
def delete_page(request):
    """Confirm a deletion; the videos the user owns go to another user chosen here."""
    user, errors, heir_name = site_user(request), {}, request.POST.get("heir", "").strip()
    owned = owned_video_count(request.dbsession, user)
    if request.method == "POST":
        try:
            guard_other(request, user)
            heir = find_heir(request, user, heir_name) if owned else None
            given = delete_user(request, user, heir)
            videos_changed(request, given)  # their owner's name is part of what search finds
            message = request.translate("The account ${name} was deleted.", name=user.username)
            if given:
                message += " " + request.ngettext(
                    "Its video now belongs to ${heir}.",
                    "Its ${n} videos now belong to ${heir}.",
                    len(given),
                    n=len(given),
                    heir=heir.username,
                )
            request.session.flash(message, FLASH)
            return HTTPFound(request.route_url("admin.users"))
        except ValidationError as exc:
            errors = translate_errors(request, exc.errors)
            request.response.status = 400
    return {"account": user, "owned_videos": owned, "heir": heir_name, "errors": errors}
