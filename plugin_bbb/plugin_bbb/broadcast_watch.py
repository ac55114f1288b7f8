"""The minute watch of broadcasts: what a missed webhook or a dead worker would otherwise leave on air.

Every minute, for the sites that enable the plugin: capture broadcasts whose worker died are restarted
or failed (:func:`plugin_bbb.broadcasts.watch_leases`); then each active broadcast's meeting is asked
(``getMeetingInfo``): a meeting no longer running stops its broadcast (the ``meeting-ended`` webhook may
have been missed), a meeting left to the streamer alone for ``amphi.bbb.alone_minutes`` too (the
streamer, a viewer, would keep it running for ever); and a broadcast whose event ended stops. As the
reconciliation does, it reads the database (:func:`plan`), closes the transaction, asks the servers
(:func:`probe`), then writes in a new transaction (:func:`apply`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from core.models import Site, utcnow
from core.plugin_api import worker_request
from plugin_bbb.broadcast_models import BbbBroadcast
from plugin_bbb.broadcasts import live_api, live_enabled, request_stop, watch_leases
from plugin_bbb.client import BbbClient, BbbError, BbbMeetingNotFound
from plugin_bbb.meetings import NAME, bbb_settings

log = logging.getLogger(__name__)
#: The user id the streamer joins with starts with this (so the watch tells it from the people).
STREAMER_PREFIX = "amphi-live-"


@dataclass(frozen=True)
class MeetingCheck:
    """What asking one broadcast's meeting needs, as plain values."""

    broadcast_id: int
    site_id: int
    mode: str
    url: str
    secret: str
    algorithm: str
    timeout: float
    meeting_id: str


def plan(request, now: datetime | None = None) -> list[MeetingCheck]:
    """Lost workers handled, then the meetings of the active broadcasts to ask."""
    watch_leases(request, now)
    enabled = [site.id for site in request.dbsession.scalars(select(Site)) if site.has_plugin(NAME)]
    rows = request.dbsession.scalars(
        select(BbbBroadcast).where(BbbBroadcast.site_id.in_(enabled), BbbBroadcast.state.in_(("starting", "on_air")))
    )
    checks = []
    for broadcast in rows:
        server = broadcast.meeting.server
        if server is None:
            continue
        settings = bbb_settings(request.registry, broadcast.meeting.site)
        checks.append(
            MeetingCheck(
                broadcast_id=broadcast.id,
                site_id=broadcast.site_id,
                mode=broadcast.mode,
                url=server.url,
                secret=server.secret,
                algorithm=server.checksum_algorithm,
                timeout=float(settings["timeout_seconds"]),
                meeting_id=broadcast.meeting.meeting_id,
            )
        )
    return checks


def probe(check: MeetingCheck) -> str:
    """``running``, ``alone`` (only the streamer is left), ``ended`` or ``unknown`` (the server did not say)."""
    client = BbbClient(check.url, check.secret, check.algorithm, timeout=check.timeout)
    try:
        info = client.meeting_info(check.meeting_id)
    except BbbMeetingNotFound:
        return "ended"
    except BbbError as exc:
        log.warning("bbb: broadcast %s: the meeting's server did not answer: %s", check.broadcast_id, exc)
        return "unknown"
    if not info.running:
        return "ended"
    people = [a for a in info.attendees if not a.user_id.startswith(STREAMER_PREFIX)]
    return "alone" if check.mode == "capture" and not people else "running"


def apply(request, check: MeetingCheck, found: str, now: datetime | None = None) -> str:
    """Act on what :func:`probe` found; returns what was done (``stopped:<reason>``, ``alone``, ``kept``)."""
    now = now or utcnow()
    broadcast = request.dbsession.get(BbbBroadcast, check.broadcast_id)
    if broadcast is None or broadcast.state not in ("starting", "on_air"):
        return "kept"
    if not live_enabled(request):
        return "kept"
    event = live_api().event_summary(request, broadcast.event_id)
    if event is None or event.over:
        request_stop(request, broadcast, "event-ended")
        return "stopped:event-ended"
    if found == "ended":
        request_stop(request, broadcast, "meeting-ended")
        return "stopped:meeting-ended"
    if found != "alone":
        broadcast.alone_since = None if found == "running" else broadcast.alone_since
        return "kept"
    minutes = bbb_settings(request.registry, request.site)["alone_minutes"]
    broadcast.alone_since = broadcast.alone_since or now
    if now - broadcast.alone_since >= timedelta(minutes=minutes):
        request_stop(request, broadcast, "alone")
        return "stopped:alone"
    return "alone"


def watch() -> None:
    """The periodic task's body (see the module's documentation)."""
    with worker_request() as request:
        checks = plan(request)
    for check in checks:
        found = probe(check)
        with worker_request(check.site_id) as request:
            apply(request, check, found)
