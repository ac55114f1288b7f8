"""Site administration of the BigBlueButton servers: list, add, edit, delete, test the connection and
register the webhooks. The shared secret and the gateway's token are write-only: never shown again."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPFound, HTTPNotFound
from pyramid.view import view_config
from sqlalchemy import func, select

from core.plugin_api import translate_errors
from plugin_bbb.client import ALGORITHMS, BbbError, client_for
from plugin_bbb.forms import read_server_form, server_form
from plugin_bbb.hooks import register_hook
from plugin_bbb.meetings import bbb_settings
from plugin_bbb.models import SERVER_KINDS, STREAMING_MODES, BbbMeeting, BbbServer, BbbWebhook

EDIT = "plugin_bbb:templates/server_edit.html"


def site_server(request) -> BbbServer:
    server = request.dbsession.get(BbbServer, int(request.matchdict["server_id"]))
    if server is None or server.site_id != request.site.id:
        raise HTTPNotFound()
    return server


def client_of(request, server: BbbServer):
    return client_for(server, timeout=float(bbb_settings(request.registry, request.site)["timeout_seconds"]))


def edit_values(request, server, form, errors=None, outcome=None) -> dict:
    hook = request.dbsession.scalar(select(BbbWebhook).where(BbbWebhook.server_id == server.id)) if server else None
    return {
        "server": server,
        "form": form,
        "errors": translate_errors(request, errors or {}),
        "algorithms": ALGORITHMS,
        "kinds": SERVER_KINDS,
        "modes": STREAMING_MODES,
        "hook": hook,
        "outcome": outcome,
        "saved": "saved" in request.params,
    }


@view_config(route_name="bbb.servers", renderer="plugin_bbb:templates/servers.html", permission="site-admin")
def servers_page(request):
    servers = sorted(
        request.dbsession.scalars(select(BbbServer).where(BbbServer.site_id == request.site.id)),
        key=lambda s: s.name.casefold(),
    )
    return {"servers": servers, "deleted": request.params.get("deleted"), "refused": request.params.get("refused")}


@view_config(route_name="bbb.server.new", renderer=EDIT, permission="site-admin")
def new_server(request):
    if request.method != "POST":
        return edit_values(request, None, server_form(None))
    fields, errors = read_server_form(request, request.POST, None)
    if errors:
        request.response.status = 400
        return edit_values(request, None, {**fields, "enabled": fields["enabled"]}, errors)
    server = BbbServer(site_id=request.site.id, **fields)
    request.dbsession.add(server)
    request.dbsession.flush()
    return HTTPFound(request.route_url("bbb.server", server_id=server.id, _query={"saved": 1}))


@view_config(route_name="bbb.server", renderer=EDIT, permission="site-admin")
def edit_server(request):
    server = site_server(request)
    if request.method != "POST":
        return edit_values(request, server, server_form(server))
    fields, errors = read_server_form(request, request.POST, server)
    if errors:
        request.response.status = 400
        return edit_values(request, server, fields, errors)
    for name, value in fields.items():
        setattr(server, name, value)
    return HTTPFound(request.route_url("bbb.server", server_id=server.id, _query={"saved": 1}))


def connection_outcome(request, server: BbbServer) -> dict:
    """``getMeetings`` on the server, told in words: ``{"ok", "text", "detail"}``."""
    try:
        meetings = client_of(request, server).get_meetings()
    except BbbError as exc:
        return {"ok": False, "text": request.localizer.translate(exc.words), "detail": str(exc)}
    count = len(meetings)
    text = request.ngettext(
        "Connected: the server answers with one meeting running.",
        "Connected: the server answers with ${count} meetings running.",
        count,
        count=count,
    )
    return {"ok": True, "text": text, "detail": ""}


@view_config(route_name="bbb.server.test", renderer=EDIT, permission="site-admin", request_method="POST")
def test_connection(request):
    """The "Test connection" button: ``getMeetings``, and what went wrong in words."""
    server = site_server(request)
    return edit_values(request, server, server_form(server), outcome=connection_outcome(request, server))


@view_config(route_name="bbb.server.hooks", renderer=EDIT, permission="site-admin", request_method="POST")
def register_hooks(request):
    """Register Amphi's webhook on the server now (the reconciliation does it every five minutes too)."""
    server = site_server(request)
    if server.kind != "bbb":
        text = request.translate("Scalelite has no webhooks: Amphi relies on the recording-ready callbacks.")
        return edit_values(request, server, server_form(server), outcome={"ok": False, "text": text, "detail": ""})
    try:
        hook_id, created = register_hook(request, server, client_of(request, server))
    except BbbError as exc:
        words = request.localizer.translate(exc.words)
        outcome = {"ok": False, "text": words, "detail": str(exc)}
        return edit_values(request, server, server_form(server), outcome=outcome)
    if created:
        text = request.translate("Webhook registered (hook ${hook}).", hook=hook_id)
    else:
        text = request.translate("The webhook was already registered (hook ${hook}).", hook=hook_id)
    outcome = {"ok": True, "text": text, "detail": ""}
    return edit_values(request, server, server_form(server), outcome=outcome)


@view_config(route_name="bbb.server.delete", permission="site-admin", request_method="POST")
def delete_server(request):
    """Delete a server that no meeting uses (its meetings are moved or deleted first)."""
    server = site_server(request)
    used = request.dbsession.scalar(select(func.count(BbbMeeting.id)).where(BbbMeeting.server_id == server.id))
    if used:
        return HTTPFound(request.route_url("bbb.servers", _query={"refused": server.name}))
    request.dbsession.delete(server)
    return HTTPFound(request.route_url("bbb.servers", _query={"deleted": server.name}))
