"""The ``compose`` job: several recorded tracks (screen, camera) become one source, then the encode.

Queued by :func:`core.ingest.ingest_files` when a recording has several tracks or
trims. The core calls ``amphi_compose`` and never ffmpeg itself; the composed file
becomes the video's source (the tracks are kept) and an ``encode`` job follows. The
kind runs in the job skeleton (:mod:`core.pipeline.jobs`) and is registered like a plugin's.
"""

from __future__ import annotations

import os
import sys
from contextlib import ExitStack
from dataclasses import dataclass

from core import hookimpl
from core.models import MediaFile, Video
from core.pipeline import queue_job
from core.pipeline.jobs import JobContext, JobKind, local_file, register_core_kinds
from core.pipeline.media import DEFAULT_LAYOUT, ComposeSource, MediaError, ProgressCallback
from core.pipeline.storage import source_key
from core.platform.i18n import _

COMPOSED_NAME = "composed.mkv"


@dataclass(frozen=True)
class ComposePlan:
    """What a composition needs, read before it starts: the tracks (key, flavor), layout and cut."""

    tracks: tuple[tuple[str, str], ...]
    layout: str
    start: float | None
    end: float | None
    #: Where the composed file is stored: the video's source key.
    source_key: str


class ComposeJob(JobKind):
    """The ``compose`` kind."""

    def read(self, request, job) -> ComposePlan:
        tracks = sorted((f for f in job.video.files if f.kind == "recording"), key=lambda f: f.key)
        if not tracks:
            raise MediaError(_("The recorded tracks are missing."))
        start, end = job.params.get("trims") or (None, None)
        return ComposePlan(
            tuple((f.key, f.rendition) for f in tracks),
            job.params.get("layout") or DEFAULT_LAYOUT,
            start,
            end,
            source_key(job.video),
        )

    def work(self, job: JobContext, plan: ComposePlan, scratch: str, progress: ProgressCallback) -> int:
        """Compose the tracks into one file, stored as the video's source (no transaction open); return its size."""
        out = os.path.join(scratch, COMPOSED_NAME)
        with ExitStack() as stack:
            sources = [
                ComposeSource(
                    stack.enter_context(local_file(job.storage, key, os.path.join(scratch, f"track-{n}"))),
                    flavor,
                    plan.start,
                    plan.end,
                )
                for n, (key, flavor) in enumerate(plan.tracks)
            ]
            done = job.hooks.amphi_compose(job=job, sources=sources, layout=plan.layout, out=out, progress=progress)
        if done is None or not os.path.exists(out):
            raise MediaError(_("No encoder enabled on this site can compose recordings."))
        with open(out, "rb") as file:
            return job.storage.save(plan.source_key, file)

    def publish(self, request, video: Video, job: JobContext, plan: ComposePlan, size: int) -> None:
        """Make the stored composition the video's source and queue its encode."""
        key = plan.source_key
        for old in [f for f in video.files if f.kind == "source"]:
            video.files.remove(old)  # a previous attempt's
        video.files.append(MediaFile(kind="source", key=key, size=size, mime="video/x-matroska", rendition=".mkv"))
        queue_job(request, video, "encode")


@hookimpl
def amphi_job_handlers():
    return {"compose": ComposeJob()}


def includeme(config):
    """Register the ``compose`` kind, like a plugin's, on the application's plugin manager."""
    register_core_kinds(config, sys.modules[__name__])
