"""Audio languages of a ready video: an owner adds a track (an interpreter, an audio description), removes
one they added, or chooses the language players start on.

An added track is encoded by the ``audio-track`` job (the encoder's ``amphi_encode_audio_track``) into a
folder of its own beside the encode's outputs (``hls/added-<job id>/``). Nothing a viewer reads changes
until the master playlist's row switches: each change writes a new master playlist under a new name, and
one short transaction points the video at it; the replaced file goes after the commit.

The owner's file is kept as an original (kind ``audio-source``, counted in the quota, with its language,
name, offset and whether it is the default): a re-encode replaces every output, then
:func:`encode_kept_tracks` queues each kept file's encoding again, so no language an owner added is lost.
"""

from __future__ import annotations

import io
import os
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlalchemy import select

from core import hookimpl
from core.models import MediaFile, Video
from core.pipeline import queue_job
from core.pipeline.hls import AUDIO_GROUP, HlsAudio, master_audio, with_audio
from core.pipeline.jobs import JobContext, JobKind, local_file, register_core_kinds
from core.pipeline.media import MEDIA_TYPES, MediaError, ProgressCallback
from core.pipeline.storage import Storage, job_prefix
from core.platform.db import lock_rows
from core.platform.i18n import _
from core.platform.tasks import enqueue_after_commit

KIND = "audio-track"
DOWNLOADS_KIND = "audio-downloads"
DOWNLOAD_KINDS = ("mp4", "audio", "mp3")
ADDED = "added-"  # the rendition (folder) name of a track an owner added
SOURCE = "audio-source"  # the kind of an added track's kept file
CHANGED = _("The video changed meanwhile (it was encoded again): add the track again.")


def master_file(video: Video) -> MediaFile | None:
    return next((f for f in video.files if f.kind == "hls-master"), None)


def audio_files(video: Video) -> list[MediaFile]:
    """The video's audio renditions, in the order of the master playlist (the encode's first, then added ones)."""
    files = [f for f in video.files if f.kind == "hls-audio"]
    return sorted(files, key=lambda f: (f.rendition.startswith(ADDED), f.id or 0))


def is_added(media: MediaFile) -> bool:
    return media.rendition.startswith(ADDED)


@dataclass(frozen=True)
class TrackPlan:
    """An added track's upload, where it goes, and what the master playlist will call it."""

    upload: str
    prefix: str  # the encode's outputs prefix, where the master playlist lies
    folder: str
    duration: float
    offset: float
    language: str
    name: str


class AudioTrackJob(JobKind):
    """The ``audio-track`` kind: params ``upload`` (a stored key), ``language``, ``name``, ``offset``."""

    def read(self, request, job) -> TrackPlan:
        video, params = job.video, job.params or {}
        master = master_file(video)
        if video.status != "ready" or master is None or not video.duration:
            raise MediaError(_("The video is not ready: add the track once it is."))
        return TrackPlan(
            upload=params["upload"],
            prefix=job_prefix(master.key),
            folder=f"{ADDED}{int(job.id)}",
            duration=float(video.duration),
            offset=float(params.get("offset") or 0.0),
            language=str(params.get("language") or ""),
            name=str(params.get("name") or ""),
        )

    def work(self, job: JobContext, plan: TrackPlan, scratch: str, progress: ProgressCallback) -> HlsAudio:
        out = os.path.join(scratch, "out")
        os.makedirs(out)
        with local_file(job.storage, plan.upload, os.path.join(scratch, "upload")) as path:
            audio = job.hooks.amphi_encode_audio_track(
                job=job, source=path, duration=plan.duration, offset=plan.offset, out=out, progress=progress
            )
        if audio is None:
            raise MediaError(_("No encoder is enabled on this site."))
        job.storage.put_tree(out, f"{plan.prefix}/hls/{plan.folder}")  # a new folder: no viewer reads it yet
        return replace(audio, uri=f"{plan.folder}/{audio.uri}", language=plan.language, name=plan.name)

    def publish(self, request, video: Video, job: JobContext, plan: TrackPlan, audio: HlsAudio) -> None:
        lock_video(request, video)
        master = master_file(video)
        if master is None or job_prefix(master.key) != plan.prefix:
            raise MediaError(CHANGED)
        media = MediaFile(
            kind="hls-audio",
            rendition=plan.folder,
            key=f"{plan.prefix}/hls/{audio.uri}",
            mime=MEDIA_TYPES[".m3u8"],
            size=0,
            language=plan.language,
            label=plan.name,
            is_default=False,
        )
        video.files.append(media)
        kept = keep_source(video, job.storage, plan)
        if kept.is_default:  # the owner's default before a re-encode stays the default
            audio = replace(audio, default=True)
            renditions = lambda current: [*(replace(r, default=False) for r in current), audio]  # noqa: E731
        else:
            renditions = lambda current: [*current, audio]  # noqa: E731
        rewrite_master(request, video, job.storage, renditions)
        if media.is_default:  # the first sound of a silent video, or the owner's choice: its downloads get it
            queue_downloads(request, video)


def keep_source(video: Video, storage: Storage, plan: TrackPlan) -> MediaFile:
    """The added track's file as an original of the video (found again when a re-encode queued it)."""
    kept = next((f for f in sources(video) if f.key == plan.upload), None)
    if kept is None:
        kept = MediaFile(kind=SOURCE, key=plan.upload, size=storage.size(plan.upload), mime="")
        kept.language, kept.label, kept.start_offset, kept.is_default = plan.language, plan.name, plan.offset, False
        video.files.append(kept)
    kept.rendition = plan.folder
    return kept


def sources(video: Video) -> list[MediaFile]:
    """The files of the tracks owners added, in the order they were added."""
    return sorted((f for f in video.files if f.kind == SOURCE), key=lambda f: f.id or 0)


def encode_kept_tracks(request, video: Video) -> None:
    """After a re-encode replaced every output: encode each track an owner added again (same file, language,
    name, offset; the default stays the default)."""
    for kept in sources(video):
        params = {"upload": kept.key, "language": kept.language, "name": kept.label, "offset": kept.start_offset or 0.0}
        queue_job(request, video, KIND, params=params)


def lock_video(request, video: Video) -> None:
    """Hold the video's row until the commit and read its files again: two changes of its audio never
    start from the same master playlist."""
    lock_rows(request.dbsession, Video, Video.id == video.id)
    request.dbsession.execute(
        select(MediaFile).where(MediaFile.video_id == video.id).execution_options(populate_existing=True)
    ).all()
    request.dbsession.refresh(video, ["files"])


def rewrite_master(request, video: Video, storage: Storage, change: Callable[[list[HlsAudio]], list[HlsAudio]]) -> None:
    """Write the master playlist with ``change(renditions)`` as its audio under a new name, point the video
    at it, and delete the old one after the commit (the video locked by :func:`lock_video`)."""
    master = master_file(video)
    if master is None:
        raise MediaError(_("The video has no stream to change."))
    with storage.open(master.key) as stored:
        text = stored.read().decode("utf-8")
    renditions = change(master_audio(text))
    if renditions and not any(r.default for r in renditions):
        renditions[0] = replace(renditions[0], default=True)
    data = with_audio(text, renditions, group=AUDIO_GROUP).encode("utf-8")
    old = master.key
    master.key = f"{job_prefix(old)}/hls/master-{secrets.token_hex(4)}.m3u8"
    master.size = storage.save(master.key, io.BytesIO(data))
    enqueue_after_commit(request, storage.delete, old)
    defaults = {r.uri for r in renditions if r.default}
    for media in audio_files(video):
        media.is_default = hls_uri(media) in defaults
    chosen = {media.rendition for media in audio_files(video) if media.is_default}
    for kept in sources(video):
        kept.is_default = kept.rendition in chosen


def hls_uri(media: MediaFile) -> str:
    """A rendition's URI as the master playlist names it (relative to its ``hls/`` folder)."""
    return media.key[len(job_prefix(media.key)) + len("/hls/") :]


def remove_track(request, video: Video, storage: Storage, media: MediaFile) -> None:
    """Remove an added track: from the master playlist, then its rows (and its kept file); its files go after
    the commit.

    When it was the default language, the downloads get the new default's sound.
    """
    lock_video(request, video)
    uri, was_default = hls_uri(media), media.is_default
    rewrite_master(request, video, storage, lambda renditions: [r for r in renditions if r.uri != uri])
    video.files.remove(media)
    enqueue_after_commit(request, storage.delete_prefix, media.key.rsplit("/", 1)[0])
    for kept in [f for f in sources(video) if f.rendition == media.rendition]:
        video.files.remove(kept)
        enqueue_after_commit(request, storage.delete, kept.key)
    if was_default:
        queue_downloads(request, video)


def choose_default(request, video: Video, storage: Storage, media: MediaFile) -> None:
    """Make ``media`` the rendition players start on, and the downloads' sound (by a job)."""
    lock_video(request, video)
    if media.is_default:
        return
    uri = hls_uri(media)
    rewrite_master(request, video, storage, lambda renditions: [replace(r, default=r.uri == uri) for r in renditions])
    queue_downloads(request, video)


@dataclass(frozen=True)
class DownloadsPlan:
    """The downloads to give the sound of the audio rendition whose playlist is ``playlist``."""

    prefix: str
    playlist: str
    downloads: tuple[str, ...]  # their keys


class AudioDownloadsJob(JobKind):
    """The ``audio-downloads`` kind: the MP4, M4A and MP3 downloads get the default language's sound
    (params ``rendition``); each is written under a new name, and the rows switch in one transaction."""

    def read(self, request, job) -> DownloadsPlan:
        video = job.video
        master = master_file(video)
        chosen = next((f for f in audio_files(video) if f.rendition == (job.params or {}).get("rendition")), None)
        if video.status != "ready" or master is None or chosen is None:
            raise MediaError(CHANGED)
        downloads = tuple(f.key for f in video.files if f.kind in DOWNLOAD_KINDS)
        return DownloadsPlan(job_prefix(master.key), chosen.key, downloads)

    def work(self, job: JobContext, plan: DownloadsPlan, scratch: str, progress: ProgressCallback) -> dict:
        """Fetch the rendition's playlist and segments, remux each download; store them; ``{old key: (new key, size)}``."""
        folder = plan.playlist.rsplit("/", 1)[0]
        local = os.path.join(scratch, "audio")
        os.makedirs(local)
        for key, _size in job.storage.walk(folder):
            with job.storage.open(key) as stored, open(os.path.join(local, key[len(folder) + 1 :]), "wb") as copy:
                copy.write(stored.read())
        playlist = os.path.join(local, plan.playlist.rsplit("/", 1)[1])
        replaced = {}
        for number, key in enumerate(plan.downloads):
            new_key = renamed(key, job.id)
            out = os.path.join(scratch, f"{number}-{os.path.basename(new_key)}")
            with local_file(job.storage, key, os.path.join(scratch, f"{number}-source")) as source:
                done = job.hooks.amphi_replace_audio(job=job, source=source, audio=playlist, out=out, progress=progress)
            if done is None:
                raise MediaError(_("No encoder is enabled on this site."))
            with open(out, "rb") as written:
                replaced[key] = (new_key, job.storage.save(new_key, written))
        return replaced

    def publish(self, request, video: Video, job: JobContext, plan: DownloadsPlan, replaced: dict) -> None:
        master = master_file(video)
        if master is None or job_prefix(master.key) != plan.prefix:
            raise MediaError(CHANGED)
        for media in video.files:
            if media.key in replaced:
                old = media.key
                media.key, media.size = replaced[old]
                enqueue_after_commit(request, job.storage.delete, old)


def renamed(key: str, job_id: int) -> str:
    """``…/mp4/360p.mp4`` (or ``…/mp4/360p.12.mp4``) -> ``…/mp4/360p.<job id>.mp4``: a new name, nothing
    served is overwritten (and ``audio.…`` stays a download for the media view)."""
    folder, name = key.rsplit("/", 1)
    stem, extension = os.path.splitext(name)
    return f"{folder}/{stem.split('.')[0]}.{int(job_id)}{extension}"


def queue_downloads(request, video: Video) -> None:
    """Give the downloads the current default language's sound (a job: remuxing takes a while)."""
    default = next((f for f in audio_files(video) if f.is_default), None)
    if default is not None and any(f.kind in DOWNLOAD_KINDS for f in video.files):
        queue_job(request, video, DOWNLOADS_KIND, params={"rendition": default.rendition})


@hookimpl
def amphi_job_handlers():
    return {KIND: AudioTrackJob(), DOWNLOADS_KIND: AudioDownloadsJob()}


def includeme(config):
    """Register the ``audio-track`` kind, like a plugin's, on the application's plugin manager."""
    register_core_kinds(config, sys.modules[__name__])
