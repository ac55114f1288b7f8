"""The meeting page's broadcast: its panel, the owners' Start, Stop and "show the chat", and its state as
JSON for the page to follow. Everything answers 404 where the site does not enable live events."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from core.plugin_api import enqueue_after_commit
from plugin_bbb.broadcasts import (
    EVENT_ACCESS,
    STATE_LABELS,
    BroadcastRefused,
    active_broadcast,
    latest_broadcast,
    live_api,
    live_enabled,
    request_stop,
    start,
    uses,
)
from plugin_bbb.meetings import site_user
from plugin_bbb.models import BbbMeeting
from plugin_bbb.views import FLASH, live_status, require_meeting, require_place

ANCHOR = "bbb-broadcast-title"


def broadcast_panel(request, meeting: BbbMeeting, place: str, status: dict) -> dict | None:
    """What the meeting page shows of its broadcast (None: the site has no live events)."""
    if not live_enabled(request):
        return None
    current = latest_broadcast(request.dbsession, meeting)
    event = live_api().event_summary(request, current.event_id) if current is not None else None
    values = {
        "broadcast": current,
        "event": event,
        "label": request.localizer.translate(STATE_LABELS[current.state]) if current is not None else "",
        "chat_available": uses(request, "chat"),
        "may_start": False,
        "events": [],
        "access_choices": EVENT_ACCESS,
    }
    if place == "owner" and (current is None or not current.active):
        values["may_start"] = status.get("state") == "running"
        values["events"] = live_api().broadcast_events(request, site_user(request)) if values["may_start"] else []
    return values


def owners_meeting(request) -> BbbMeeting:
    """The meeting of the URL, for its owners, where the site has live events (else 404 / 403)."""
    if not live_enabled(request):
        raise HTTPNotFound()
    meeting = require_meeting(request)
    require_place(request, meeting, "owner")
    return meeting


def back(request, meeting: BbbMeeting, message: str):
    request.session.flash(message, FLASH)
    return HTTPSeeOther(request.route_url("bbb.meeting", meeting_id=meeting.id, _anchor=ANCHOR))


@view_config(route_name="bbb.broadcast", request_method="GET", renderer="json")
def broadcast_state(request):
    """The broadcast's state, for the meeting page to follow (everyone with a place in the meeting)."""
    if not live_enabled(request):
        raise HTTPNotFound()
    meeting = require_meeting(request)
    require_place(request, meeting)
    current = latest_broadcast(request.dbsession, meeting)
    if current is None:
        return {"state": "", "label": "", "event_url": ""}
    event = live_api().event_summary(request, current.event_id)
    return {
        "state": current.state,
        "label": request.localizer.translate(STATE_LABELS[current.state]),
        "event_url": event.url if event is not None else "",
    }


@view_config(route_name="bbb.broadcast.start", request_method="POST")
def start_broadcast(request):
    """An owner starts broadcasting the running meeting into a new event or one of theirs."""
    meeting = owners_meeting(request)
    if live_status(request, meeting)["state"] != "running":
        return back(
            request, meeting, request.translate("Start the meeting first: only a meeting in progress is broadcast.")
        )
    chosen = request.POST.get("event", "new")
    try:
        event_id = None if chosen == "new" else int(chosen)
    except ValueError:
        return back(
            request, meeting, request.translate("Choose one of your live events whose broadcast may start now.")
        )
    try:
        start(
            request,
            meeting,
            site_user(request),
            event_id=event_id,
            access=request.POST.get("access", "signed-in"),
            show_meeting_chat=request.POST.get("show_chat") == "on",
        )
    except BroadcastRefused as exc:
        return back(request, meeting, request.localizer.translate(exc.words))
    return back(
        request, meeting, request.translate("The broadcast is starting: the live event goes on air in a moment.")
    )


@view_config(route_name="bbb.broadcast.stop", request_method="POST")
def stop_broadcast(request):
    """An owner stops the broadcast; its live event ends."""
    meeting = owners_meeting(request)
    current = active_broadcast(request.dbsession, meeting)
    if current is None or current.state == "stopping":
        return back(request, meeting, request.translate("The meeting is not being broadcast."))
    request_stop(request, current, "owner")
    return back(request, meeting, request.translate("The broadcast is stopping; its live event ends."))


@view_config(route_name="bbb.broadcast.chat", request_method="POST")
def broadcast_chat(request):
    """An owner shows the meeting's public chat to the audience, or stops showing it."""
    meeting = owners_meeting(request)
    current = active_broadcast(request.dbsession, meeting)
    if current is None:
        return back(request, meeting, request.translate("The meeting is not being broadcast."))
    shown = request.POST.get("show_chat") == "on"
    if shown != current.show_meeting_chat:
        current.show_meeting_chat = shown
        if current.mode == "gateway" and current.state == "on_air":
            from plugin_bbb.gateway import toggle_gateway_chat

            enqueue_after_commit(request, toggle_gateway_chat, current.id)
    if shown:
        return back(request, meeting, request.translate("The meeting's chat is shown to the audience."))
    return back(request, meeting, request.translate("The meeting's chat is no longer shown to the audience."))
