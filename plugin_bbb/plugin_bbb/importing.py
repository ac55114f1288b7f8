"""Importing a listed recording as a draft video of its meeting's owners: the huey task
:func:`import_recording`, queued after the commit that listed the recording.

1. **Claim**, in a short transaction: one conditional ``UPDATE ... SET state='importing' WHERE
   state='listed'``; the import goes on only when that updated one row, so two workers (or a callback, a
   webhook and the reconciliation at once) never import a recording twice, on PostgreSQL as on SQLite
   (which has no row locks). The claim names its worker and starts its heartbeat.
2. **Fetch**, with no transaction open: ask the server about the recording (``getRecordings``), then
   download its ``video`` or ``podcast`` file or film its ``presentation`` (:mod:`plugin_bbb.sources`), in a
   scratch folder removed afterwards, and store the file. A thread writes the heartbeat meanwhile.
3. **Publish**, in one transaction: the file becomes a draft video through the core's ingest (encoding
   queued), the row becomes ``imported`` (one more conditional ``UPDATE``, on the row still being this
   worker's), and the owners are told. Anything that fails rolls all of it back: never half a video.

A failure marks the row ``failed`` with a reason the owners read and, when trying again may help, a time
at which the reconciliation retries it (a bounded number of times). A worker killed midway stops beating:
the reconciliation (:func:`plugin_bbb.reconcile.requeue_imports`) takes its row back.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from sqlalchemy import select, update

from core.models import MediaFile, utcnow
from core.plugin_api import (
    IngestTrack,
    QuotaExceeded,
    _,
    add_to_channel,
    enqueue_after_commit,
    get_storage,
    huey,
    ingest_files,
    localizer_for,
    notify,
    scratch_folder,
    setting,
    upload_key,
    worker_request,
)
from plugin_bbb.client import Recording
from plugin_bbb.meetings import NAME, bbb_settings
from plugin_bbb.models import BbbMeeting, BbbRecording
from plugin_bbb.sources import Abandoned, ImportFailure, Media, ServerAccess, fetch_media, parse_size, server_recording

log = logging.getLogger(__name__)

#: How often an import says it is alive, and after how long without a word the reconciliation takes it back.
HEARTBEAT_SECONDS = 30
STALE_AFTER = timedelta(minutes=5)
#: A recording left ``listed`` this long (its task lost, the queue down) is queued again.
REQUEUE_LISTED_AFTER = timedelta(hours=1)
IMPORTED_KIND = "bbb.recording_imported"


@dataclass(frozen=True)
class ImportPlan:
    """What an import needs once claimed, as plain values (and the site's storage)."""

    recording_id: int
    site_id: int
    record_id: str
    worker: str
    server: ServerAccess
    capture_size: tuple[int, int]
    storage: Any = field(repr=False, compare=False)
    registry: Any = field(repr=False, compare=False)


def worker_name() -> str:
    """This import's name in the row: host, process, and a random part (one process runs several)."""
    return f"{socket.gethostname()[:50]}:{os.getpid()}:{secrets.token_hex(4)}"


def queue_import(request, row: BbbRecording) -> None:
    """Queue the import of ``row`` once the request's transaction commits."""
    row.queued_at = utcnow()
    enqueue_after_commit(request, import_recording, row.id)


def move_row(request, recording_id: int, *where, **values) -> bool:
    """One conditional ``UPDATE`` of a recording's row; whether it matched (the rest of the claim's rule)."""
    statement = (
        update(BbbRecording)
        .where(BbbRecording.id == recording_id, *where)
        .values(updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    return request.dbsession.execute(statement).rowcount == 1


def ours(plan: ImportPlan):
    return (BbbRecording.state == "importing", BbbRecording.worker == plan.worker)


# --- 1. the claim -------------------------------------------------------------------------------------


def claim(recording_id: int, worker: str) -> ImportPlan | None:
    """Take a listed recording for ``worker``; None when another took it (or it is not to import)."""
    with worker_request() as request:
        taken = move_row(
            request,
            recording_id,
            BbbRecording.state == "listed",
            BbbRecording.deleted_at.is_(None),
            state="importing",
            worker=worker,
            heartbeat_at=utcnow(),
            attempts=BbbRecording.attempts + 1,
            error="",
            error_detail="",
            retry_at=None,
        )
        if not taken:
            return None
        row = request.dbsession.get(BbbRecording, recording_id)
        problem = unimportable(row)
        if problem is not None:
            row.state, row.worker, row.error, row.error_detail = "failed", "", str(problem.reason), problem.detail
            return None
        settings = bbb_settings(request.registry, row.site)
        server = row.server
        return ImportPlan(
            recording_id=row.id,
            site_id=row.site_id,
            record_id=row.record_id,
            worker=worker,
            server=ServerAccess(
                server.url, server.secret, server.checksum_algorithm, float(settings["timeout_seconds"])
            ),
            capture_size=parse_size(settings["capture_size"]),
            storage=get_storage(request.registry, row.site),
            registry=request.registry,
        )


def unimportable(row: BbbRecording) -> ImportFailure | None:
    """Why ``row`` cannot become a video whatever is tried (no meeting, nobody to own it), if so."""
    if not row.site.has_plugin(NAME):
        return ImportFailure(_("BigBlueButton is turned off on this site."), retry=False)
    if row.meeting is None:
        return ImportFailure(_("The recording belongs to no meeting of this site."), retry=False)
    if not row.meeting.owners:
        return ImportFailure(_("The meeting has no owner left to own the video."), retry=False)
    if not row.server.enabled:
        return ImportFailure(_("The server is disabled on this site."), retry=False)
    return None


# --- 2. the heartbeat ---------------------------------------------------------------------------------


class Heartbeat:
    """While the block runs, write the row's ``heartbeat_at`` every ``interval`` seconds from a thread;
    ``lost`` is set once the row is no longer this worker's (the reconciliation took it back)."""

    def __init__(self, plan: ImportPlan, interval: float = HEARTBEAT_SECONDS):
        self.plan, self.interval = plan, interval
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"bbb-heartbeat-{plan.recording_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                with worker_request() as request:
                    alive = move_row(request, self.plan.recording_id, *ours(self.plan), heartbeat_at=utcnow())
            except Exception:  # a database that hiccups once must not end the import
                log.exception("bbb: heartbeat of recording %s failed", self.plan.recording_id)
                continue
            if not alive:
                self.lost.set()
                return


# --- 3. publishing --------------------------------------------------------------------------------------


def store(plan: ImportPlan, media: Media) -> str:
    """Copy the media into the site's storage (no transaction open); its key."""
    key = upload_key(plan.site_id, f"bbb-{plan.recording_id}-{secrets.token_hex(6)}")
    with open(media.path, "rb") as file:
        plan.storage.save(key, file)
    return key


def publish(plan: ImportPlan, key: str, media: Media, recording: Recording) -> int:
    """Make the stored file a draft video of the owners and mark the row imported, in one transaction.

    Raises :class:`Abandoned` (nothing written, the stored file removed) when the row is no longer this
    worker's, and :class:`ImportFailure` when the owner's quota is full.
    """
    moved: list[str] = []
    try:
        with worker_request(plan.site_id) as request:
            row = request.dbsession.scalar(
                select(BbbRecording).where(BbbRecording.id == plan.recording_id, *ours(plan)).with_for_update()
            )
            if row is None:
                raise Abandoned()
            video = make_video(request, row, key, media, recording)
            moved += request.dbsession.scalars(select(MediaFile.key).where(MediaFile.video_id == video.id))
            if not move_row(
                request, row.id, *ours(plan), state="imported", video_id=video.id, imported_at=utcnow(), worker=""
            ):
                raise Abandoned()  # taken back meanwhile (SQLite): the video is rolled back with the rest
            tell_owners(request, row.meeting, video, recording_start(row, recording))
            return video.id
    except QuotaExceeded:
        plan.storage.delete(key)
        raise ImportFailure(_("The owner's storage quota is full."), retry=False) from None
    except BaseException:
        for stored in (key, *moved):
            if plan.storage.exists(stored):
                plan.storage.delete(stored)
        raise


def recording_start(row: BbbRecording, recording: Recording) -> datetime:
    """When the recorded session started: the server's word, else what the row noted."""
    if recording.start_time > 0:
        return datetime.fromtimestamp(recording.start_time / 1000, UTC)
    return row.started_at or row.listed_at


def owner_locale(request, user) -> str:
    return user.locale or setting(request.registry.settings, "amphi.default_locale")


def when_text(moment: datetime, zone: str, locale: str) -> str:
    """The recording's date and time in the meeting's time zone, written in ``locale`` (12 mars 2027, 14:05)."""
    local = moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    return f"{format_date(local.date(), 'long', locale=locale)}, {format_time(local, 'short', locale=locale)}"


def make_video(request, row: BbbRecording, key: str, media: Media, recording: Recording):
    """The draft video: the first owner's, shared with the others, titled with the meeting and the date."""
    meeting: BbbMeeting = row.meeting
    owner, *others = meeting.owners
    zone = bbb_settings(request.registry, request.site)["timezone"]
    start = recording_start(row, recording)
    locale = owner_locale(request, owner)
    when = when_text(start, zone, locale)
    description = meeting.description or localizer_for(request.registry, locale).translate(
        _("Recording of the meeting “${name}” of ${when}.", mapping={"name": meeting.name, "when": when})
    )
    metadata = {
        "title": f"{meeting.name[:200]} ({when})",
        "description": description,
        "access": "draft",
        "date_recorded": start.astimezone(ZoneInfo(zone)).date(),
    }
    track = IngestTrack(key, "presenter/source", media.filename, media.mime)
    video = ingest_files(request, owner, [track], metadata)
    video.additional_owners = list(others)
    if meeting.channel is not None:
        add_to_channel(video, meeting.channel)
    return video


def tell_owners(request, meeting: BbbMeeting, video, start: datetime) -> None:
    """Each owner is told (in their language, in the site and by e-mail as they chose) of the new video."""
    zone = bbb_settings(request.registry, request.site)["timezone"]
    link = request.route_path("video", video_id=video.id)
    for owner in meeting.owners:

        def text(localizer, owner=owner) -> str:
            when = when_text(start, zone, localizer.locale_name)
            return localizer.translate(
                _(
                    "The recording of “${name}” of ${when} is now the draft video “${title}”. "
                    "Check it, then publish it when you wish.",
                    mapping={"name": meeting.name, "when": when, "title": video.title},
                )
            )

        title = _("The recording of “${name}” is now a video", mapping={"name": meeting.name})
        notify(request, owner, IMPORTED_KIND, title, link, text, video_id=video.id, meeting_id=meeting.id)


def fail(plan: ImportPlan, failure: ImportFailure) -> None:
    """Mark the row failed (while it is still this worker's), with a retry time when trying again may help."""
    with worker_request() as request:
        row = request.dbsession.get(BbbRecording, plan.recording_id)
        if row is None:
            return
        settings = bbb_settings(request.registry, row.site)
        retry_at = None
        if failure.retry and row.attempts < settings["import_attempts"]:
            retry_at = utcnow() + timedelta(minutes=settings["import_retry_minutes"] * 2 ** max(0, row.attempts - 1))
        move_row(
            request,
            row.id,
            *ours(plan),
            state="failed",
            worker="",
            error=str(failure.reason),
            error_detail=failure.detail[:2000],
            retry_at=retry_at,
        )
    log.warning("bbb: import of recording %s failed: %s", plan.recording_id, failure)


# --- the task -----------------------------------------------------------------------------------------


@huey.task()
def import_recording(recording_id: int) -> None:
    """Import one listed recording (see the module's documentation); a second run does nothing."""
    plan = claim(recording_id, worker_name())
    if plan is None:
        return
    try:
        with scratch_folder(plan.registry) as folder:
            with Heartbeat(plan) as heartbeat:
                recording = server_recording(plan.server, plan.record_id)
                media = fetch_media(plan.server, recording, folder, plan.capture_size, heartbeat.lost)
                key = store(plan, media)
                if heartbeat.lost.is_set():
                    plan.storage.delete(key)
                    raise Abandoned()
            publish(plan, key, media, recording)
    except ImportFailure as failure:
        fail(plan, failure)
    except Abandoned:
        log.warning("bbb: import of recording %s was taken from worker %s", recording_id, plan.worker)
    except Exception as exc:
        fail(plan, ImportFailure(_("The import failed unexpectedly."), retry=True, detail=repr(exc)[:500]))
        raise
