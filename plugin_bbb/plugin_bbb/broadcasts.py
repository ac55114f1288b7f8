"""Live broadcasts of meetings into the live plugin's events: starting, stopping, and what ends them.

An owner of a running meeting starts a broadcast into a new live event or one of theirs whose window is
open (:func:`start`). After the commit, the server's streaming mode takes over: Amphi's capture worker
(:mod:`plugin_bbb.streamer`: a viewer that joins the meeting, filmed and published over RTMP with the
event's key) or a SIPMediaGW gateway (:mod:`plugin_bbb.gateway`). A stop is asked (:func:`request_stop`)
by the owners, by the meeting's end (its ``meeting-ended`` webhook, or the minute watch finding it no
longer running, or left to the streamer alone) and by the event's end; stopping ends the event, whose
replay follows the live plugin's path.

The ``live`` plugin is optional beside this one: every function here works only on sites that enable it
(:func:`live_enabled`), and talks to it through :mod:`plugins.live.api` alone.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from huey import crontab
from sqlalchemy import select

from core.models import User, utcnow
from core.plugin_api import _, enqueue_after_commit, huey, lock_rows
from plugin_bbb.broadcast_models import ACTIVE_STATES, BbbBroadcast
from plugin_bbb.hooks import on_event
from plugin_bbb.meetings import NAME, bbb_settings, current_slot
from plugin_bbb.models import BbbMeeting

log = logging.getLogger(__name__)
#: How long a capture worker's lease lasts; it renews it every :data:`plugin_bbb.streamer.POLL_SECONDS`.
LEASE = timedelta(seconds=30)
#: Starts of one broadcast (the first and its restarts after a crash or a lost worker).
MAX_ATTEMPTS = 3
#: A broadcast still ``starting`` this long after it was asked, with no worker on it, lost its task.
STALE_START = timedelta(minutes=10)
#: Who may watch a new event: the choices of the broadcast form.
EVENT_ACCESS = ("public", "signed-in", "draft")
STATE_LABELS = {
    "starting": _("Broadcast: starting."),
    "on_air": _("Broadcast: on air."),
    "stopping": _("Broadcast: stopping."),
    "ended": _("Broadcast: ended."),
    "failed": _("Broadcast: failed."),
}


class BroadcastRefused(Exception):
    """A broadcast that cannot start; ``words`` tell the owner why (a translation string)."""

    def __init__(self, words):
        super().__init__(str(words))
        self.words = words


def uses(request, plugin: str) -> bool:
    """Whether the request's site enables ``plugin`` and it is loaded (``live`` and ``chat`` are optional)."""
    return request.site.has_plugin(plugin) and plugin in request.registry.plugins.names()


def live_enabled(request) -> bool:
    return uses(request, "live")


def live_api():
    """The live plugin's public module (imported only where the site enables it)."""
    from plugins.live import api

    return api


def active_broadcast(dbsession, meeting: BbbMeeting) -> BbbBroadcast | None:
    query = select(BbbBroadcast).where(BbbBroadcast.meeting_id == meeting.id, BbbBroadcast.state.in_(ACTIVE_STATES))
    return dbsession.scalar(query.order_by(BbbBroadcast.id.desc()))


def latest_broadcast(dbsession, meeting: BbbMeeting) -> BbbBroadcast | None:
    query = select(BbbBroadcast).where(BbbBroadcast.meeting_id == meeting.id)
    return dbsession.scalar(query.order_by(BbbBroadcast.id.desc()))


def lease_alive(broadcast: BbbBroadcast, now: datetime | None = None) -> bool:
    """A capture worker holds the broadcast now."""
    expires = broadcast.lease_expires_at
    return bool(broadcast.lease_owner) and expires is not None and expires > (now or utcnow())


# --- starting ---------------------------------------------------------------------------------------


def event_end(request, meeting: BbbMeeting, now: datetime) -> datetime:
    """When a new event ends: the meeting's current slot's end, else ``broadcast_hours`` from now."""
    settings = bbb_settings(request.registry, request.site)
    slot = current_slot(meeting, now, timedelta(0), settings["timezone"])
    if slot is not None and slot[1] > now + timedelta(minutes=15):
        return slot[1]
    return now + timedelta(hours=settings["broadcast_hours"])


def choose_event(request, meeting: BbbMeeting, user: User, event_id: int | None, access: str, now: datetime):
    """The event to broadcast into: one of ``user``'s whose window is open, or a new one."""
    api = live_api()
    if event_id is not None:
        found = next((e for e in api.broadcast_events(request, user) if e.id == event_id), None)
        taken = select(BbbBroadcast.id).where(BbbBroadcast.event_id == event_id, BbbBroadcast.state.in_(ACTIVE_STATES))
        if found is None or request.dbsession.scalar(taken.where(BbbBroadcast.site_id == request.site.id)):
            raise BroadcastRefused(_("Choose one of your live events whose broadcast may start now."))
        return found
    if access not in EVENT_ACCESS:
        raise BroadcastRefused(_("Choose who may watch."))
    owners = list(meeting.owners) + ([user] if not meeting.is_owned_by(user) else [])
    end = event_end(request, meeting, now)
    return api.create_event(request, owners, meeting.name, meeting.description, ends_at=end, access=access)


def start(
    request,
    meeting: BbbMeeting,
    user: User,
    *,
    event_id: int | None = None,
    access: str = "signed-in",
    show_meeting_chat: bool = False,
) -> BbbBroadcast:
    """Start broadcasting ``meeting`` (whose owner ``user`` is; the caller checked that it runs) into
    event ``event_id`` of ``user``, or into a new event of the meeting's owners that ``access`` allows to
    watch. The streamer or the gateway is started after the commit. Raises :class:`BroadcastRefused`."""
    if not live_enabled(request):
        raise BroadcastRefused(_("Live events are not enabled on this site."))
    server = meeting.server
    if server is None or not server.enabled:
        raise BroadcastRefused(_("The meeting's server is not available; ask the site's administrators."))
    if server.streaming_mode == "gateway" and not server.gateway_url:
        raise BroadcastRefused(_("The meeting's server streams through a gateway whose address is not set."))
    lock_rows(request.dbsession, BbbMeeting, BbbMeeting.id == meeting.id)  # two owners clicking at once
    if active_broadcast(request.dbsession, meeting) is not None:
        raise BroadcastRefused(_("The meeting is being broadcast already."))
    now = utcnow()
    event = choose_event(request, meeting, user, event_id, access, now)
    broadcast = BbbBroadcast(
        site_id=meeting.site_id,
        meeting_id=meeting.id,
        event_id=event.id,
        mode=server.streaming_mode,
        state="starting",
        show_meeting_chat=show_meeting_chat,
        started_by_id=user.id,
    )
    request.dbsession.add(broadcast)
    request.dbsession.flush()
    enqueue_after_commit(request, launch, broadcast.id, broadcast.mode)
    log.info("bbb: broadcast %s of meeting %s into event %s (%s)", broadcast.id, meeting.id, event.id, broadcast.mode)
    return broadcast


def launch(broadcast_id: int, mode: str, delay: int = 0) -> None:
    """Queue the work that makes the broadcast (called after a commit)."""
    if mode == "gateway":
        from plugin_bbb.gateway import start_gateway as task
    else:
        from plugin_bbb.streamer import run_capture as task
    if delay:
        task.schedule((broadcast_id,), delay=delay)
    else:
        task(broadcast_id)


# --- stopping ---------------------------------------------------------------------------------------


def request_stop(request, broadcast: BbbBroadcast, reason: str) -> None:
    """Ask the broadcast to stop (``reason``: ``owner``, ``meeting-ended``, ``event-ended``, ``alone``).

    A capture worker holding the broadcast sees it within seconds and stops, then ends the event; a
    gateway is told after the commit; a broadcast nobody holds (its worker died, or never came) is
    ended at once.
    """
    if broadcast.state not in ("starting", "on_air"):
        return
    broadcast.state, broadcast.stop_reason = "stopping", reason
    if broadcast.mode == "gateway":
        from plugin_bbb.gateway import stop_gateway

        enqueue_after_commit(request, stop_gateway, broadcast.id)
    elif not lease_alive(broadcast):
        finish(request, broadcast, "ended")
    log.info("bbb: broadcast %s asked to stop (%s)", broadcast.id, reason)


def finish(request, broadcast: BbbBroadcast, state: str = "ended", error: str = "") -> None:
    """The broadcast is over (``ended`` or ``failed``): no lease any more, and its event is ended."""
    broadcast.state, broadcast.ended_at = state, utcnow()
    broadcast.lease_owner, broadcast.lease_expires_at = "", None
    if error:
        broadcast.error = error[:2000]
    if state == "failed" and not broadcast.stop_reason:
        broadcast.stop_reason = "failed"
    if live_enabled(request):
        live_api().end_event(request, broadcast.event_id)


def retry_or_fail(request, broadcast: BbbBroadcast, error: str, delay: int = 5) -> bool:
    """A capture that stopped by itself, or whose worker vanished: start it again (True) unless its
    attempts are spent or a stop was asked, in which case it fails (or ends) with ``error``."""
    broadcast.lease_owner, broadcast.lease_expires_at = "", None
    if broadcast.state == "stopping":
        finish(request, broadcast, "ended")
        return False
    if broadcast.attempts >= MAX_ATTEMPTS:
        finish(request, broadcast, "failed", error)
        return False
    broadcast.state, broadcast.error = "starting", error[:2000]
    enqueue_after_commit(request, launch, broadcast.id, broadcast.mode, delay)
    log.warning("bbb: broadcast %s restarts after: %s", broadcast.id, error)
    return True


@on_event("meeting-ended")
def stop_when_the_meeting_ends(request, server, meeting, event) -> None:
    """The meeting ended (its webhook): its broadcast stops."""
    if meeting is None:
        return
    broadcast = active_broadcast(request.dbsession, meeting)
    if broadcast is not None:
        request_stop(request, broadcast, "meeting-ended")


# --- the minute watch -------------------------------------------------------------------------------


def watch_leases(request, now: datetime | None = None) -> dict[str, int]:
    """Capture broadcasts whose worker died (lease run out) or never came: restarted or failed; those
    whose worker died while stopping: ended. Database only (no server is asked)."""
    now = now or utcnow()
    counts = {"restarted": 0, "failed": 0, "ended": 0}
    rows = request.dbsession.scalars(
        select(BbbBroadcast).where(BbbBroadcast.mode == "capture", BbbBroadcast.state.in_(ACTIVE_STATES))
    )
    for broadcast in list(rows):
        request.site = broadcast.meeting.site
        if not request.site.has_plugin(NAME):
            continue
        held = lease_alive(broadcast, now)
        if broadcast.state == "stopping" and not held:
            finish(request, broadcast, "ended")
            counts["ended"] += 1
        elif broadcast.lease_owner and not held:
            why = "The streamer's worker stopped (killed or restarted) while it published."
            counts["restarted" if retry_or_fail(request, broadcast, why) else "failed"] += 1
        elif not broadcast.lease_owner and broadcast.state == "starting" and broadcast.updated_at < now - STALE_START:
            why = "No worker took the broadcast (is a worker running?)."
            counts["restarted" if retry_or_fail(request, broadcast, why) else "failed"] += 1
    return counts


@huey.periodic_task(crontab(minute="*"))
def watch_broadcasts() -> None:
    """Every minute: lost workers (:func:`watch_leases`), then meetings that ended or were left to the
    streamer alone, and events that ended (:mod:`plugin_bbb.broadcast_watch`)."""
    from plugin_bbb.broadcast_watch import watch

    watch()
