"""The ``encode`` job: probe, choose the ladder, encode, publish atomically.

The core calls the media hooks and never ffmpeg itself. Outputs are written to
a local scratch folder, copied under the job's own storage prefix, then one
transaction swaps the video's media rows: either everything is published or
nothing is. The original upload is never touched. The kind runs in the job
skeleton (:mod:`core.pipeline.jobs`) and is registered like a plugin's.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass

from core import hookimpl
from core.models import ORIGINAL_KINDS, MediaFile, Video
from core.pipeline.audio_tracks import encode_kept_tracks
from core.pipeline.card_images import card_key, make_card_image
from core.pipeline.jobs import JobContext, JobKind, local_file, register_core_kinds
from core.pipeline.media import EncodeResult, MediaError, MediaInfo, ProgressCallback
from core.pipeline.storage import job_prefix, outputs_prefix
from core.platform.i18n import _
from core.platform.plugins import fire
from core.platform.tasks import enqueue_after_commit

log = logging.getLogger(__name__)

#: Output kinds recorded as rows; segments are served by path under the master's folder.
RECORDED_KINDS = {
    "hls-master",
    "hls-playlist",
    "hls-audio",
    "mp4",
    "audio",
    "mp3",
    "thumbnail",
    "storyboard",
    "storyboard-vtt",
    "waveform",
}


@dataclass(frozen=True)
class EncodePlan:
    """What an encode needs, read before it starts: the source's key and where outputs go."""

    source_key: str
    prefix: str


@dataclass(frozen=True)
class Encoded:
    """What the encode produced: the probe, the encoder's result and the local folder holding it."""

    info: MediaInfo
    result: EncodeResult
    out: str


class EncodeJob(JobKind):
    """The ``encode`` kind."""

    def read(self, request, job) -> EncodePlan:
        source = next((f for f in job.video.files if f.kind == "source"), None)
        if source is None:
            raise MediaError(_("The original file is missing."))
        return EncodePlan(source.key, outputs_prefix(job.video, job.id))

    def work(self, job: JobContext, plan: EncodePlan, scratch: str, progress: ProgressCallback) -> Encoded:
        """Encode, then copy the outputs under the job's own prefix (nobody reads it before the rows switch)."""
        with local_file(job.storage, plan.source_key, os.path.join(scratch, "source")) as path:
            encoded = encode_file(job, path, os.path.join(scratch, "out"), progress)
        job.storage.delete_prefix(plan.prefix)  # a previous attempt of this job may have left files
        job.storage.put_tree(encoded.out, plan.prefix)
        return encoded

    def publish(self, request, video: Video, job: JobContext, plan: EncodePlan, encoded: Encoded) -> None:
        """Switch the video's rows to the stored outputs (this short transaction); old outputs go after the commit."""
        storage = job.storage
        old_prefixes = replace_outputs(video, plan.prefix, encoded.out, encoded.result)
        video.duration = encoded.result.duration or encoded.info.duration
        video.status, video.status_reason = "ready", ""
        for old in old_prefixes - {plan.prefix}:
            enqueue_after_commit(request, storage.delete_prefix, old)
        encode_kept_tracks(request, video)  # the languages owners added, on the new outputs

    def announce(self, request, job: JobContext, plan: EncodePlan, encoded: Encoded) -> None:
        """``amphi_video_ready`` once the scratch is gone: listeners (indexing...) may take a while.

        The card image is made here too, so that the first visitor of a list does not wait for it.
        """
        fire(request, "amphi_video_ready", video_id=job.video_id)
        video = request.dbsession.get(Video, job.video_id)
        if video is not None and video.poster_key:
            try:
                make_card_image(request, video, card_key(video))
            except Exception:  # noqa: BLE001 — the media view makes it on the first fetch instead
                log.warning("the card image of video %s was not made", video.id, exc_info=True)


def encode_file(job: JobContext, path: str, out: str, progress: ProgressCallback) -> Encoded:
    hooks = job.hooks
    info = hooks.amphi_probe(path=path)
    if info is None:
        raise MediaError(_("No encoder is enabled on this site."))
    ladder = hooks.amphi_encoding_ladder(job=job, info=info) or []
    os.makedirs(out)
    result = hooks.amphi_encode(job=job, source=path, info=info, ladder=ladder, out=out, progress=progress)
    if result is None:
        raise MediaError(_("No encoder is enabled on this site."))
    return Encoded(info, result, out)


def replace_outputs(video: Video, prefix: str, out: str, result: EncodeResult) -> set[str]:
    """Swap the video's output rows for this job's; return the prefixes of the rows replaced."""
    old_prefixes = {job_prefix(m.key) for m in video.files if m.kind not in ORIGINAL_KINDS}
    for media in [m for m in video.files if m.kind not in ORIGINAL_KINDS]:
        video.files.remove(media)
    for output in result.outputs:
        if output.kind in RECORDED_KINDS:
            video.files.append(
                MediaFile(
                    kind=output.kind,
                    rendition=output.rendition,
                    key=f"{prefix}/{output.path}",
                    mime=output.mime,
                    size=os.path.getsize(os.path.join(out, output.path)),
                    width=output.width,
                    height=output.height,
                    bitrate=output.bitrate,
                    language=output.language,
                    label=output.label,
                    is_default=output.default,
                )
            )
    posters = [o for o in result.outputs if o.kind in ("thumbnail", "waveform")]
    video.poster_key = f"{prefix}/{posters[0].path}" if posters else ""
    return old_prefixes


@hookimpl
def amphi_job_handlers():
    return {"encode": EncodeJob()}


def includeme(config):
    """Register the ``encode`` kind, like a plugin's, on the application's plugin manager."""
    register_core_kinds(config, sys.modules[__name__])
