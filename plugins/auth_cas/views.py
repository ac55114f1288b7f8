"""CAS routes: the login redirect, and the callback (service ticket by GET, logout request by POST)."""

from __future__ import annotations

import logging
from datetime import timedelta

from pyramid.httpexceptions import HTTPForbidden, HTTPFound, HTTPNotFound
from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy import delete, select

from core.models import User, utcnow
from core.plugin_api import (
    ValidationError,
    _,
    address_in,
    end_sessions,
    login_methods,
    provision_user,
    safe_next,
    setting,
    sign_in,
)
from plugins.auth_cas import NAME, cas_settings
from plugins.auth_cas.attributes import map_attributes
from plugins.auth_cas.models import CasTicket
from plugins.auth_cas.protocol import CasError, login_url, logout_request_ticket, validate_ticket

log = logging.getLogger(__name__)

ERRORS = {
    "INVALID_TICKET": _(
        "This CAS ticket is not valid: it was already used, it expired or it was forged. Sign in again."
    ),
    "INVALID_SERVICE": _("This CAS ticket was issued for another service. Sign in again."),
    "UNREACHABLE": _("The CAS server cannot be reached. Try again in a few minutes."),
    "BAD_ANSWER": _("The CAS server sent an answer that cannot be read. Try again later."),
}


def service_url(request, next_url: str, gateway: bool = False) -> str:
    """Our callback as the CAS ``service``: the same string at login and at validation."""
    query = {"next": next_url}
    if gateway:
        query["gateway"] = "1"
    return request.route_url("auth_cas.callback", _query=query)


def enabled_settings(request) -> dict:
    settings = cas_settings(request)
    if not settings["server_url"]:
        raise HTTPNotFound()
    return settings


@view_config(route_name="auth_cas.login", request_method="GET")
def login(request):
    settings = enabled_settings(request)
    next_url = safe_next(request, request.params.get("next"))
    gateway = settings["gateway"] and request.params.get("gateway") == "1"
    service = service_url(request, next_url, gateway)
    return HTTPFound(login_url(settings["server_url"], service, renew=settings["renew"], gateway=gateway))


@view_config(route_name="auth_cas.callback", request_method="GET", renderer="login.html")
def callback(request):
    settings = enabled_settings(request)
    next_url = safe_next(request, request.params.get("next"))
    gateway = settings["gateway"] and request.params.get("gateway") == "1"
    ticket = request.params.get("ticket", "").strip()
    if not ticket:
        if gateway:  # no CAS session: the visitor stays anonymous, without an error
            return HTTPFound(next_url)
        return refuse(request, next_url, 400, _("The CAS server sent no ticket. Sign in again."))
    try:
        identity = validate_ticket(
            settings["server_url"],
            settings["version"],
            service_url(request, next_url, gateway),
            ticket,
            renew=settings["renew"],
            timeout=max(1, settings["timeout"]),
        )
        user = provision_user(request, identity.user, create=settings["create_users"], method=NAME)
    except CasError as exc:
        log.warning("CAS ticket refused on site %s: %s", request.site.slug, exc)
        message = ERRORS.get(exc.code) or _(
            "The CAS server refused the sign-in (${code}).", mapping={"code": exc.code[:64]}
        )
        return refuse(request, next_url, 502 if exc.code in ("UNREACHABLE", "BAD_ANSWER") else 401, message)
    except ValidationError as exc:
        return refuse(request, next_url, 403, " ".join(request.translate(m) for m in exc.errors.values()))
    if not user.is_active:
        return refuse(request, next_url, 403, _("This account is disabled."))
    attributes = map_attributes(settings["attribute_map"], identity.attributes)
    attributes["username"] = [user.username]
    sign_in(request, user, NAME, attributes)
    remember_ticket(request, ticket, user)
    return HTTPFound(next_url)


def refuse(request, next_url: str, status: int, error) -> dict:
    """The sign-in page again, with ``error`` (a message to translate) and an error status."""
    request.response.status = status
    return {"methods": login_methods(request), "next": next_url, "error": request.translate(error), "username": ""}


def remember_ticket(request, ticket: str, user: User) -> None:
    """Keep ticket → user until the session it opened has expired, for single logout."""
    now = utcnow()
    max_age = setting(request.registry.settings, "amphi.session_max_age")
    request.dbsession.execute(delete(CasTicket).where(CasTicket.expires_at < now))
    request.dbsession.merge(
        CasTicket(
            site_id=request.site.id, ticket=ticket[:256], user_id=user.id, expires_at=now + timedelta(seconds=max_age)
        )
    )


@view_config(route_name="auth_cas.callback", request_method="POST", require_csrf=False)
def logout_request(request):
    """A CAS server's single-logout request: end the sessions of the ticket's user."""
    settings = enabled_settings(request)
    if not settings["single_logout"]:
        raise HTTPNotFound()
    if not address_allowed(request.remote_addr, settings["logout_request_addresses"]):
        log.warning("CAS logout request from %s refused (not a configured address)", request.remote_addr)
        raise HTTPForbidden()
    ticket = logout_request_ticket(request.POST.get("logoutRequest", ""))
    if ticket is None:
        return Response("no logout request\n", status=400, content_type="text/plain")
    known = request.dbsession.scalar(
        select(CasTicket).where(
            CasTicket.site_id == request.site.id, CasTicket.ticket == ticket, CasTicket.expires_at >= utcnow()
        )
    )
    if known is not None:
        user = request.dbsession.get(User, known.user_id)
        if user is not None and user.site_id == request.site.id:
            end_sessions(request, user, keep_current=False)
        request.dbsession.delete(known)
    return Response("ok\n", content_type="text/plain")  # an unknown ticket is no secret to reveal


def address_allowed(address: str | None, networks: list[str]) -> bool:
    """Logout requests from anywhere when no addresses are set (knowing the ticket is the proof)."""
    return not networks or address_in(address, networks, "auth_cas.logout_request_addresses")
