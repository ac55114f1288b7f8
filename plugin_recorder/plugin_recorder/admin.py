"""Site administration of recorders: the list, one recorder's settings, its push token and its schedule."""

from __future__ import annotations

import functools

from pyramid.httpexceptions import HTTPFound, HTTPNotFound
from pyramid.view import view_config
from sqlalchemy import select

from core.models import utcnow
from core.plugin_api import ACCESS_LABELS, ValidationError, _, language_choices, personal_changed, translate_errors
from plugin_recorder.auth import new_push_token
from plugin_recorder.forms import (
    EVENT_FIELDS,
    event_form,
    local_input,
    read_recorder_form,
    recorder_form,
    save_event,
    save_recorder,
    site_channels,
)
from plugin_recorder.models import RECORDER_ACCESS, RECORDER_TYPES, DropFile, Recorder, RecorderEvent, state_label
from plugin_recorder.notices import grace_of, no_video_notice, notice_text

NAME = "recorder"
TYPE_LABELS = {
    "opencast": _("Opencast capture agent (pyCA, Galicaster, Epiphan, Extron...)"),
    "folder": _("Watched drop folder"),
    "push": _("HTTP push"),
}


def settings(request) -> dict:
    return request.plugin_settings(NAME)


def site_recorder(request) -> Recorder:
    recorder = request.dbsession.get(Recorder, int(request.matchdict["recorder_id"]))
    if recorder is None or recorder.site_id != request.site.id:
        raise HTTPNotFound()
    return recorder


def recent_files(request, recorder) -> list[DropFile]:
    if recorder is None or recorder.type != "folder":
        return []
    return list(
        request.dbsession.scalars(
            select(DropFile).where(DropFile.recorder_id == recorder.id).order_by(DropFile.id.desc()).limit(20)
        )
    )


def form_values(request, recorder, form, errors=None, token=None) -> dict:
    return {
        "recorder": recorder,
        "form": form,
        "errors": errors or {},
        "token": token,
        "files": recent_files(request, recorder),
        "channels": site_channels(request),
        "types": RECORDER_TYPES,
        "type_labels": TYPE_LABELS,
        "access_levels": RECORDER_ACCESS,
        "access_labels": ACCESS_LABELS,
        "language_options": language_choices(request.locale_name),
        "saved": "saved" in request.params,
        "drop_root": settings(request)["drop_root"],
    }


@view_config(
    route_name="recorder.admin",
    renderer="plugin_recorder:templates/recorders.html",
    permission="site-admin",
    request_method="GET",
)
def recorders_page(request):
    recorders = sorted(
        request.dbsession.scalars(select(Recorder).where(Recorder.site_id == request.site.id)),
        key=lambda r: r.name.casefold(),
    )
    return {
        "recorders": recorders,
        "type_labels": TYPE_LABELS,
        "deleted": request.params.get("deleted"),
        "state_label": functools.partial(state_label, request),
    }


@view_config(
    route_name="recorder.new", renderer="plugin_recorder:templates/recorder_edit.html", permission="site-admin"
)
def new_recorder(request):
    if request.method != "POST":
        return form_values(request, None, recorder_form(None))
    form = read_recorder_form(request.POST)
    try:
        recorder = save_recorder(request, None, form, settings(request))
    except ValidationError as exc:
        request.response.status = 400
        return form_values(request, None, form, translate_errors(request, exc.errors))
    return HTTPFound(request.route_url("recorder.edit", recorder_id=recorder.id, _query={"saved": 1}))


@view_config(
    route_name="recorder.edit", renderer="plugin_recorder:templates/recorder_edit.html", permission="site-admin"
)
def edit_recorder(request):
    recorder = site_recorder(request)
    if request.method != "POST":
        return form_values(request, recorder, recorder_form(recorder))
    form = read_recorder_form(request.POST)
    try:
        save_recorder(request, recorder, form, settings(request))
    except ValidationError as exc:
        request.response.status = 400
        return form_values(request, recorder, form, translate_errors(request, exc.errors))
    return HTTPFound(request.route_url("recorder.edit", recorder_id=recorder.id, _query={"saved": 1}))


@view_config(
    route_name="recorder.token",
    renderer="plugin_recorder:templates/recorder_edit.html",
    permission="site-admin",
    request_method="POST",
)
def make_push_token(request):
    """A new push token, shown once on the page that answers (only its hash is kept)."""
    recorder = site_recorder(request)
    token = new_push_token(recorder)
    return form_values(request, recorder, recorder_form(recorder), token=token)


@view_config(route_name="recorder.delete", permission="site-admin", request_method="POST")
def delete_recorder(request):
    recorder = site_recorder(request)
    request.dbsession.delete(recorder)
    personal_changed(request.dbsession)  # its manager's pending recordings go with it
    return HTTPFound(request.route_url("recorder.admin", _query={"deleted": recorder.name}))


# --- schedule ---------------------------------------------------------------------


def missing_notice(request, event, now, grace) -> str:
    return notice_text(request.localizer, no_video_notice(event, now, grace))


def schedule_values(request, recorder, form=None, errors=None) -> dict:
    site_settings = settings(request)
    zone, now, grace = site_settings["timezone"], utcnow(), grace_of(site_settings)
    events = [
        (
            event,
            local_input(event.start, zone).replace("T", " "),
            local_input(event.end, zone)[11:],
            missing_notice(request, event, now, grace),
        )
        for event in request.dbsession.scalars(
            select(RecorderEvent).where(RecorderEvent.recorder_id == recorder.id).order_by(RecorderEvent.start)
        )
    ]
    return {
        "recorder": recorder,
        "events": events,
        "zone": zone,
        "form": form or {},
        "errors": errors or {},
        "saved": "saved" in request.params,
        "state_label": functools.partial(state_label, request),
    }


@view_config(
    route_name="recorder.schedule", renderer="plugin_recorder:templates/schedule.html", permission="site-admin"
)
def schedule_page(request):
    recorder = site_recorder(request)
    if request.method != "POST":
        return schedule_values(request, recorder)
    form = {key: request.POST.get(key, "") for key in EVENT_FIELDS}
    try:
        save_event(request, recorder, form, settings(request)["timezone"])
    except ValidationError as exc:
        request.response.status = 400
        return schedule_values(request, recorder, form, translate_errors(request, exc.errors))
    return HTTPFound(request.route_url("recorder.schedule", recorder_id=recorder.id, _query={"saved": 1}))


def recorder_event(request, recorder: Recorder) -> RecorderEvent:
    event = request.dbsession.get(RecorderEvent, int(request.matchdict["event_id"]))
    if event is None or event.recorder_id != recorder.id:
        raise HTTPNotFound()
    return event


@view_config(route_name="recorder.event", renderer="plugin_recorder:templates/event_edit.html", permission="site-admin")
def edit_event(request):
    recorder = site_recorder(request)
    event = recorder_event(request, recorder)
    zone = settings(request)["timezone"]
    if request.method != "POST":
        return {"recorder": recorder, "event": event, "zone": zone, "form": event_form(event, zone), "errors": {}}
    form = {key: request.POST.get(key, "") for key in EVENT_FIELDS}
    try:
        save_event(request, recorder, form, zone, event)
    except ValidationError as exc:
        request.response.status = 400
        return {
            "recorder": recorder,
            "event": event,
            "zone": zone,
            "form": form,
            "errors": translate_errors(request, exc.errors),
        }
    return HTTPFound(request.route_url("recorder.schedule", recorder_id=recorder.id, _query={"saved": 1}))


@view_config(route_name="recorder.event.delete", permission="site-admin", request_method="POST")
def delete_event(request):
    recorder = site_recorder(request)
    event = recorder_event(request, recorder)
    request.dbsession.delete(event)
    return HTTPFound(request.route_url("recorder.schedule", recorder_id=recorder.id, _query={"saved": 1}))
