"""The ``compose`` job: several recorded tracks (screen, camera) become one source, then the encode.

Queued by :func:`core.ingest.ingest_files` when a recording has several tracks or
trims. The core calls ``amphi_compose`` and never ffmpeg itself; the composed file
becomes the video's source (the tracks are kept) and an ``encode`` job follows.
"""

from __future__ import annotations

import os
import shutil
from contextlib import ExitStack, contextmanager

from core.models import Job, MediaFile, Video, utcnow
from core.pipeline.encoding import scratch_dir
from core.pipeline.media import DEFAULT_LAYOUT, ComposeSource, MediaError
from core.pipeline.storage import get_storage, source_key
from core.platform.i18n import _
from core.platform.tasks import worker_request

COMPOSED_NAME = "composed.mkv"


@contextmanager
def local_copy(storage, key: str, path: str):
    """A local path of a stored file: the file itself, or a copy at ``path``."""
    local = storage.local_path(key)
    if local is not None:
        yield local
        return
    with storage.open(key) as remote, open(path, "wb") as copy:
        shutil.copyfileobj(remote, copy, 1024 * 1024)
    yield path


def compose_job(job_id: int, site_id: int, heartbeat) -> None:
    """Run a compose job (a handler of :func:`core.pipeline.job_handlers`)."""
    with worker_request(site_id) as request:
        job = request.dbsession.get(Job, job_id)
        tracks = sorted((f for f in job.video.files if f.kind == "recording"), key=lambda f: f.key)
        if not tracks:
            raise MediaError(_("The recorded tracks are missing."))
        inputs = [(f.key, f.rendition) for f in tracks]
        layout = job.params.get("layout") or DEFAULT_LAYOUT
        start, end = job.params.get("trims") or (None, None)
        video_id = job.video_id
    scratch = scratch_dir(request.registry)
    try:
        out = os.path.join(scratch, COMPOSED_NAME)
        with worker_request(site_id) as request, ExitStack() as stack:  # read-only: the work happens outside a write
            storage = get_storage(request.registry, request.site)
            sources = [ComposeSource(stack.enter_context(local_copy(storage, key, os.path.join(scratch, f"track-{n}"))),
                                     flavor, start, end) for n, (key, flavor) in enumerate(inputs)]
            done = request.hooks.amphi_compose(request=request, sources=sources, layout=layout, out=out,
                                               progress=heartbeat.report)
        if done is None or not os.path.exists(out):
            raise MediaError(_("No encoder enabled on this site can compose recordings."))
        publish_source(site_id, video_id, job_id, out)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def publish_source(site_id: int, video_id: int, job_id: int, path: str) -> None:
    """Store the composed file as the video's source and queue its encode, in one transaction."""
    from core.pipeline import queue_job

    with worker_request(site_id) as request:
        video = request.dbsession.get(Video, video_id)
        if video is None:
            return  # deleted meanwhile
        storage = get_storage(request.registry, request.site)
        key = source_key(video)
        with open(path, "rb") as composed:
            size = storage.save(key, composed)
        for old in [f for f in video.files if f.kind == "source"]:
            video.files.remove(old)  # a previous attempt's
        video.files.append(MediaFile(kind="source", key=key, size=size, mime="video/x-matroska", rendition=".mkv"))
        job = request.dbsession.get(Job, job_id)
        job.state, job.progress, job.finished_at, job.error = "done", 100.0, utcnow(), ""
        queue_job(request, video, "encode")
