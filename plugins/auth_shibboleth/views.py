"""Shibboleth routes: the redirect to the SP's session initiator, and the callback that reads the attributes."""

from __future__ import annotations

import logging

from pyramid.httpexceptions import HTTPFound, HTTPNotFound
from pyramid.view import view_config

from core.plugin_api import ValidationError, _, login_methods, provision_user, safe_next, sign_in
from plugins.auth_shibboleth import NAME, shib_settings
from plugins.auth_shibboleth.headers import mapped_attributes, trusted, with_param

log = logging.getLogger(__name__)


def enabled_settings(request) -> dict:
    settings = shib_settings(request)
    if not settings["trusted_proxies"]:
        raise HTTPNotFound()
    return settings


@view_config(route_name="auth_shibboleth.login", request_method="GET")
def login(request):
    settings = enabled_settings(request)
    target = request.route_url(
        "auth_shibboleth.callback", _query={"next": safe_next(request, request.params.get("next"))}
    )
    return HTTPFound(with_param(settings["session_initiator"], "target", target))


@view_config(route_name="auth_shibboleth.callback", request_method="GET", renderer="login.html")
def callback(request):
    settings = enabled_settings(request)
    next_url = safe_next(request, request.params.get("next"))
    if not trusted(request.remote_addr, settings["trusted_proxies"]):
        log.warning("Shibboleth attributes from untrusted address %s ignored", request.remote_addr)
        return refuse(
            request,
            next_url,
            403,
            _("Shibboleth sign-in only works through the university's web server; this request did not come from it."),
        )
    attributes = mapped_attributes(request.environ, settings["attribute_map"])
    usernames = attributes.get("username") or []
    if not usernames:
        return refuse(
            request, next_url, 401, _("The identity provider sent no username (no Shibboleth session). Sign in again.")
        )
    try:
        user = provision_user(request, usernames[0], create=settings["create_users"], method=NAME)
    except ValidationError as exc:
        return refuse(request, next_url, 403, " ".join(request.translate(m) for m in exc.errors.values()))
    if not user.is_active:
        return refuse(request, next_url, 403, _("This account is disabled."))
    attributes["username"] = [user.username]
    sign_in(request, user, NAME, attributes)
    return HTTPFound(next_url)


def refuse(request, next_url: str, status: int, error) -> dict:
    """The sign-in page again, with ``error`` (a message to translate) and an error status."""
    request.response.status = status
    return {"methods": login_methods(request), "next": next_url, "error": request.translate(error), "username": ""}
