"""The Opencast capture-agent side: service discovery, agent state and configuration, recording
states and the schedule calendar, as pyCA, Galicaster and Opencast-mode boxes call them.

Every call carries the recorder's credentials (HTTP digest, or basic); an agent may only speak
for itself. These routes are the plugin's, so they answer 404 on sites that did not enable it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import defusedxml.ElementTree as SafeXML
from pyramid.response import Response
from pyramid.view import exception_view_config, view_config
from sqlalchemy import select

from core.models import utcnow
from core.plugin_api import parse_json
from plugin_recorder.auth import RecorderUnauthorized, require_agent, unauthorized
from plugin_recorder.calendar import agent_calendar
from plugin_recorder.missing import agent_reported
from plugin_recorder.models import AGENT_STATES, RECORDING_STATES, Recorder, RecorderEvent

#: Opencast service types and where Amphi serves them.
SERVICES = {
    "org.opencastproject.capture.admin": "/capture-admin",
    "org.opencastproject.scheduler": "/recordings",
    "org.opencastproject.ingest": "/ingest",
}
MAX_CONFIGURATION = 64 * 1024


class AgentError(Exception):
    """A refused agent call: plain text with its status (agents read no error pages)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


@exception_view_config(RecorderUnauthorized)
def recorder_unauthorized(exc, request):
    return unauthorized(request)


@exception_view_config(AgentError)
def agent_error(exc, request):
    return text(exc.message + "\n", exc.status)


def text(body: str, status: int = 200) -> Response:
    return Response(body, status=status, content_type="text/plain", charset="utf-8")


@view_config(route_name="recorder.services", request_method="GET", renderer="json")
def available_services(request):
    """Opencast's service registry answer, for the one host that is this site."""
    require_agent(request)
    wanted = request.params.get("serviceType", "")
    host = request.application_url
    services = [
        {
            "type": kind,
            "host": host,
            "path": path,
            "active": True,
            "online": True,
            "maintenance": False,
            "jobproducer": kind == "org.opencastproject.ingest",
            "service_state": "NORMAL",
        }
        for kind, path in SERVICES.items()
        if not wanted or kind == wanted
    ]
    return {"services": {"service": services[0] if len(services) == 1 else services}}


def own_agent(request) -> Recorder:
    """The authenticated agent, which must be the one named in the URL."""
    recorder = require_agent(request)
    if request.matchdict["name"] != recorder.name:
        raise AgentError(403, "An agent may only speak for itself.")
    return recorder


@view_config(route_name="recorder.agent", request_method="POST", require_csrf=False)
def set_agent_state(request):
    recorder = own_agent(request)
    state = request.POST.get("state", "")
    if state not in AGENT_STATES:
        raise AgentError(400, f"state must be one of {', '.join(AGENT_STATES)}")
    recorder.agent_state = state
    recorder.agent_address = request.POST.get("address", "")[:500]
    recorder.agent_seen_at = utcnow()
    return text(f"{recorder.name} set to {state}")


@view_config(route_name="recorder.agent", request_method="GET", renderer="json")
def agent_state(request):
    recorder = own_agent(request)
    seen = recorder.agent_seen_at
    return {
        "agent-state-update": {
            "name": recorder.name,
            "state": recorder.agent_state or "unknown",
            "url": recorder.agent_address,
            "time-since-last-update": int((utcnow() - seen).total_seconds() * 1000) if seen else None,
        }
    }


@view_config(route_name="recorder.agent.configuration", request_method="GET", renderer="json")
def agent_configuration(request):
    return own_agent(request).agent_configuration or {}


@view_config(route_name="recorder.agent.configuration", request_method="POST", require_csrf=False, renderer="json")
def set_agent_configuration(request):
    recorder = own_agent(request)
    raw = request.POST.get("configuration", "")
    if not raw or len(raw) > MAX_CONFIGURATION:
        raise AgentError(400, "configuration (properties as XML, JSON or key=value lines) is required")
    try:
        recorder.agent_configuration = parse_properties(raw)
    except ValueError as exc:
        raise AgentError(400, f"configuration is not valid: {exc}") from None
    return recorder.agent_configuration


def parse_properties(raw: str) -> dict:
    """Java properties as XML (``<properties><entry key=..>``), JSON or ``key=value`` lines."""
    raw = raw.strip()
    if raw.startswith("<"):
        try:
            root = SafeXML.fromstring(raw)
        except SafeXML.ParseError as exc:
            raise ValueError(str(exc)) from None
        return {entry.get("key", ""): entry.text or "" for entry in root.iter("entry") if entry.get("key")}
    if raw.startswith("{"):
        data = parse_json(raw)  # a ValueError for anything core.web.inputs refuses
        if not isinstance(data, dict):
            raise ValueError("a JSON object is expected")
        return {str(key): str(value) for key, value in data.items()}
    pairs = (line.split("=", 1) for line in raw.splitlines() if "=" in line and not line.lstrip().startswith("#"))
    return {key.strip(): value.strip() for key, value in pairs}


def agent_event(request, recorder: Recorder) -> RecorderEvent:
    event = request.dbsession.scalar(
        select(RecorderEvent).where(
            RecorderEvent.uid == request.matchdict["uid"], RecorderEvent.recorder_id == recorder.id
        )
    )
    if event is None:
        raise AgentError(404, "No such recording is scheduled for this agent.")
    return event


@view_config(route_name="recorder.recording", request_method="POST", require_csrf=False)
def set_recording_state(request):
    recorder = require_agent(request)
    state = request.POST.get("state", "")
    if state not in RECORDING_STATES:
        raise AgentError(400, f"state must be one of {', '.join(RECORDING_STATES)}")
    event = agent_event(request, recorder)
    event.state, event.state_at = state, utcnow()
    agent_reported(request, event)
    return text(f"{event.uid} set to {state}")


@view_config(route_name="recorder.recording", request_method="GET", renderer="json")
def recording_state(request):
    event = agent_event(request, require_agent(request))
    at = event.state_at
    return {
        "recording": {
            "id": event.uid,
            "state": event.state or "unknown",
            "lastHeardFrom": int(at.timestamp() * 1000) if at else 0,
        }
    }


@view_config(route_name="recorder.calendar", request_method="GET")
def calendar(request):
    """The agent's upcoming events as iCalendar; ``cutoff`` (ms since 1970) bounds their start."""
    recorder = require_agent(request)
    if request.params.get("agentid", recorder.name) != recorder.name:
        raise AgentError(403, "An agent may only read its own calendar.")
    cutoff = None
    if request.params.get("cutoff"):
        try:
            cutoff = datetime.fromtimestamp(int(request.params["cutoff"]) / 1000, UTC)
        except (ValueError, OverflowError, OSError):
            raise AgentError(400, "cutoff must be milliseconds since 1970") from None
    body = agent_calendar(request.dbsession, recorder, cutoff)
    return Response(body, content_type="text/calendar", charset="utf-8")
