"""The ``encode`` job: probe, choose the ladder, encode, publish atomically.

The core calls the media hooks and never ffmpeg itself. Outputs are written to
a local temporary folder, copied under the job's own storage prefix, then one
transaction swaps the video's media rows: either everything is published or
nothing is. The original upload is never touched.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from contextlib import contextmanager

from core.i18n import _
from core.media import MediaError
from core.models import Job, MediaFile, Video, utcnow
from core.pipeline import fire_safely
from core.processes import process_start
from core.settings import setting
from core.storage import get_storage, job_prefix, outputs_prefix
from core.tasks import worker_request

log = logging.getLogger(__name__)

#: Output kinds recorded as rows; segments are served by path under the master's folder.
RECORDED_KINDS = {"hls-master", "hls-playlist", "mp4", "audio", "mp3", "thumbnail", "storyboard",
                  "storyboard-vtt", "waveform"}
#: What was uploaded (the source; the recordings a composition was made of): never replaced.
ORIGINAL_KINDS = {"source", "recording"}


@contextmanager
def local_source(storage, key: str, scratch: str):
    """A local path of the stored source: the file itself, or a downloaded copy."""
    path = storage.local_path(key)
    if path is not None:
        yield path
        return
    copy = os.path.join(scratch, "source")
    with storage.open(key) as remote, open(copy, "wb") as local:
        shutil.copyfileobj(remote, local, 1024 * 1024)
    yield copy


def scratch_root(registry) -> str:
    folder = os.path.join(setting(registry.settings, "amphi.var_dir"), "tmp")
    os.makedirs(folder, exist_ok=True)
    return folder


def scratch_dir(registry) -> str:
    """A private folder for one encode, named after this process so leftovers can be found.

    The name holds the process id and its start time: process ids are reused (32768 of
    them on many systems), so a killed worker's folder must not look alive because
    another process got its number.
    """
    pid = os.getpid()
    return tempfile.mkdtemp(prefix=f"encode-{pid}-{process_start(pid)}-", dir=scratch_root(registry))


def remove_orphan_scratch(registry) -> int:
    """Delete scratch folders of processes that no longer exist (killed workers); return how many."""
    removed = 0
    for name in os.listdir(scratch_root(registry)):
        parts = name.split("-")
        if len(parts) >= 4 and parts[0] == "encode" and parts[1].isdigit() and parts[2].isdigit():
            if process_start(int(parts[1])) != int(parts[2]):
                shutil.rmtree(os.path.join(scratch_root(registry), name), ignore_errors=True)
                removed += 1
    return removed


def encode_job(job_id: int, site_id: int, heartbeat) -> None:
    """Run an encode job end to end (a handler of :func:`core.pipeline.job_handlers`)."""
    with worker_request(site_id) as request:
        job = request.dbsession.get(Job, job_id)
        video = job.video
        source = next((f for f in video.files if f.kind == "source"), None)
        if source is None:
            raise MediaError(_("The original file is missing."))
        source_key, video_id = source.key, video.id
    scratch = scratch_dir(request.registry)
    try:
        with worker_request(site_id) as request:  # read-only; the encode happens outside a write
            storage = get_storage(request.registry, request.site)
            job = request.dbsession.get(Job, job_id)
            with local_source(storage, source_key, scratch) as path:
                info, result = encode_file(request, job, path, os.path.join(scratch, "out"), heartbeat)
        publish(site_id, video_id, job_id, os.path.join(scratch, "out"), info, result)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    announce_ready(site_id, video_id)  # after the scratch is gone: listeners (indexing...) may take a while


def encode_file(request, job, path: str, out: str, heartbeat):
    hooks = request.hooks
    info = hooks.amphi_probe(path=path)
    if info is None:
        raise MediaError(_("No encoder is enabled on this site."))
    ladder = hooks.amphi_encoding_ladder(request=request, info=info) or []
    os.makedirs(out)
    result = hooks.amphi_encode(request=request, job=job, source=path, info=info, ladder=ladder, out=out,
                                progress=heartbeat.report)
    if result is None:
        raise MediaError(_("No encoder is enabled on this site."))
    return info, result


def publish(site_id: int, video_id: int, job_id: int, out: str, info, result) -> None:
    """Copy the outputs under the job's prefix, then switch the video's rows in one transaction."""
    with worker_request(site_id) as request:
        storage = get_storage(request.registry, request.site)
        video = request.dbsession.get(Video, video_id)
        if video is None:
            return  # deleted while it was encoding: nothing of it may be written back
        prefix = outputs_prefix(video, job_id)
        storage.delete_prefix(prefix)  # a previous attempt of this job may have left files
        storage.put_tree(out, prefix)
        old_prefixes = replace_outputs(request, video, prefix, out, result)
        video.duration = result.duration or info.duration
        video.status, video.status_reason = "ready", ""
        job = request.dbsession.get(Job, job_id)  # done in the same transaction as the publication
        job.state, job.progress, job.finished_at, job.error = "done", 100.0, utcnow(), ""
    for old in old_prefixes - {prefix}:
        storage.delete_prefix(old)


def announce_ready(site_id: int, video_id: int) -> None:
    """Fire ``amphi_video_ready`` in its own transaction, once the outputs are published."""
    with worker_request(site_id) as request:
        fire_safely(request, "amphi_video_ready", video=request.dbsession.get(Video, video_id))


def replace_outputs(request, video: Video, prefix: str, out: str, result) -> set[str]:
    """Swap the video's output rows for this job's; return the prefixes of the rows replaced."""
    old_prefixes = {job_prefix(m.key) for m in video.files if m.kind not in ORIGINAL_KINDS}
    for media in [m for m in video.files if m.kind not in ORIGINAL_KINDS]:
        video.files.remove(media)
    for output in result.outputs:
        if output.kind in RECORDED_KINDS:
            video.files.append(MediaFile(
                kind=output.kind, rendition=output.rendition, key=f"{prefix}/{output.path}", mime=output.mime,
                size=os.path.getsize(os.path.join(out, output.path)),
                width=output.width, height=output.height, bitrate=output.bitrate,
            ))
    posters = [o for o in result.outputs if o.kind in ("thumbnail", "waveform")]
    video.poster_key = f"{prefix}/{posters[0].path}" if posters else ""
    return old_prefixes

