"""Watched folders: a periodic job scans each folder recorder's drop folder.

A file is taken once its size and modification time have stayed the same for the recorder's
``stable_seconds`` (a file still being written keeps changing); hidden and partial files
(``.name``, ``*.part``, ``*.tmp``...) are left alone. A version of a file (name, size, mtime)
is claimed by one conditional UPDATE, so it is never processed twice, even by two workers;
afterwards the file is moved aside into ``processed/`` (or ``failed/``). Its row says ``done`` in the
transaction that creates the video, so a file still there after a crash between that commit and
the move is recognised on the next scan and moved aside then, never ingested twice.
"""

from __future__ import annotations

import logging
import os
import shutil
from datetime import timedelta

from huey import crontab
from sqlalchemy import delete, select, update

from core.models import Site, utcnow
from core.plugin_api import huey, plugin_settings, worker_request
from plugin_recorder.models import DropFile, Recorder
from plugin_recorder.recordings import ingest_stream

log = logging.getLogger(__name__)
NAME = "recorder"
PARTIAL_SUFFIXES = (".part", ".partial", ".tmp", ".temp", ".crdownload", ".filepart", ".uploading", ".download")
DONE_FOLDER, FAILED_FOLDER = "processed", "failed"


def is_candidate(name: str) -> bool:
    """Whether a file name may be a finished recording (not hidden, not a transfer in progress)."""
    lowered = name.lower()
    return not name.startswith((".", "~")) and not lowered.endswith(PARTIAL_SUFFIXES) and not name.endswith("~")


def folder_files(folder: str) -> list[tuple[str, int, int]]:
    """``(name, size, mtime_ns)`` of the candidate plain files directly in ``folder``."""
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if is_candidate(entry.name) and entry.is_file(follow_symlinks=False):
                stat = entry.stat(follow_symlinks=False)
                found.append((entry.name, stat.st_size, stat.st_mtime_ns))
    return sorted(found)


def within_drop_root(request, recorder: Recorder) -> bool:
    """Only folders under ``amphi.recorder.drop_root`` are read (the setting may have changed since)."""
    root = plugin_settings(request.registry, recorder.site, NAME)["drop_root"]
    if not root or not os.path.isdir(recorder.drop_folder):
        return False
    root, folder = os.path.realpath(root), os.path.realpath(recorder.drop_folder)
    return folder != root and os.path.commonpath([folder, root]) == root


def stable_files(request, recorder: Recorder) -> tuple[list[DropFile], list[DropFile]]:
    """Record what the folder holds now; return the versions unchanged for long enough, and those
    already handled (``done`` or ``failed``) that are still there, to be moved aside."""
    now, ready, handled = utcnow(), [], []
    for name, size, mtime_ns in folder_files(recorder.drop_folder):
        seen = request.dbsession.scalar(
            select(DropFile).where(
                DropFile.recorder_id == recorder.id,
                DropFile.name == name,
                DropFile.size == size,
                DropFile.mtime_ns == mtime_ns,
            )
        )
        if seen is None:  # new, or changed since the last scan: its stable time starts now
            request.dbsession.execute(
                delete(DropFile).where(
                    DropFile.recorder_id == recorder.id, DropFile.name == name, DropFile.status == "waiting"
                )
            )
            request.dbsession.add(
                DropFile(recorder_id=recorder.id, name=name, size=size, mtime_ns=mtime_ns, seen_at=now)
            )
        elif seen.status == "waiting" and now - seen.seen_at >= timedelta(seconds=recorder.stable_seconds):
            ready.append(seen)
        elif seen.status in ("done", "failed"):
            handled.append(seen)
        elif seen.status == "processing" and now - seen.seen_at >= STALE_CLAIM:
            # Its worker stopped before committing (nothing of it was kept): take it again.
            log.warning(
                "recorder %s: %s was claimed %s ago and never finished; taking it again",
                recorder.id,
                name,
                now - seen.seen_at,
            )
            seen.status = "waiting"
            ready.append(seen)
    return ready, handled


def claim(request, drop: DropFile) -> bool:
    """Take a waiting file for this worker alone (``seen_at`` becomes the time of the claim)."""
    request.dbsession.flush()
    result = request.dbsession.execute(
        update(DropFile)
        .where(DropFile.id == drop.id, DropFile.status == "waiting")
        .values(status="processing", seen_at=utcnow())
    )
    return result.rowcount == 1


#: A claim older than this belongs to a worker that stopped before its commit (an ingest copies one
#: file into storage: minutes for the largest recordings).
STALE_CLAIM = timedelta(hours=1)


def process(recorder_id: int, drop_id: int) -> None:
    """Turn one claimed file into a video, then move it aside (into ``failed/`` with the reason if it cannot be)."""
    path = ""
    try:
        with worker_request() as request:
            drop = request.dbsession.get(DropFile, drop_id)
            recorder = request.dbsession.get(Recorder, recorder_id)
            request.site = recorder.site
            path = os.path.join(recorder.drop_folder, drop.name)
            with open(path, "rb") as stream:
                video = ingest_stream(request, recorder, stream, drop.name)
            drop.status, drop.video_id = "done", video.id
    except Exception as exc:  # noqa: BLE001 — one bad file must not stop the others; its reason is kept
        log.warning("recorder %s: %s could not be ingested: %s", recorder_id, path, exc)
        with worker_request() as request:
            drop = request.dbsession.get(DropFile, drop_id)
            drop.status, drop.error = "failed", f"{type(exc).__name__}: {exc}"[:2000]
        if path:
            move_aside(path, FAILED_FOLDER)
        return
    move_aside(path, DONE_FOLDER)


def move_aside(path: str, subfolder: str) -> None:
    folder = os.path.join(os.path.dirname(path), subfolder)
    try:
        os.makedirs(folder, exist_ok=True)
        shutil.move(path, os.path.join(folder, os.path.basename(path)))
    except OSError as exc:  # the database already says it is done: it will not be taken again
        log.warning("could not move %s aside: %s", path, exc)


def scan_recorder(recorder_id: int) -> int:
    """Scan one recorder's drop folder; returns the number of files ingested."""
    with worker_request() as request:
        recorder = request.dbsession.get(Recorder, recorder_id)
        if recorder is None or recorder.type != "folder" or not within_drop_root(request, recorder):
            return 0
        ready, handled = stable_files(request, recorder)
        claimed = [drop.id for drop in ready if claim(request, drop)]
        leftovers = [(os.path.join(recorder.drop_folder, drop.name), drop.status) for drop in handled]
    for path, status in leftovers:  # a worker stopped between its commit and the move
        log.warning("moving aside %s, already %s", path, status)
        move_aside(path, DONE_FOLDER if status == "done" else FAILED_FOLDER)
    for drop_id in claimed:
        process(recorder_id, drop_id)
    return len(claimed)


@huey.task()
def scan_folder(recorder_id: int) -> None:
    """Scan one recorder's drop folder (queued for each folder recorder by :func:`scan_drop_folders`)."""
    scan_recorder(recorder_id)


@huey.periodic_task(crontab(minute="*"))
def scan_drop_folders() -> None:
    """Every minute, queue a scan of each folder recorder of the sites that enable the plugin."""
    with worker_request() as request:
        rows = request.dbsession.execute(
            select(Recorder.id, Site.enabled_plugins)
            .join(Site, Site.id == Recorder.site_id)
            .where(Recorder.type == "folder", Recorder.drop_folder != "")
        )
        recorder_ids = [recorder_id for recorder_id, plugins in rows if NAME in (plugins or [])]
    for recorder_id in recorder_ids:
        scan_folder(recorder_id)
