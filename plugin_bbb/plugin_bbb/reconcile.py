"""The periodic reconciliation: so that a missed callback loses nothing.

Every five minutes, for each enabled server of the sites that enabled the plugin: register Amphi's hook
again if the server lost it (a restarted bbb-webhooks forgets hooks), and list the recordings of the
meetings that ran recently (``getRecordings``), listing those Amphi did not hear of (their import is
queued). It works in three steps so that no database transaction stays open while a server is asked:
:func:`plan` reads plain values, :func:`fetch` talks to the server, :func:`apply` writes what it found.
Then it takes back the imports whose worker stopped, and retries the failed ones that are due
(:func:`requeue_imports`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from huey import crontab
from sqlalchemy import or_, select

from core.models import Site, utcnow
from core.plugin_api import _, enqueue_after_commit, huey, worker_request
from plugin_bbb.client import BbbClient, BbbError, Recording
from plugin_bbb.hooks import callback_url, ensure_hook, registered_url, save_hook
from plugin_bbb.importing import REQUEUE_LISTED_AFTER, STALE_AFTER, import_recording, move_row
from plugin_bbb.meetings import NAME, bbb_settings
from plugin_bbb.models import BbbMeeting, BbbRecording, BbbServer
from plugin_bbb.recordings import find_recording, recordings_ready

log = logging.getLogger(__name__)
#: getRecordings takes a comma-separated list of meetings: asked in batches of this many.
BATCH = 20


@dataclass
class ServerPlan:
    """What the reconciliation of one server needs, as plain values."""

    site_id: int
    server_id: int
    url: str
    secret: str
    algorithm: str
    timeout: float
    hooks: bool
    callback_url: str
    meeting_ids: list[str]
    #: The hook's URL Amphi registered before, when the site's address changed since.
    previous_url: str = ""


@dataclass
class Findings:
    plan: ServerPlan
    hook_id: str = ""
    hook_created: bool = False
    recordings: list[Recording] = field(default_factory=list)
    error: str = ""


def plan(request, now: datetime | None = None, server_ids: list[int] | None = None) -> list[ServerPlan]:
    """The servers to reconcile (of the sites that enabled the plugin), with their recent meetings."""
    now = now or datetime.now(UTC)
    plans = []
    sites = [site for site in request.dbsession.scalars(select(Site)) if site.has_plugin(NAME)]
    own_site = request.__dict__.get("site")
    for site in sites:
        request.site = site  # the callback URL is the site's
        settings = bbb_settings(request.registry, site)
        since = now - timedelta(days=settings["reconcile_days"])
        query = select(BbbServer).where(BbbServer.site_id == site.id, BbbServer.enabled.is_(True))
        if server_ids is not None:
            query = query.where(BbbServer.id.in_(server_ids))
        for server in request.dbsession.scalars(query):
            meetings = request.dbsession.scalars(
                select(BbbMeeting.meeting_id).where(
                    BbbMeeting.server_id == server.id,
                    or_(BbbMeeting.last_started_at >= since, BbbMeeting.last_ended_at >= since),
                )
            )
            plans.append(
                ServerPlan(
                    site_id=site.id,
                    server_id=server.id,
                    url=server.url,
                    secret=server.secret,
                    algorithm=server.checksum_algorithm,
                    timeout=float(settings["timeout_seconds"]),
                    hooks=server.kind == "bbb",  # Scalelite has no webhooks API
                    callback_url=callback_url(request, server, from_request=False),
                    meeting_ids=list(meetings),
                    previous_url=registered_url(request, server),
                )
            )
    request.site = own_site
    return plans


def fetch(server: ServerPlan) -> Findings:
    """Ask the server (no database here): its hook, registered again if lost, and recent recordings."""
    client = BbbClient(server.url, server.secret, server.algorithm, timeout=server.timeout)
    found = Findings(server)
    try:
        if server.hooks:
            found.hook_id, found.hook_created = ensure_hook(client, server.callback_url, server.previous_url)
        for start in range(0, len(server.meeting_ids), BATCH):
            found.recordings += client.get_recordings(server.meeting_ids[start : start + BATCH])
    except BbbError as exc:
        found.error = f"{type(exc).__name__}: {exc}"
        log.warning("bbb: reconciling server %s failed: %s", server.server_id, found.error)
    return found


def apply(request, found: Findings) -> dict[str, int]:
    """Write what :func:`fetch` found: the hook, and the recordings Amphi did not know."""
    counts = {"hooks": 0, "recordings": 0}
    server = request.dbsession.get(BbbServer, found.plan.server_id)
    if server is None:
        return counts
    if found.hook_id:
        save_hook(request, server, found.hook_id, found.plan.callback_url)
        counts["hooks"] += int(found.hook_created)
    for recording in found.recordings:
        if recording.state not in ("published", "unpublished"):
            continue  # still processing, or deleted
        known = find_recording(request.dbsession, server.id, recording.record_id)
        meeting = request.dbsession.scalar(
            select(BbbMeeting).where(
                BbbMeeting.site_id == server.site_id, BbbMeeting.meeting_id == recording.meeting_id
            )
        )
        _, created = recordings_ready(request, server, meeting, recording.record_id, "reconcile", recording)
        counts["recordings"] += int(created and known is None)
    return counts


def reconcile_server(request, server: BbbServer) -> Findings | None:
    """Reconcile one server now (site administration's button), in the request's transaction; None when
    the server is disabled."""
    plans = plan(request, server_ids=[server.id])
    if not plans:
        return None
    found = fetch(plans[0])
    apply(request, found)
    return found


# --- imports: taken back, retried, queued again --------------------------------------------------------


def requeue_imports(request, now: datetime | None = None) -> dict[str, int]:
    """Take back imports whose worker stopped beating, retry the failed ones that are due, queue again the
    recordings left listed; for the sites that enabled the plugin. Returns how many of each."""
    now = now or utcnow()
    sites = [site.id for site in request.dbsession.scalars(select(Site)) if site.has_plugin(NAME)]
    counts = {"reclaimed": 0, "given_up": 0, "retried": 0, "requeued": 0}
    rows = request.dbsession.scalars(
        select(BbbRecording).where(
            BbbRecording.site_id.in_(sites),
            BbbRecording.deleted_at.is_(None),
            (
                (BbbRecording.state == "importing")
                & (BbbRecording.heartbeat_at.is_(None) | (BbbRecording.heartbeat_at < now - STALE_AFTER))
            )
            | ((BbbRecording.state == "failed") & (BbbRecording.retry_at <= now))
            | (
                (BbbRecording.state == "listed")
                & BbbRecording.meeting_id.is_not(None)
                & BbbRecording.published.is_(True)
                & (BbbRecording.queued_at.is_(None) | (BbbRecording.queued_at < now - REQUEUE_LISTED_AFTER))
            ),
        )
    ).all()
    for row in rows:
        counts[requeue(request, row, now)] += 1
    return counts


def requeue(request, row: BbbRecording, now: datetime) -> str:
    """Queue ``row``'s import again (or give up a lost one after its last attempt); what was done."""
    if row.state == "importing":
        attempts = bbb_settings(request.registry, row.site)["import_attempts"]
        stale = (BbbRecording.state == "importing", BbbRecording.worker == row.worker)
        reason = str(_("The import stopped midway (its worker was lost)."))
        if row.attempts >= attempts:
            move_row(request, row.id, *stale, state="failed", worker="", error=reason, retry_at=None)
            return "given_up"
        if move_row(request, row.id, *stale, state="listed", worker="", error=reason, queued_at=now):
            enqueue_after_commit(request, import_recording, row.id)
        return "reclaimed"
    if row.state == "failed":
        if move_row(request, row.id, BbbRecording.state == "failed", state="listed", retry_at=None, queued_at=now):
            enqueue_after_commit(request, import_recording, row.id)
        return "retried"
    if move_row(request, row.id, BbbRecording.state == "listed", queued_at=now):
        enqueue_after_commit(request, import_recording, row.id)
    return "requeued"


@huey.periodic_task(crontab(minute="*/5"))
def reconcile_servers() -> None:
    """Every five minutes: hooks registered again where lost, recordings no callback reported, imports
    taken back or retried."""
    with worker_request() as request:
        plans = plan(request)
    for server_plan in plans:
        found = fetch(server_plan)
        with worker_request(server_plan.site_id) as request:
            apply(request, found)
    with worker_request() as request:
        requeue_imports(request)
