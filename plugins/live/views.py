"""The live pages: the site's events, mine, the form, the event page (waiting, on air, ended, replay),
the owners' controls (keys, interpreters, stop) and the viewers' beacon."""

from __future__ import annotations

from collections.abc import Iterable

from pyramid.httpexceptions import HTTPBadRequest, HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.response import Response
from pyramid.view import view_config

from core.models import utcnow
from core.plugin_api import (
    addable_channels,
    check_password,
    collect,
    player_context,
    plural,
    take_flash,
    translate_errors,
    video_permits,
)
from plugins.live import callbacks, events, forms, keys, viewers
from plugins.live.events import STATE_LABELS, current_state, event_permits, live_settings
from plugins.live.models import LiveAudio, LiveEvent

FLASH = "live"
FORM = "plugins.live:templates/live/form.html"


def require_event(request, permission: str = "view") -> LiveEvent:
    event = events.get_event(request, request.matchdict["event_id"])
    if event is None:
        raise HTTPNotFound()
    if not event_permits(request, event, permission) and not (permission == "view" and event.access == "password"):
        raise HTTPForbidden() if request.user is None and event.access != "draft" else HTTPNotFound()
    return event


def zone(request) -> str:
    return live_settings(request.registry, request.site)["timezone"]


def common(request) -> dict:
    return {
        "state_of": lambda e: current_state(request.registry, e),
        "state_labels": STATE_LABELS,
        "local": lambda moment: forms.local_input(moment, zone(request)).replace("T", " "),
        "zone": zone(request),
        "messages": take_flash(request, FLASH),
    }


@view_config(route_name="live.events", renderer="plugins.live:templates/live/index.html")
def index(request):
    may_create = request.user is not None and request.user.is_staff
    return {**common(request), "groups": events.listing(request), "may_create": may_create}


@view_config(route_name="live.mine", renderer="plugins.live:templates/live/mine.html", permission="authenticated")
def mine(request):
    return {**common(request), "events": events.own_events(request)}


def form_page(request, form: dict, errors: dict, event: LiveEvent | None, status: int = 200):
    response = render_to_response(
        FORM,
        {
            **common(request),
            "form": form,
            "errors": translate_errors(request, errors),
            "event": event,
            "following": len(events.following_weeks(request, event)) if event is not None else 0,
            "channels": addable_channels(request),
        },
        request=request,
    )
    response.status = status
    return response


def require_staff(request) -> None:
    if request.user is None or not request.user.is_staff:
        raise HTTPForbidden()


@view_config(route_name="live.new", request_method="GET", permission="authenticated")
def new(request):
    require_staff(request)
    return form_page(request, {"access": "public", "dvr": True, "chat_anonymous_read": True}, {}, None)


@view_config(route_name="live.new", request_method="POST", permission="authenticated")
def create(request):
    require_staff(request)
    fields, errors = forms.read_form(request, request.POST, zone(request))
    if errors:
        return form_page(request, dict(request.POST), errors, None, status=400)
    owners, groups, until = fields.pop("owners"), fields.pop("groups"), fields.pop("until")
    created = events.create_events(request, fields, owners, groups, until, zone(request))
    scheduled = plural("The event is scheduled.", "${count} events are scheduled.", len(created), count=len(created))
    request.session.flash(request.localizer.translate(scheduled), FLASH)
    return HTTPSeeOther(request.route_url("live.event", event_id=created[0].id))


@view_config(route_name="live.edit", request_method="GET")
def edit(request):
    event = require_event(request, "edit")
    return form_page(request, forms.event_form(event, zone(request)), {}, event)


@view_config(route_name="live.edit", request_method="POST")
def update(request):
    event = require_event(request, "edit")
    fields, errors = forms.read_form(request, request.POST, zone(request), event)
    if errors:
        return form_page(request, dict(request.POST), errors, event, status=400)
    if current_state(request.registry, event) not in ("scheduled", "waiting"):
        fields["starts_at"], fields["ends_at"] = event.starts_at, event.ends_at  # a broadcast's past stays
    event.owners, event.allowed_groups = fields.pop("owners"), fields.pop("groups")
    fields.pop("until")
    before = event.starts_at
    for name, value in fields.items():
        setattr(event, name, value)
    saved = request.translate("Saved.")
    if request.POST.get("following") == "on":
        count = events.apply_to_following(request, event, before, fields, zone(request))
        saved = (
            request.localizer.translate(
                plural(
                    "Saved, and on the following week.",
                    "Saved, and on the ${count} following weeks.",
                    count,
                    count=count,
                )
            )
            if count
            else saved
        )
    request.session.flash(saved, FLASH)
    return HTTPSeeOther(request.route_url("live.event", event_id=event.id))


def public_event(request, event: LiveEvent, state: str, is_owner: bool) -> dict:
    """What the chat and other asides know of the event (``amphi_live_aside``)."""
    return {
        "id": event.id,
        "room": f"event-{event.id}",
        "state": state,
        "title": event.title,
        "is_owner": is_owner,
        "started_at": event.on_air_at.isoformat() if event.on_air_at else None,
    }


def owner_panel(request, event: LiveEvent) -> dict:
    settings = request.registry.settings
    store = viewers.store(live_settings(request.registry, request.site)["viewer_store"])
    return {
        "ingest_url": live_settings(request.registry, request.site)["ingest_url"],
        "main_key": keys.stream_key(settings, event),
        "audio_keys": [(audio, keys.stream_key(settings, event, audio)) for audio in event.audios],
        "current_viewers": store.count(event.id, viewers.now()),
    }


def asides(request, event: dict) -> list:
    """The fragments the site's plugins show beside the player (``amphi_live_aside``), in order."""
    answers = collect(request, "amphi_live_aside", expect=Iterable, event=event)
    return [fragment for answer in answers for fragment in answer]


@view_config(route_name="live.event", renderer="plugins.live:templates/live/event.html")
def show(request):
    event = require_event(request)
    if events.locked_by_password(request, event):
        return render_to_response(
            "plugins.live:templates/live/locked.html", {**common(request), "event": event, "error": ""}, request=request
        )
    state = current_state(request.registry, event)
    is_owner = event_permits(request, event, "edit")
    from plugins.live import segments

    replay = event.replay_video if event.replay_video and video_permits(request, event.replay_video, "view") else None
    return {
        **(dict(player_context(request, replay), video=replay) if replay is not None else {}),
        **common(request),
        "event": event,
        "state": state,
        "is_owner": is_owner,
        "playlist_url": segments.playlist_url(request, event.id) if state == "on_air" else "",
        "playable": state == "on_air" and segments.is_live(request.registry, event.id),
        "replay": replay,
        "asides": asides(request, public_event(request, event, state, is_owner)),
        "panel": owner_panel(request, event) if is_owner else None,
        "beacon_seconds": viewers.BEACON_SECONDS,
        "beacon_pass": viewers.beacon_pass(request.registry.settings, event) if state == "on_air" else "",
        "now": utcnow(),
    }


@view_config(route_name="live.unlock", request_method="POST")
def unlock(request):
    event = require_event(request)
    if event.access == "password" and check_password(event.password_hash, request.POST.get("password", "")):
        events.unlock(request, event)
        return HTTPSeeOther(request.route_url("live.event", event_id=event.id))
    response = render_to_response(
        "plugins.live:templates/live/locked.html",
        {**common(request), "event": event, "error": request.translate("Wrong password.")},
        request=request,
    )
    response.status = 403
    return response


@view_config(route_name="live.rotate", request_method="POST")
def rotate(request):
    event = require_event(request, "edit")
    audio_id = request.POST.get("audio", "")
    audio = next((a for a in event.audios if str(a.id) == audio_id), None)
    if audio_id and audio is None:
        raise HTTPBadRequest()
    keys.rotate(event, audio)
    request.session.flash(request.translate("A new stream key was made; the previous one no longer works."), FLASH)
    return HTTPSeeOther(request.route_url("live.event", event_id=event.id, _anchor="owner-panel"))


@view_config(route_name="live.audios", request_method="POST")
def audios(request):
    """Add an interpreter's language (``language``, ``name``) or remove one (``remove=<id>``)."""
    event = require_event(request, "edit")
    removed = request.POST.get("remove")
    if removed:
        event.audios = [a for a in event.audios if str(a.id) != removed or a.publishing]
    else:
        language, name, errors = forms.read_audio(request.POST)
        if any(a.language == language for a in event.audios):
            errors["language"] = request.translate("This language already has an interpreter's key.")
        if errors:
            for message in errors.values():
                request.session.flash(request.translate(message), FLASH)
        else:
            event.audios.append(LiveAudio(language=language, name=name))
    return HTTPSeeOther(request.route_url("live.event", event_id=event.id, _anchor="owner-panel"))


@view_config(route_name="live.stop", request_method="POST")
def stop(request):
    """The owners end the broadcast (a publisher nginx never reported gone no longer holds the event)."""
    event = callbacks.locked_event(request, require_event(request, "edit").id)
    if event is not None and event.state == "on_air":
        event.state, event.ended_at, event.closed = "ended", utcnow(), True
        for audio in event.audios:
            audio.publishing = False
        callbacks.after_commit(request, callbacks.stop_packaging, request.registry, event.id)
        request.session.flash(request.translate("The broadcast is ended."), FLASH)
    return HTTPSeeOther(request.route_url("live.event", event_id=event.id if event else 0))


@view_config(route_name="live.status", renderer="json")
def status(request):
    """The state the waiting page polls (and, for owners, the viewer counts)."""
    event = require_event(request)
    if events.locked_by_password(request, event):
        raise HTTPForbidden()
    from plugins.live import segments

    state = current_state(request.registry, event)
    answer: dict = {"state": state, "playable": state == "on_air" and segments.is_live(request.registry, event.id)}
    if event_permits(request, event, "edit"):
        store = viewers.store(live_settings(request.registry, request.site)["viewer_store"])
        answer.update(viewers=store.count(event.id, viewers.now()), peak=event.peak_viewers)
    return answer


@view_config(route_name="live.beacon", request_method="POST", require_csrf=False)
def beacon(request):
    """One viewer is watching: counted, no page; the event's row is written only when the peak rises.

    The beacon carries the pass its event page gave (:func:`viewers.beacon_pass`): only a viewer who may
    watch is counted.
    """
    viewer = request.POST.get("viewer", "")
    if not viewers.VIEWER_ID.match(viewer):
        raise HTTPBadRequest()
    event_id = int(request.matchdict["event_id"])
    now = viewers.now()
    if not viewers.pass_is_valid(request.registry.settings, event_id, request.POST.get("pass", ""), now):
        raise HTTPForbidden()
    store = viewers.store(live_settings(request.registry, request.site)["viewer_store"])
    known = viewers.known_event(request, event_id)
    if known is None:
        raise HTTPNotFound()
    current = store.seen(event_id, viewer, now)
    peak = viewers.peak_to_write(event_id, known, current, now)
    if peak is not None:
        viewers.write_peak(request, event_id, peak)
    return Response(status=204)
