"""The chat's endpoints: a room's state (JSON), posting, moderation, questions, exports, Nchan's authorisation."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config

from core.plugin_api import ValidationError, json_body, require_video
from plugins.chat import exports, service
from plugins.chat.delivery import subscription, token_key, token_valid
from plugins.chat.hub import SUB
from plugins.chat.rooms import Access, find_room, forget_access, room_access, room_row
from plugins.chat.service import MAX_BODY, TooLarge


def access_or_404(request) -> Access:
    """The route's room, for a visitor who may read it; 404 otherwise (a room's existence is the host's secret)."""
    access = room_access(request, request.matchdict["room"])
    if access is None or not access.read:
        raise HTTPNotFound()
    return access


def fields(request) -> dict:
    """The request's fields, from JSON or a form; bodies far longer than a message are refused unread."""
    if (request.content_length or 0) > MAX_BODY:
        raise TooLarge(
            request.translate(service._("A message is at most ${max} characters.", mapping={"max": service.MAX_TEXT}))
        )
    if request.content_type == "application/json":
        body = json_body(request)
        if not isinstance(body, dict):
            raise ValidationError({"body": service._("A JSON object is expected.")})
        return body
    return dict(request.POST)


def done(request, access: Access, payload: dict, status: int = 200):
    """JSON for the script; a form sent without it goes back to the page the chat belongs to."""
    offers = request.accept.acceptable_offers(["application/json", "text/html"])
    if request.content_type != "application/json" and offers and offers[0][0] == "text/html" and access.url:
        return HTTPSeeOther(access.url)
    request.response.status = status
    return payload


@view_config(route_name="chat.room", request_method="GET", renderer="json", http_cache=0)
def room_state(request):
    """What the widget needs on join: rights, settings, the last messages, the questions, a subscription."""
    access = access_or_404(request)
    row = find_room(request, access.room)
    history = request.plugin_settings("chat")["history"]
    state = {
        "access": access.as_json(),
        "messages": service.last_messages(request, row, access, history) if row else [],
        "questions": [service.question_json(q) for q in service.questions(request, row)]
        if row and access.questions
        else [],
        "my_votes": service.my_votes(request, row) if row else [],
        "me": {"id": request.user.id} if request.user else None,
        "max_length": service.MAX_TEXT,
        "subscribe": subscription(request, access.room),
    }
    if request.user is not None:
        state["csrf_token"] = request.session.get_csrf_token()
    return state


@view_config(route_name="chat.token", request_method="GET", renderer="json", http_cache=0)
def token(request):
    """A fresh subscription (the page's token expired, or the hub refused it)."""
    return subscription(request, access_or_404(request).room)


@view_config(route_name="chat.messages", request_method="POST", renderer="json")
def post(request):
    access = access_or_404(request)
    message = service.post_message(request, access, fields(request).get("text"))
    return done(request, access, {"message": service.message_json(message)}, 201)


@view_config(route_name="chat.message.delete", request_method="POST", renderer="json")
def delete(request):
    access = access_or_404(request)
    service.delete_message(request, access, int(request.matchdict["message_id"]))
    return done(request, access, {"deleted": int(request.matchdict["message_id"])})


@view_config(route_name="chat.user.hide", request_method="POST", renderer="json")
def hide(request):
    access = access_or_404(request)
    hidden = service.as_bool(fields(request).get("hidden", "1"))
    service.hide_user(request, access, int(request.matchdict["user_id"]), hidden)
    return done(request, access, {"user_id": int(request.matchdict["user_id"]), "hidden": hidden})


@view_config(route_name="chat.settings", request_method="POST", renderer="json")
def settings(request):
    access = access_or_404(request)
    room = service.set_room(request, access, fields(request))
    forget_access(request)
    return done(request, access, service.room_state(room))


@view_config(route_name="chat.questions", request_method="POST", renderer="json")
def ask(request):
    access = access_or_404(request)
    question = service.ask(request, access, fields(request).get("text"))
    return done(request, access, {"question": service.question_json(question)}, 201)


@view_config(route_name="chat.question.vote", request_method="POST", renderer="json")
def vote(request):
    access = access_or_404(request)
    up = service.as_bool(fields(request).get("up", "1"))
    question = service.vote(request, access, int(request.matchdict["question_id"]), up)
    return done(request, access, {"question": service.question_json(question), "voted": up})


@view_config(route_name="chat.question.answered", request_method="POST", renderer="json")
def answered(request):
    access = access_or_404(request)
    flag = service.as_bool(fields(request).get("answered", "1"))
    question = service.mark_answered(request, access, int(request.matchdict["question_id"]), flag)
    return done(request, access, {"question": service.question_json(question)})


@view_config(route_name="chat.question.delete", request_method="POST", renderer="json")
def delete_question(request):
    access = access_or_404(request)
    service.delete_question(request, access, int(request.matchdict["question_id"]))
    return done(request, access, {"deleted": int(request.matchdict["question_id"])})


@view_config(route_name="chat.export", request_method="GET", http_cache=0)
def export(request):
    access = access_or_404(request)
    if not access.moderate:
        raise service.Forbidden(request.translate(service._("Only the chat's moderators may do this.")))
    return exports.export(request, access, room_row(request, access.room), request.matchdict["format"])


@view_config(route_name="chat.auth", request_method="GET", http_cache=0)
def authorize_subscription(request):
    """Nchan's ``nchan_authorize_request``: 204 for a subscription whose token this site issued, else 403.

    nginx passes the subscriber's URL in ``X-Original-URI``; the token binds the channel (site and
    room) and expires, so a forged, expired or other site's subscription is refused.
    """
    target = urlsplit(request.headers.get("X-Original-URI", ""))
    match = SUB.match(target.path)
    chan = match.group(1) if match else ""
    token_value = parse_qs(target.query).get("t", [""])[0]
    key = token_key(request.registry.settings)
    if not chan.startswith(f"s{request.site.id}-") or not token_valid(key, chan, token_value):
        return Response(status=403)  # a bare refusal: nginx reads the status only (no sign-in redirect)
    return Response(status=204)


@view_config(route_name="chat.video", request_method="POST")
def video_chat(request):
    """The video's owners turn the chat beside it on or off."""
    video = require_video(request, "edit")
    row = room_row(request, f"video-{video.id}")
    row.enabled = service.as_bool(request.POST.get("enabled", "1"))
    return HTTPSeeOther(request.route_url("video", video_id=video.id, _anchor="panel-chat"))
