"""Sign-in, self sign-up and password change pages of local accounts."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPForbidden, HTTPFound, HTTPNotFound
from pyramid.view import view_config

from core.plugin_api import (
    TooManyAttempts,
    ValidationError,
    _,
    attempt_succeeded,
    begin_attempt,
    check_password,
    create_user,
    end_sessions,
    login_methods,
    safe_next,
    sign_in,
)
from plugins.auth_local.models import LocalCredential
from plugins.auth_local.passwords import (
    NAME,
    AccountDisabled,
    NoPasswordYet,
    authenticate,
    check_password_rules,
    failures,
    set_password,
)


@view_config(route_name="auth_local.login", request_method="POST", renderer="login.html")
def login(request):
    username = request.POST.get("username", "").strip()
    next_url = safe_next(request, request.POST.get("next"))
    try:
        user = authenticate(request, username, request.POST.get("password", ""))
    except (TooManyAttempts, NoPasswordYet, AccountDisabled) as exc:
        status, message = REFUSALS[type(exc)]
        return refused(request, status, request.translate(message), next_url, username)
    if user is None:
        return refused(request, 401, request.translate("Wrong username or password."), next_url, username)
    sign_in(request, user, NAME, {"username": user.username})
    credential = request.dbsession.get(LocalCredential, user.id)
    if credential.must_change:  # a password an administrator gave: the owner chooses their own now
        return HTTPFound(request.route_url("auth_local.password", _query={"given": 1, "next": next_url}))
    return HTTPFound(next_url)


#: Why a sign-in is refused, beyond a wrong password: the status and the message.
REFUSALS = {
    TooManyAttempts: (429, _("Too many failed attempts. Wait a few minutes and try again.")),
    NoPasswordYet: (
        401,
        _(
            "This account has no password yet: sign in with your institution's account if "
            "you have one, or ask an administrator of the site to give you a password."
        ),
    ),
    AccountDisabled: (403, _("This account is disabled; ask an administrator of the site.")),
}


def refused(request, status: int, error: str, next_url: str, username: str) -> dict:
    request.response.status = status
    return {"methods": login_methods(request), "next": next_url, "error": error, "username": username}


@view_config(route_name="auth_local.login", request_method="GET")
def login_get(request):
    return HTTPFound(request.route_url("login", _query={"next": safe_next(request, request.params.get("next"))}))


@view_config(route_name="auth_local.signup", renderer="plugins.auth_local:templates/signup.html")
def signup(request):
    if not request.plugin_settings(NAME)["signup"]:
        raise HTTPNotFound()
    form = {k: request.POST.get(k, "").strip() for k in ("username", "display_name", "email")}
    errors = {}
    if request.method == "POST":
        password = request.POST.get("password", "")
        try:
            if password != request.POST.get("password_confirm", ""):
                raise ValidationError({"password_confirm": request.translate("The two passwords differ.")})
            check_password_rules(request, password)
            user = create_user(
                request,
                form["username"],
                display_name=form["display_name"],
                email=form["email"],
                role="user",
                password=password,
            )
            sign_in(request, user, NAME, {"username": user.username, "signup": True})
            return HTTPFound(request.route_url("home"))
        except ValidationError as exc:
            errors = exc.errors
            request.response.status = 400
    return {"form": form, "errors": errors}


@view_config(route_name="auth_local.password", renderer="plugins.auth_local:templates/password.html")
def change_password(request):
    user = request.user
    if user is None:
        raise HTTPForbidden()
    errors, done = {}, False
    if request.method == "POST":
        credential = request.dbsession.get(LocalCredential, user.id)
        new = request.POST.get("new_password", "")
        try:
            # Guesses of the current password (from a session someone else holds) count as failed sign-ins.
            attempt = begin_attempt(request, failures(request), user.username)
            if credential is None or not check_password(
                credential.password_hash, request.POST.get("current_password", "")
            ):
                raise ValidationError({"current_password": request.translate("This is not your current password.")})
            attempt_succeeded(request, attempt, user.username)
            if new != request.POST.get("password_confirm", ""):
                raise ValidationError({"password_confirm": request.translate("The two passwords differ.")})
            check_password_rules(request, new)
            set_password(request, user, new)
            end_sessions(request, user)  # a stolen session dies with the old password
            done = True
        except ValidationError as exc:
            errors = exc.errors
            request.response.status = 400
        except TooManyAttempts:
            errors = {"current_password": request.translate(REFUSALS[TooManyAttempts][1])}
            request.response.status = 429
    next_url = safe_next(request, request.params.get("next"), "")
    return {"errors": errors, "done": done, "given": "given" in request.params and not done, "next": next_url}
