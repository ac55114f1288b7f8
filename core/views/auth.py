"""Sign-in page (the site's methods), sign-out, and the language switch."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from core.i18n import LANGUAGES, SESSION_LOCALE
from core.security import check_visitor_post, safe_next, sign_out
from core.ui import contributions


def login_methods(request) -> list:
    methods = contributions(request, "amphi_login_methods")
    return sorted(methods, key=lambda m: (m.order, m.title))


@view_config(route_name="login", renderer="login.html", request_method="GET")
def login_page(request):
    next_url = safe_next(request, request.params.get("next"))
    if request.user is not None:
        return HTTPFound(next_url)
    return {"methods": login_methods(request), "next": next_url, "error": None, "username": ""}


@view_config(route_name="logout", request_method="POST")
def logout(request):
    single_logout_url = sign_out(request)
    return HTTPFound(single_logout_url or request.route_url("home"))


@view_config(route_name="language", request_method="POST", require_csrf=False)
def choose_language(request):
    check_visitor_post(request)  # anonymous pages carry no token: they stay cacheable
    locale = request.POST.get("locale")
    if locale in LANGUAGES:
        request.session[SESSION_LOCALE] = locale
        if request.user is not None:
            request.user.locale = locale
    return HTTPFound(safe_next(request, request.POST.get("next")))
