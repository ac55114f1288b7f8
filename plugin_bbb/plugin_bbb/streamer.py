"""Amphi's own streamer (a server's streaming mode ``capture``): a viewer that joins the meeting, filmed
with its sound by the capture worker (:class:`plugin_bbb.capture.LiveCapture`) and published over RTMP
to the live event with its key.

:func:`run_capture` is a huey task that runs for the whole broadcast in one of the worker's threads. It
claims the broadcast with a lease (:data:`plugin_bbb.broadcasts.LEASE`) in a short transaction, starts
the capture, marks the broadcast on air, then renews the lease every :data:`POLL_SECONDS`, reading at
the same time whether a stop was asked or the event ended; it never holds a transaction while the
capture runs. A capture that stops by itself is started again (up to
:data:`plugin_bbb.broadcasts.MAX_ATTEMPTS` starts); a worker killed meanwhile leaves its lease to run
out, which the minute watch notices (:func:`plugin_bbb.broadcasts.watch_leases`).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from core.models import utcnow
from core.plugin_api import huey, lock_rows, worker_request
from plugin_bbb.broadcast_models import ACTIVE_STATES, BbbBroadcast
from plugin_bbb.broadcast_watch import STREAMER_PREFIX
from plugin_bbb.broadcasts import (
    LEASE,
    BroadcastRefused,
    finish,
    lease_alive,
    live_api,
    live_enabled,
    request_stop,
    retry_or_fail,
)
from plugin_bbb.capture import CaptureError, CaptureSpec, LiveCapture
from plugin_bbb.client import client_for
from plugin_bbb.meetings import bbb_settings

log = logging.getLogger(__name__)
#: Seconds between two looks at the broadcast's row (a stop is seen within this long).
POLL_SECONDS = 2.0
#: Seconds the capture may take to start (Chromium, the meeting's page); the first lease covers them.
START_SECONDS = 90
START_LEASE = timedelta(seconds=START_SECONDS) + LEASE
#: BigBlueButton's join parameters for the streamer: listen only, straight in, no panel over the picture.
STREAMER_OPTIONS = {
    "userdata-bbb_auto_join_audio": "true",
    "userdata-bbb_listen_only_mode": "true",
    "userdata-bbb_force_listen_only": "true",
    "userdata-bbb_skip_check_audio": "true",
    "userdata-bbb_show_participants_on_login": "false",
}
#: Run in the page once filmed: the HTML5 client's "Listen only" button, when it asks.
START_JS = (
    '(() => { const b = document.querySelector(\'[data-test="listenOnlyBtn"], [aria-label="Listen only"]\');'
    " if (b) { b.click(); } return true; })()"
)
#: The HTML5 client's screen once the meeting is over: the capture then stops by itself.
ENDED_JS = "document.querySelector('[data-test=\"meetingEndedModalTitle\"], .meetingEnded') !== null"


@dataclass(frozen=True)
class CapturePlan:
    """What the streamer films and where it publishes (secrets inside: never logged, never shown)."""

    broadcast_id: int
    join_url: str
    rtmp_url: str
    key: str
    width: int
    height: int
    fps: int
    video_kbps: int

    def spec(self) -> CaptureSpec:
        return CaptureSpec(
            self.join_url,
            self.rtmp_url,
            width=self.width,
            height=self.height,
            fps=self.fps,
            video_kbps=self.video_kbps,
            start_js=START_JS,
            end_condition_js=ENDED_JS,
            start_timeout=START_SECONDS,
            max_duration=12 * 3600,
        )

    def redact(self, text: str) -> str:
        """``text`` (an error) without the stream key nor the signed join URL."""
        return text.replace(self.join_url, "<join URL>").replace(self.key, "…")


def worker_identity() -> str:
    """Who holds a lease: this host, this process, and this run of the task."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


@contextmanager
def broadcast_request(broadcast_id: int):
    """A request of the broadcast's site in a transaction of its own, the broadcast's row locked."""
    with worker_request() as request:
        lock_rows(request.dbsession, BbbBroadcast, BbbBroadcast.id == broadcast_id)
        broadcast = request.dbsession.get(BbbBroadcast, broadcast_id)
        if broadcast is not None:
            request.site = broadcast.meeting.site
        yield request, broadcast


def capture_plan(request, broadcast: BbbBroadcast) -> CapturePlan:
    """The streamer's join URL (a viewer named ``streamer_name``) and the event's RTMP URL with its key."""
    meeting = broadcast.meeting
    server = meeting.server
    if not live_enabled(request):
        raise BroadcastRefused("Live events are no longer enabled on this site.")
    if server is None or not server.enabled:
        raise BroadcastRefused("The meeting's server is not available.")
    target = live_api().publish_target(request, broadcast.event_id)
    if target is None:
        raise BroadcastRefused("The live event no longer exists.")
    settings = bbb_settings(request.registry, request.site)
    base = (settings["rtmp_url"].strip() or target.base).rstrip("/")
    options = {**STREAMER_OPTIONS, "userdata-bbb_show_public_chat_on_login": broadcast.show_meeting_chat}
    join_url = client_for(server).join_url(
        meeting.meeting_id,
        settings["streamer_name"],
        "VIEWER",
        user_id=f"{STREAMER_PREFIX}{broadcast.id}",
        password=meeting.attendee_password,
        **options,
    )
    return CapturePlan(
        broadcast_id=broadcast.id,
        join_url=join_url,
        rtmp_url=f"{base}/{target.key}",
        key=target.key,
        width=settings["capture_width"],
        height=settings["capture_height"],
        fps=settings["capture_fps"],
        video_kbps=settings["capture_video_kbps"],
    )


def claim(broadcast_id: int, owner: str) -> CapturePlan | None:
    """Take a ``starting`` broadcast nobody holds: its lease, one more attempt, and its plan."""
    with broadcast_request(broadcast_id) as (request, broadcast):
        if broadcast is None or broadcast.state != "starting" or lease_alive(broadcast):
            return None
        try:
            plan = capture_plan(request, broadcast)
        except BroadcastRefused as exc:
            finish(request, broadcast, "failed", str(exc))
            return None
        broadcast.attempts += 1
        broadcast.lease_owner, broadcast.lease_expires_at = owner, utcnow() + START_LEASE
        return plan


def held(broadcast: BbbBroadcast | None, owner: str) -> bool:
    return broadcast is not None and broadcast.lease_owner == owner and broadcast.state in ACTIVE_STATES


def go_on_air(broadcast_id: int, owner: str) -> str:
    """The capture publishes: ``go`` (the broadcast is on air), ``stop`` (a stop came meanwhile) or ``lost``."""
    with broadcast_request(broadcast_id) as (request, broadcast):
        if not held(broadcast, owner):
            return "lost"
        if broadcast.state == "stopping":
            return "stop"
        broadcast.state, broadcast.error = "on_air", ""
        broadcast.on_air_at = broadcast.on_air_at or utcnow()
        broadcast.lease_expires_at = utcnow() + LEASE
        return "go"


def renew(broadcast_id: int, owner: str) -> str:
    """Renew the lease: ``go``, ``stop`` (asked, or the event ended) or ``lost`` (someone else has it)."""
    with broadcast_request(broadcast_id) as (request, broadcast):
        if not held(broadcast, owner):
            return "lost"
        if broadcast.state == "stopping":
            return "stop"
        event = live_api().event_summary(request, broadcast.event_id) if live_enabled(request) else None
        if event is None or event.over:
            request_stop(request, broadcast, "event-ended")
            return "stop"
        broadcast.lease_expires_at = utcnow() + LEASE
        return "go"


def keep_running(broadcast_id: int, owner: str, live: LiveCapture) -> str:
    """Until the broadcast stops: ``stop``, ``ended`` (the meeting's page said it is over), ``crashed`` or
    ``lost``. A database that does not answer for longer than the lease loses the broadcast."""
    renewed = time.monotonic()
    while True:
        time.sleep(POLL_SECONDS)
        if not live.running:
            return "ended" if live.wait(5) and live.error is None else "crashed"
        try:
            verdict = renew(broadcast_id, owner)
        except Exception:
            log.exception("bbb: broadcast %s: the lease could not be renewed", broadcast_id)
            if time.monotonic() - renewed > LEASE.total_seconds():
                return "lost"
            continue
        renewed = time.monotonic()
        if verdict != "go":
            return verdict


def stop_capture(live: LiveCapture) -> str:
    """End the capture; the error that ended it, if any."""
    try:
        live.stop()
    except CaptureError as exc:
        return str(exc)
    return ""


def settle(broadcast_id: int, owner: str, verdict: str, error: str) -> None:
    """After the capture: ended, or started again / failed after a crash (nothing if the lease was lost)."""
    with broadcast_request(broadcast_id) as (request, broadcast):
        if not held(broadcast, owner):
            return
        if verdict == "ended" and not broadcast.stop_reason:
            broadcast.stop_reason = "meeting-ended"
        if verdict in ("stop", "ended"):
            finish(request, broadcast, "ended")
        else:
            retry_or_fail(request, broadcast, error or "The capture stopped by itself.")


@huey.task()
def run_capture(broadcast_id: int) -> None:
    """Film the meeting and publish it to the event until the broadcast stops (see the module)."""
    owner = worker_identity()
    plan = claim(broadcast_id, owner)
    if plan is None:
        return
    try:
        live = LiveCapture(plan.spec()).start()
    except CaptureError as exc:
        settle(broadcast_id, owner, "crashed", plan.redact(f"The streamer could not start: {exc}"))
        return
    log.info("bbb: broadcast %s on air (streamer %s)", broadcast_id, owner)
    verdict = go_on_air(broadcast_id, owner)
    if verdict == "go":
        verdict = keep_running(broadcast_id, owner, live)
    error = plan.redact(stop_capture(live))
    log.info("bbb: broadcast %s: the streamer stopped (%s)", broadcast_id, verdict)
    settle(broadcast_id, owner, verdict, error)
