"""What the servers POST: webhook events and the recording-ready callback.

The recording-ready callback is the ``meta_bbb-recording-ready-url`` Amphi gives each recorded meeting:
BBB POSTs ``signed_parameters``, an HS256 JWT of ``{"meeting_id": <external id>, "record_id": ...}``
signed with the shared secret. A token that does not verify with the server's secret is refused (403);
a recording already known (a replayed or repeated callback) is answered 200 and creates nothing.
"""

from __future__ import annotations

import hmac
import logging
import warnings

import jwt
from pyramid.httpexceptions import HTTPBadRequest, HTTPForbidden, HTTPNotFound
from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy import select

from plugin_bbb.hooks import callback_url, handle_events, parse_events, registered_url, signed_by_server
from plugin_bbb.models import BbbMeeting, BbbServer
from plugin_bbb.recordings import find_recording, recordings_ready

log = logging.getLogger(__name__)


def site_server(request) -> BbbServer:
    server = request.dbsession.get(BbbServer, int(request.matchdict["server_id"]))
    if server is None or server.site_id != request.site.id:
        raise HTTPNotFound()
    return server


def text(body: str, status: int = 200) -> Response:
    return Response(body, status=status, content_type="text/plain", charset="utf-8")


@view_config(route_name="bbb.hook", request_method="POST", require_csrf=False)
def webhook(request):
    """Events from a server's bbb-webhooks (its URL token, then its checksum, say it is the server)."""
    server = site_server(request)
    if not hmac.compare_digest(request.matchdict["token"].encode(), server.webhook_token.encode()):
        raise HTTPForbidden()
    checksum = request.GET.get("checksum", "")
    urls = {registered_url(request, server), callback_url(request, server), callback_url(request, server, False)}
    if not any(signed_by_server(server, url, request.body, checksum) for url in urls):
        log.warning("bbb: webhook POST for server %s with a wrong checksum", server.id)
        raise HTTPForbidden()
    try:
        events = parse_events(request.POST.get("event", ""))
    except ValueError:
        raise HTTPBadRequest() from None
    handled = handle_events(request, server, events)
    return text(f"{handled} handled")


@view_config(route_name="bbb.recording_ready", request_method="POST", require_csrf=False)
def recording_ready(request):
    """The server's recording-ready callback: list the recording once (see the module's documentation)."""
    server = site_server(request)
    token = request.POST.get("signed_parameters", "")
    try:
        with warnings.catch_warnings():  # the secret's length is the server's (bbb-conf sets 40 hex digits)
            warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
            claims = jwt.decode(token, server.secret, algorithms=["HS256"], options={"require": []})
    except jwt.InvalidTokenError:
        log.warning("bbb: refused a recording-ready callback for server %s (signature)", server.id)
        raise HTTPForbidden() from None
    meeting_id, record_id = str(claims.get("meeting_id") or ""), str(claims.get("record_id") or "")
    if not meeting_id or not record_id:
        raise HTTPBadRequest()
    if find_recording(request.dbsession, server.id, record_id) is not None:
        return text("already known")
    meeting = request.dbsession.scalar(
        select(BbbMeeting).where(BbbMeeting.site_id == server.site_id, BbbMeeting.meeting_id == meeting_id)
    )
    if meeting is None:
        return text("no such meeting", status=404)  # BBB logs a 404 and stops
    recordings_ready(request, server, meeting, record_id, source="callback")
    return text("listed")
