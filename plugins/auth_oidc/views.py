"""The two ends of a sign-in: off to the provider, and back from it."""

from __future__ import annotations

import time

from pyramid.httpexceptions import HTTPFound, HTTPNotFound
from pyramid.i18n import TranslationString
from pyramid.view import view_config

from core.plugin_api import ValidationError, login_methods, provision_user, safe_next, sign_in
from plugins.auth_oidc import NAME, SESSION_FLOW, SESSION_LOGOUT, providers
from plugins.auth_oidc.claims import attributes_from_claims

FLOW_MAX_AGE = 600  # seconds between leaving for the provider and coming back
MAX_KEPT_TOKEN = 2048  # a larger id_token would push the session cookie past browsers' 4 KiB: logout without a hint


def route_provider(request):
    provider = providers(request).get(request.matchdict["provider"])
    if provider is None:
        raise HTTPNotFound()
    return provider


def callback_url(request, provider) -> str:
    return request.route_url("auth_oidc.callback", provider=provider.name)


@view_config(route_name="auth_oidc.login", request_method="GET", renderer="login.html")
def start(request):
    from plugins.auth_oidc.client import SignInFailed, authorization_url  # oic weighs ~25 MB: loaded when used

    provider = route_provider(request)
    next_url = safe_next(request, request.params.get("next"))
    try:
        url, flow = authorization_url(provider, callback_url(request, provider))
    except SignInFailed as exc:
        return failure(request, says(request, exc.args[0]), next_url, status=502)
    flow["next"] = next_url
    request.session[SESSION_FLOW] = flow
    return HTTPFound(url)


@view_config(route_name="auth_oidc.callback", request_method="GET", renderer="login.html")
def callback(request):
    from plugins.auth_oidc.client import SignInFailed, complete

    provider = route_provider(request)
    flow = request.session.pop(SESSION_FLOW, None)  # one answer per flow: no replay
    if not flow or flow.get("provider") != provider.name:
        return failure(
            request,
            request.translate("This sign-in was not started here or has already been used. Please start again."),
            "/",
        )
    next_url = flow.get("next", "/")
    if time.time() - flow.get("started", 0) > FLOW_MAX_AGE:
        return failure(request, request.translate("This sign-in took too long. Please start again."), next_url)
    try:
        claims, id_token = complete(provider, callback_url(request, provider), request.query_string, flow)
        attributes = attributes_from_claims(provider, claims)
        create = request.plugin_settings(NAME)["create_users"]
        user = provision_user(request, attributes["username"][0], create=create, method=NAME)
    except SignInFailed as exc:
        return failure(request, says(request, exc.args[0]), next_url)
    except ValidationError as exc:
        return failure(request, " ".join(request.translate(m) for m in exc.errors.values()), next_url, status=403)
    if not user.is_active:
        return failure(request, request.translate("This account is disabled."), next_url, status=403)
    sign_in(request, user, NAME, attributes)
    request.session[SESSION_LOGOUT] = {
        "provider": provider.name,
        "id_token": id_token if len(id_token) <= MAX_KEPT_TOKEN else "",
    }
    return HTTPFound(next_url)


def says(request, message: TranslationString) -> str:
    """``message`` in the request's language, the reasons inside it too."""
    mapping = {
        key: request.translate(value) if isinstance(value, TranslationString) else value
        for key, value in (message.mapping or {}).items()
    }
    return request.translate(
        TranslationString(str(message), domain=message.domain, default=message.default, mapping=mapping)
    )


def failure(request, message: str, next_url: str, status: int = 400):
    """The sign-in page again, with what went wrong."""
    request.response.status = status
    return {"methods": login_methods(request), "next": next_url, "error": message, "username": ""}
