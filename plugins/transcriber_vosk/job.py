"""The ``transcribe`` job: the video's sound to an automatic caption track in its language.

Queued after ``amphi_video_ready`` (or by the owner); it runs in the core's job skeleton
(:mod:`core.pipeline.jobs`) like the encode job: what it needs is read in a short transaction, recognition
runs with no transaction open, and the track is saved in one short transaction at the end.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sqlalchemy import select

from core.models import Job, Track, Video
from core.plugin_api import (
    JobContext,
    JobKind,
    MediaError,
    ProgressCallback,
    Transcript,
    _,
    active_plugins,
    fire,
    language_name,
    local_file,
    queue_job,
    save_track,
    to_webvtt,
)
from plugins.transcriber_vosk.recognize import extract_audio
from plugins.transcriber_vosk.speech_models import model_folder

NAME = "transcriber_vosk"
KIND = "transcribe"
#: Progress after extracting the sound; recognition fills the rest up to 95 %.
EXTRACTED, RECOGNISED = 0.05, 0.95


def missing_model_reason(language: str) -> str:
    """Why a video in ``language`` cannot be transcribed: a message without values, so that it is stored
    as it is and shown translated (the transcription page names the language)."""
    if not language:
        return _("Set the video's main language (Edit) before transcribing it.")
    return _("No speech recognition model is installed for this video's language.")


def busy(video: Video) -> bool:
    return any(job.kind == KIND and job.state in ("queued", "running") for job in video.jobs)


def auto_track(request, video: Video, language: str) -> Track | None:
    """This plugin's automatic track of ``video`` in ``language``, if one is still untouched by people."""
    return request.dbsession.scalars(
        select(Track)
        .where(Track.video_id == video.id, Track.plugin == NAME, Track.language == language, Track.source == "auto")
        .order_by(Track.id)
    ).first()


def queue_transcription(request, video: Video) -> Job:
    """Queue a transcription of ``video`` in its language (kept with the job: see :func:`transcribed_in`)."""
    return queue_job(request, video, KIND, params={"language": video.language})


def queue_after_ready(request, video: Video) -> Job | None:
    """Queue a transcription of a video that just became ready, when the site wants it and can."""
    settings = request.plugin_settings(NAME)
    if not settings["automatic"] or model_folder(settings, video.language) is None:
        return None
    if busy(video) or has_captions(request, video):
        return None  # a re-encode does not transcribe the same sound again, nor over a person's captions
    return queue_transcription(request, video)


def transcribed_in(video: Video, language: str) -> bool:
    """Whether a transcription of ``video`` in ``language`` was ever queued, whatever came of it."""
    return any(job.kind == KIND and (job.params or {}).get("language") == language for job in video.jobs)


def queue_after_change(request, video: Video) -> Job | None:
    """Queue a transcription when a ready video's main language was set (or changed) after its encode,
    to one it was never transcribed in; other changes, and a language already tried, queue nothing."""
    if video.status != "ready" or not video.language or transcribed_in(video, video.language):
        return None
    return queue_after_ready(request, video)


def has_captions(request, video: Video) -> bool:
    """Whether the video has subtitles or captions in its language already (automatic or not, any plugin)."""
    return (
        request.dbsession.scalar(
            select(Track.id)
            .where(
                Track.video_id == video.id, Track.language == video.language, Track.kind.in_(("subtitles", "captions"))
            )
            .limit(1)
        )
        is not None
    )


@dataclass(frozen=True)
class TranscribePlan:
    """What a transcription needs, read before it starts: the source's key and the language."""

    source_key: str
    language: str


class TranscribeJob(JobKind):
    """The ``transcribe`` kind."""

    def read(self, request, job: Job) -> TranscribePlan:
        if NAME not in active_plugins(request):
            raise MediaError(_("Transcription is not enabled on this site."))
        language = (job.video.language or "").lower()
        if model_folder(request.plugin_settings(NAME), language) is None:
            raise MediaError(missing_model_reason(language))
        source = next((f for f in job.video.files if f.kind == "source"), None)
        if source is None:
            raise MediaError(_("The original file is missing."))
        return TranscribePlan(source.key, language)

    def work(self, job: JobContext, plan: TranscribePlan, scratch: str, progress: ProgressCallback) -> Transcript:
        wav = os.path.join(scratch, "audio.wav")
        with local_file(job.storage, plan.source_key, os.path.join(scratch, "source")) as path:
            extract_audio(path, wav)
        progress(EXTRACTED)
        transcript = job.hooks.amphi_transcribe(
            job=job,
            audio=wav,
            language=plan.language,
            progress=lambda f: progress(EXTRACTED + (RECOGNISED - EXTRACTED) * f),
        )
        if transcript is None:
            raise MediaError(missing_model_reason(plan.language))
        if not transcript.cues:
            raise MediaError(_("No speech was recognised in this video."))
        return transcript

    def publish(self, request, video: Video, job: JobContext, plan: TranscribePlan, transcript: Transcript) -> None:
        """Store the cues as the video's automatic captions (replacing the previous automatic ones)."""
        language = transcript.language
        save_track(
            request,
            video,
            to_webvtt(transcript.cues),
            kind="captions",
            language=language,
            label=track_label(request, language),
            source="auto",
            plugin=NAME,
            track=auto_track(request, video, language),
        )

    def announce(self, request, job: JobContext, plan: TranscribePlan, transcript: Transcript) -> None:
        """The captions are committed: listeners (the search index...) may read them."""
        video = request.dbsession.get(Video, job.video_id)
        if video is not None:
            fire(request, "amphi_video_changed", video=video)


def track_label(request, language: str) -> str:
    """The language's own name (``한국어``), marked automatic."""
    return request.translate("${language} (automatic)", language=language_name(language, language))
