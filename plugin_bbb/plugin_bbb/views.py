"""The meeting pages: my meetings, the form, the meeting page (status, who is in, join, end, invitation
and calendar file), and the invitation link."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy import or_, select

from core.models import Group, User
from core.plugin_api import take_flash, user_group_names
from plugin_bbb import meetings
from plugin_bbb.calendar import meeting_calendar
from plugin_bbb.client import BbbError, BbbMeetingNotFound, client_for
from plugin_bbb.forms import apply_meeting, meeting_channels, meeting_form, read_meeting_form
from plugin_bbb.meetings import bbb_settings, get_meeting, place_of
from plugin_bbb.models import BbbMeeting, BbbServer
from plugin_bbb.recording_panel import length_text, recording_lines

FLASH = "bbb"
FORM = "plugin_bbb:templates/meeting_form.html"
PAGE = "plugin_bbb:templates/meeting.html"
#: A meeting page waits at most this long for the server's status.
STATUS_TIMEOUT = 3.0


def zone(request) -> str:
    return bbb_settings(request.registry, request.site)["timezone"]


def timeout(request) -> float:
    return float(bbb_settings(request.registry, request.site)["timeout_seconds"])


def require_meeting(request) -> BbbMeeting:
    meeting = get_meeting(request, request.matchdict["meeting_id"])
    if meeting is None:
        raise HTTPNotFound()
    return meeting


def require_place(request, meeting: BbbMeeting, *places: str) -> str:
    """The visitor's place, one of ``places`` (any place when none is named); else 403."""
    place = place_of(request, meeting)
    if place is None or (places and place not in places):
        raise HTTPForbidden()
    return place


def may_create(request) -> bool:
    user = meetings.site_user(request)
    return user is not None and user.is_staff


def site_servers(request) -> list[BbbServer]:
    query = select(BbbServer).where(BbbServer.site_id == request.site.id, BbbServer.enabled.is_(True))
    return sorted(request.dbsession.scalars(query), key=lambda s: s.name.casefold())


def common(request) -> dict:
    return {
        "zone": zone(request),
        "local": lambda moment: meetings.local(moment, zone(request)),
        "messages": take_flash(request, FLASH),
    }


# --- lists and forms ------------------------------------------------------------------------------


@view_config(route_name="bbb.mine", renderer="plugin_bbb:templates/mine.html", permission="authenticated")
def mine(request):
    """The meetings the visitor owns, moderates or is listed in."""
    user = request.user
    groups = user_group_names(request, user)
    query = (
        select(BbbMeeting)
        .where(BbbMeeting.site_id == request.site.id)
        .where(
            or_(
                BbbMeeting.owners.any(User.id == user.id),
                BbbMeeting.moderators.any(User.id == user.id),
                BbbMeeting.attendees.any(User.id == user.id),
                BbbMeeting.moderator_groups.any(Group.name.in_(groups)),
                BbbMeeting.attendee_groups.any(Group.name.in_(groups)),
            )
        )
        .order_by(BbbMeeting.id.desc())
        .limit(300)
    )
    rows = [(m, place_of(request, m)) for m in request.dbsession.scalars(query)]
    return {**common(request), "rows": rows, "may_create": may_create(request)}


def form_page(request, form: dict, errors: dict, meeting: BbbMeeting | None, status: int = 200):
    values = {
        **common(request),
        "form": form,
        "errors": {k: request.localizer.translate(v) for k, v in errors.items()},
        "meeting": meeting,
        "servers": site_servers(request),
        "channels": meeting_channels(request, meeting),
    }
    response = render_to_response(FORM, values, request=request)
    response.status = status
    return response


@view_config(route_name="bbb.new", request_method="GET", permission="authenticated")
def new(request):
    if not may_create(request):
        raise HTTPForbidden()
    servers = site_servers(request)
    form = {"server": str(servers[0].id) if servers else "", "attendees_mode": "listed", "record": False}
    return form_page(request, form, {}, None)


@view_config(route_name="bbb.new", request_method="POST", permission="authenticated")
def create(request):
    if not may_create(request):
        raise HTTPForbidden()
    fields, errors = read_meeting_form(request, request.POST, zone(request), site_servers(request))
    if errors:
        return form_page(request, dict(request.POST), errors, None, status=400)
    meeting = BbbMeeting(site_id=request.site.id, created_by_id=request.user.id, name=fields["name"])
    apply_meeting(meeting, fields)
    request.dbsession.add(meeting)
    request.dbsession.flush()
    request.session.flash(request.translate("The meeting is created."), FLASH)
    return HTTPSeeOther(request.route_url("bbb.meeting", meeting_id=meeting.id))


@view_config(route_name="bbb.edit", request_method="GET")
def edit(request):
    meeting = require_meeting(request)
    require_place(request, meeting, "owner")
    return form_page(request, meeting_form(meeting, zone(request)), {}, meeting)


@view_config(route_name="bbb.edit", request_method="POST")
def update(request):
    meeting = require_meeting(request)
    require_place(request, meeting, "owner")
    servers = site_servers(request)
    if meeting.server is not None and meeting.server not in servers:
        servers.append(meeting.server)  # a disabled server may stay the meeting's
    fields, errors = read_meeting_form(request, request.POST, zone(request), servers, meeting)
    if errors:
        return form_page(request, dict(request.POST), errors, meeting, status=400)
    apply_meeting(meeting, fields)
    request.session.flash(request.translate("Saved."), FLASH)
    return HTTPSeeOther(request.route_url("bbb.meeting", meeting_id=meeting.id))


@view_config(route_name="bbb.delete", request_method="POST")
def delete(request):
    meeting = require_meeting(request)
    require_place(request, meeting, "owner")
    request.dbsession.delete(meeting)
    request.session.flash(request.translate("The meeting is deleted."), FLASH)
    return HTTPSeeOther(request.route_url("bbb.mine"))


# --- the meeting page -----------------------------------------------------------------------------


def live_status(request, meeting: BbbMeeting) -> dict:
    """Whether the meeting runs and who is in it (``getMeetingInfo``), or why that is unknown."""
    if meeting.server is None:
        return {"state": "unknown", "why": request.translate("The meeting has no server.")}
    client = client_for(meeting.server, timeout=min(STATUS_TIMEOUT, timeout(request)))
    try:
        info = client.meeting_info(meeting.meeting_id)
    except BbbMeetingNotFound:
        return {"state": "idle"}
    except BbbError as exc:
        return {"state": "unknown", "why": request.localizer.translate(exc.words)}
    return {"state": "running" if info.running else "idle", "info": info}


def page_values(request, meeting: BbbMeeting, place: str, **extra) -> dict:
    from plugin_bbb.broadcast_views import broadcast_panel

    now = datetime.now(UTC)
    status = live_status(request, meeting)
    return {
        **common(request),
        "meeting": meeting,
        "place": place,
        "status": status,
        "broadcast": broadcast_panel(request, meeting, place, status),
        "open_now": meetings.may_join_now(request.registry, meeting, place, now),
        "next_slot": meetings.next_slot(meeting, now, zone(request)),
        "over": meetings.is_over(meeting, now, zone(request)),
        "invitation": request.route_url("bbb.invite", meeting_id=meeting.id, token=meeting.link_token)
        if meeting.attendees_mode == "link"
        else request.route_url("bbb.meeting", meeting_id=meeting.id),
        "recordings": recording_lines(request, meeting, timeout(request)) if place == "owner" else ([], ""),
        "length": length_text,
        "guest_name": "",
        "error": "",
        **extra,
    }


def meeting_page(request, meeting: BbbMeeting, place: str, status: int = 200, **extra):
    response = render_to_response(PAGE, page_values(request, meeting, place, **extra), request=request)
    response.status = status
    return response


@view_config(route_name="bbb.meeting", request_method="GET")
def show(request):
    meeting = require_meeting(request)
    return meeting_page(request, meeting, require_place(request, meeting))


@view_config(route_name="bbb.invite", request_method="GET")
def invite(request):
    """The invitation link: remembered for this session, then the meeting page."""
    meeting = require_meeting(request)
    token = request.matchdict["token"]
    if meeting.attendees_mode != "link" or not hmac.compare_digest(token.encode(), meeting.link_token.encode()):
        raise HTTPNotFound()
    meetings.remember_invitation(request, meeting)
    return HTTPSeeOther(request.route_url("bbb.meeting", meeting_id=meeting.id))


@view_config(route_name="bbb.join", request_method="POST")
def join(request):
    """Create the meeting on its server (idempotently) and send the visitor in with their role."""
    meeting = require_meeting(request)
    place = require_place(request, meeting)
    user = meetings.site_user(request)
    if place == "guest":
        full_name = meetings.guest_name(request.POST.get("name", ""))
        if not full_name:
            error = request.translate("Give the name the other participants will see.")
            return meeting_page(request, meeting, place, status=400, error=error)
        user_id = meetings.guest_user_id()
    else:
        full_name, user_id = user.name, str(user.id)
    if not meetings.may_join_now(request.registry, meeting, place):
        error = request.translate("The meeting is not open now: come back at its next start.")
        return meeting_page(request, meeting, place, status=409, error=error)
    if meeting.server is None or not meeting.server.enabled:
        error = request.translate("The meeting's server is not available; ask the site's administrators.")
        return meeting_page(request, meeting, place, status=503, error=error)
    client = client_for(meeting.server, timeout=timeout(request))
    try:
        _, created = client.create(meeting.meeting_id, meeting.name, **meetings.create_options(request, meeting))
    except BbbError as exc:
        error = request.translate(
            "The meeting server did not let the meeting start: ${why}", why=request.localizer.translate(exc.words)
        )
        return meeting_page(request, meeting, place, status=502, error=error)
    if created:
        meeting.last_started_at = datetime.now(UTC)
    return HTTPSeeOther(client.join_url(**meetings.join_options(meeting, place, full_name, user_id)))


@view_config(route_name="bbb.end", request_method="POST")
def end(request):
    """The owners end the meeting for everyone."""
    meeting = require_meeting(request)
    require_place(request, meeting, "owner")
    if meeting.server is not None:
        try:
            client_for(meeting.server, timeout=timeout(request)).end(meeting.meeting_id)
        except BbbMeetingNotFound:
            request.session.flash(request.translate("The meeting was not running."), FLASH)
        except BbbError as exc:
            request.session.flash(request.localizer.translate(exc.words), FLASH)
        else:
            meeting.last_ended_at = datetime.now(UTC)
            request.session.flash(request.translate("The meeting is ended."), FLASH)
    return HTTPSeeOther(request.route_url("bbb.meeting", meeting_id=meeting.id))


@view_config(route_name="bbb.ics", request_method="GET")
def ics(request):
    """The meeting's calendar file (its slots; a weekly meeting as one repeating event)."""
    meeting = require_meeting(request)
    place = require_place(request, meeting)
    if meeting.always_open or meeting.starts_at is None:
        raise HTTPNotFound()
    link = request.route_url("bbb.meeting", meeting_id=meeting.id)
    if place == "owner" and meeting.attendees_mode == "link":
        link = request.route_url("bbb.invite", meeting_id=meeting.id, token=meeting.link_token)
    body = meeting_calendar(
        meeting, link, request.site.domains[0].domain if request.site.domains else "amphi", zone(request)
    )
    response = Response(body=body, content_type="text/calendar", charset="utf-8")
    response.content_disposition = f'attachment; filename="meeting-{meeting.id}.ics"'
    return response
