"""The LDAP password form's target, and the site admin's Directory status page."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from core.plugin_api import TooManyAttempts, ValidationError, login_methods, provision_user, safe_next, sign_in
from plugins.auth_ldap.directory import DirectoryUnavailable, service_check
from plugins.auth_ldap.lookup import NAME, SignInRefused, authenticate, site_config
from plugins.auth_ldap.status import record_failure, record_success, site_status


@view_config(route_name="auth_ldap.login", request_method="POST", renderer="login.html")
def login(request):
    username = request.POST.get("username", "").strip()
    next_url = safe_next(request, request.POST.get("next"))

    def refuse(status: int, message: str):
        request.response.status = status
        return {"methods": login_methods(request), "next": next_url, "error": message, "username": username}

    if not request.plugin_settings(NAME)["password_form"]:
        return refuse(404, request.translate("This sign-in method is not offered on this site."))
    try:
        attributes = authenticate(request, username, request.POST.get("password", ""))
        # The directory's spelling of the username when the mapping names one (PROF → prof).
        known_as = (attributes.get("username") or [username])[0]
        user = provision_user(request, known_as, create=request.plugin_settings(NAME)["create_users"], method=NAME)
    except TooManyAttempts:
        return refuse(429, request.translate("Too many failed attempts. Wait a few minutes and try again."))
    except SignInRefused:
        return refuse(401, request.translate("Wrong username or password."))
    except DirectoryUnavailable:
        return refuse(
            503,
            request.translate(
                "The university directory cannot be reached. Try again later, or use another sign-in method."
            ),
        )
    except ValidationError as exc:
        return refuse(403, request.translate(next(iter(exc.errors.values()))))
    if not user.is_active:
        return refuse(403, request.translate("This account is disabled."))
    sign_in(request, user, NAME, {**attributes, "username": [user.username]})
    return HTTPFound(next_url)


@view_config(route_name="auth_ldap.login", request_method="GET")
def login_get(request):
    return HTTPFound(request.route_url("login", _query={"next": safe_next(request, request.params.get("next"))}))


@view_config(route_name="auth_ldap.status", renderer="plugins.auth_ldap:templates/status.html", permission="site-admin")
def status_page(request):
    """The last error and success with the directory; POST checks the connection now."""
    checked = None
    if request.method == "POST":
        try:
            config = site_config(request)
            if config is None:
                raise DirectoryUnavailable("no directory server is set")
            service_check(config)
        except DirectoryUnavailable as exc:
            record_failure(request, str(exc))
            checked = False
        else:
            record_success(request)
            checked = True
    return {"status": site_status(request), "checked": checked, "servers": request.plugin_settings(NAME)["server_uris"]}
