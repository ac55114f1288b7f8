"""The replay: once the main stream has ended (and its grace period passed), its recorded parts are
joined (ffmpeg's concat, the picture copied, the sound encoded again), the interpreters' audio is added as extra audio streams tagged
with their ``language`` and ``title``, aligned by their publish times, and the file becomes a draft video
of the owners through :func:`core.plugin_api.ingest_files`.

The assembly is a huey task of this plugin rather than a core job (the core's job skeleton hangs on a
video, and there is none until the file is ingested); its state is the event's ``replay_state``, and the
minute sweep (:func:`sweep`) queues replays, marks slots without a stream and requeues an assembly whose
worker died.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from huey import crontab
from sqlalchemy import select

from core.models import Site, utcnow
from core.plugin_api import (
    IngestTrack,
    QuotaExceeded,
    add_to_channel,
    enqueue_after_commit,
    fire,
    huey,
    ingest_files,
    lock_rows,
    scratch_folder,
    upload_key,
    worker_request,
)
from plugins.live.events import NAME, live_settings
from plugins.live.models import LiveEvent, LiveRecording

log = logging.getLogger(__name__)
#: How long an ended broadcast waits for nginx's ``record_done`` of its last part before going on without it.
RECORD_WAIT = timedelta(minutes=5)
#: An assembly still "running" after this long lost its worker: it is queued again.
STALE_RUNNING = timedelta(hours=3)
FFMPEG_TIMEOUT = 6 * 3600


class ReplayError(Exception):
    """Why the replay could not be made (shown to the owners)."""


@dataclass(frozen=True)
class AudioInput:
    language: str
    name: str
    paths: tuple[str, ...]
    offset: float  # seconds after the main stream's first frame (negative: before)


@dataclass(frozen=True)
class ReplayPlan:
    event_id: int
    site_id: int
    main: tuple[str, ...]
    audios: tuple[AudioInput, ...] = field(default_factory=tuple)


def plan_of(event: LiveEvent, recordings_root: str) -> ReplayPlan:
    """The files to join, in publish order; a path outside the recordings folder is refused."""
    root = os.path.realpath(recordings_root)

    def usable(recording: LiveRecording) -> bool:
        path = os.path.realpath(recording.path) if recording.path else ""
        return bool(path) and os.path.commonpath([root, path]) == root and os.path.isfile(path)

    parts = sorted((r for r in event.recordings if usable(r)), key=lambda r: (r.started_at, r.id))
    main = [r for r in parts if not r.language]
    if not main:
        raise ReplayError("No recording of the main stream was found.")
    first = main[0].started_at
    audios = []
    for audio in event.audios:
        own = [r for r in parts if r.language == audio.language]
        if own:
            offset = (own[0].started_at - first).total_seconds()
            audios.append(AudioInput(audio.language, audio.name, tuple(r.path for r in own), offset))
    return ReplayPlan(event.id, event.site_id, tuple(r.path for r in main), tuple(audios))


def concat_list(folder: str, name: str, paths: tuple[str, ...]) -> str:
    listing = os.path.join(folder, f"{name}.txt")
    with open(listing, "w", encoding="utf-8") as handle:
        for path in paths:
            handle.write("file '" + path.replace("'", "'\\''") + "'\n")
    return listing


def audio_streams(path: str) -> int:
    """How many audio streams a recording holds (an encoder may publish without sound)."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type", "-of", "json", path],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    streams = json.loads(out.stdout or "{}").get("streams", [])
    return sum(1 for s in streams if s.get("codec_type") == "audio")


def assemble_command(plan: ReplayPlan, folder: str, output: str) -> list[str]:
    """ffmpeg's arguments: the main parts joined, each language's parts joined and shifted, all copied."""
    command = ["ffmpeg", "-nostdin", "-y", "-v", "error", "-f", "concat", "-safe", "0"]
    command += ["-i", concat_list(folder, "main", plan.main)]
    for number, audio in enumerate(plan.audios, start=1):
        shift = ["-itsoffset", f"{audio.offset:.3f}"] if audio.offset >= 0 else ["-ss", f"{-audio.offset:.3f}"]
        command += [*shift, "-f", "concat", "-safe", "0", "-i", concat_list(folder, f"audio{number}", audio.paths)]
    command += ["-map", "0:v?", "-map", "0:a?"]
    main_audio = audio_streams(plan.main[0])
    for number, _audio in enumerate(plan.audios, start=1):
        command += ["-map", f"{number}:a"]
    # The picture is copied; the sound is encoded again (cheap): nginx-rtmp's recorded AAC makes ffmpeg 5.1's
    # Matroska muxer write a broken track header when copied.
    command += ["-c:v", "copy", "-c:a", "aac", "-b:a", "128k"]
    for index, audio in enumerate(plan.audios, start=main_audio):
        command += [
            f"-metadata:s:a:{index}",
            f"language={audio.language}",
            f"-metadata:s:a:{index}",
            f"title={audio.name}",
        ]
    return [*command, output]


def assemble(plan: ReplayPlan, folder: str) -> str:
    """Write the replay file in ``folder``; return its path (raises :class:`ReplayError`)."""
    output = os.path.join(folder, "replay.mkv")
    done = subprocess.run(
        assemble_command(plan, folder, output), capture_output=True, text=True, timeout=FFMPEG_TIMEOUT, check=False
    )
    if done.returncode != 0 or not os.path.isfile(output) or os.path.getsize(output) == 0:
        log.error("live replay of event %s: ffmpeg said %s", plan.event_id, done.stderr[-2000:])
        raise ReplayError("The recording could not be joined into one file.")
    return output


# --- the task ----------------------------------------------------------------


def queue_replay(request, event: LiveEvent) -> None:
    event.replay_state, event.replay_error = "queued", ""
    enqueue_after_commit(request, make_replay, event.id)


def claim(event_id: int) -> tuple[ReplayPlan, object] | None:
    """Take a queued replay (None: someone else has, or it is done); return its plan and the registry."""
    from plugins.live import packaging

    with worker_request() as request:
        if not lock_rows(request.dbsession, LiveEvent, LiveEvent.id == event_id, LiveEvent.replay_state == "queued"):
            return None
        event = request.dbsession.get(LiveEvent, event_id)
        root = packaging.recordings_folder(request.registry)
        try:
            plan = plan_of(event, root)
        except ReplayError as exc:
            event.replay_state, event.replay_error = "failed", str(exc)
            return None
        event.replay_state = "running"
        return plan, request.registry


def publish(plan: ReplayPlan, path: str) -> int | None:
    """Store the file and ingest it as a draft of the owners, in one transaction; the video's id."""
    with worker_request(plan.site_id) as request:
        event = request.dbsession.get(LiveEvent, plan.event_id)
        if event is None or event.replay_state != "running":
            return None
        video = store_replay(request, event, path)
        return video.id if video is not None else None


def store_replay(request, event: LiveEvent, path: str):
    """The replay file becomes a draft video of the owners; the event's replay is ready (None: it failed)."""
    if not event.owners:
        event.replay_state, event.replay_error = "failed", "The event has no owner left."
        return None
    key = upload_key(event.site_id, f"live-replay-{event.id}-{os.urandom(6).hex()}")
    with open(path, "rb") as handle:
        request.storage.save(key, handle)
    try:
        video = ingest(request, event, key)
    except QuotaExceeded:
        request.storage.delete(key)
        event.replay_state, event.replay_error = "failed", "The owner's storage quota is full."
        return None
    event.replay_video_id, event.replay_state, event.state = video.id, "done", "replay_ready"
    return video


def ingest(request, event: LiveEvent, key: str):
    owner, *others = event.owners
    metadata = {"title": event.title, "description": event.description, "access": "draft"}
    video = ingest_files(request, owner, [IngestTrack(key, "presenter/source", "replay.mkv")], metadata)
    video.additional_owners = list(others)
    video.allowed_groups = list(event.allowed_groups)
    video.password_hash = event.password_hash  # ready if the owners choose "password" when they publish
    if event.channel is not None:
        add_to_channel(video, event.channel)
    return video


def announce(event_id: int, site_id: int, video_id: int) -> None:
    from plugins.live.views import public_event

    with worker_request(site_id) as request:
        event = request.dbsession.get(LiveEvent, event_id)
        if event is None:
            return
        fire(request, "amphi_live_replay", event=public_event(request, event, event.state, False), video_id=video_id)


def fail(event_id: int, reason: str) -> None:
    with worker_request() as request:
        event = request.dbsession.get(LiveEvent, event_id)
        if event is not None and event.replay_state == "running":
            event.replay_state, event.replay_error = "failed", reason


@huey.task()
def make_replay(event_id: int) -> None:
    """Assemble and ingest one event's replay (queued by :func:`queue_replay`)."""
    claimed = claim(event_id)
    if claimed is None:
        return
    plan, registry = claimed
    try:
        with scratch_folder(registry) as folder:
            video_id = publish(plan, assemble(plan, folder))
    except ReplayError as exc:
        fail(event_id, str(exc))
        return
    except Exception:
        log.exception("live replay of event %s failed", event_id)
        fail(event_id, "The replay could not be made.")
        raise
    if video_id is not None:
        announce(event_id, plan.site_id, video_id)
        for path in (*plan.main, *(p for audio in plan.audios for p in audio.paths)):
            try:
                os.unlink(path)  # stored in the video now; recordings are large
            except OSError:
                pass


# --- the sweep ---------------------------------------------------------------


def sweep(request, now: datetime | None = None) -> dict[str, int]:
    """Write the clock's transitions of the sites enabling live; queue the replays that are due."""
    now = now or utcnow()
    counts = {"no_stream": 0, "queued": 0, "requeued": 0}
    enabled = [site.id for site in request.dbsession.scalars(select(Site)) if site.has_plugin(NAME)]
    rows = request.dbsession.scalars(
        select(LiveEvent).where(
            LiveEvent.site_id.in_(enabled),
            ((LiveEvent.state == "scheduled") & (LiveEvent.ends_at <= now))
            | ((LiveEvent.state == "ended") & LiveEvent.replay_state.in_(("", "running"))),
        )
    )
    for event in rows:
        if event.state == "scheduled":
            event.state = "no_stream"
            counts["no_stream"] += 1
        elif event.replay_state == "running" and event.updated_at < now - STALE_RUNNING:
            queue_replay(request, event)
            counts["requeued"] += 1
        elif event.replay_state == "" and replay_due(request, event, now):
            queue_replay(request, event)
            counts["queued"] += 1
    return counts


def replay_due(request, event: LiveEvent, now: datetime) -> bool:
    """The grace period is over and nginx told of every recorded part (or stopped being awaited)."""
    grace = timedelta(seconds=live_settings(request.registry, event.site)["resume_grace_seconds"])
    if event.ended_at is None or now < event.ended_at + grace:
        return False
    waiting = [r for r in event.recordings if not r.path]
    return not waiting or now >= event.ended_at + grace + RECORD_WAIT


def check_soon(request, event: LiveEvent) -> None:
    """After the commit, look again once the grace period is over (the sweep is the safety net)."""
    grace = live_settings(request.registry, event.site)["resume_grace_seconds"]
    enqueue_after_commit(request, schedule_check, event.id, grace + 1)


def schedule_check(event_id: int, delay: int) -> None:
    check_replay.schedule((event_id,), delay=delay)


@huey.task()
def check_replay(event_id: int) -> None:
    """Queue the event's replay if it is due (its stream did not come back, its parts are recorded)."""
    with worker_request() as request:
        lock_rows(request.dbsession, LiveEvent, LiveEvent.id == event_id)
        event = request.dbsession.get(LiveEvent, event_id)
        if (
            event is not None
            and event.state == "ended"
            and event.replay_state == ""
            and replay_due(request, event, utcnow())
        ):
            queue_replay(request, event)


@huey.periodic_task(crontab(minute="*"))
def sweep_events() -> None:
    """Every minute: slots that passed without a stream, replays that are due."""
    with worker_request() as request:
        sweep(request)
