"""Automatic captions with Vosk: the video's sound, recognised with word timings, cut for reading.

Once a video is ready (``amphi_video_ready``), a ``transcribe`` job extracts its sound (16 kHz mono,
ffmpeg), recognises it with the Vosk model of the video's language, builds cues for reading
(:func:`core.pipeline.speech.build_cues`) and stores them as an automatic WebVTT caption track
(:func:`core.catalogue.tracks.save_track`). The owner can run it again from the video page.
"""

from pyramid.renderers import render

from core import hookimpl
from core.models import Video
from core.plugin_api import NavItem, Panel, Setting, _, language_name, video_permits
from plugins.transcriber_vosk.job import (
    KIND,
    NAME,
    TranscribeJob,
    auto_track,
    queue_after_change,
    queue_after_ready,
)
from plugins.transcriber_vosk.recognize import transcribe
from plugins.transcriber_vosk.speech_models import load_model, model_folder

AMPHI_HOOKS = ">=2.0,<3"  # the job hooks and amphi_video_ready take plain values since 2.0
AMPHI_TITLE = _("Automatic captions (Vosk)")
AMPHI_DESCRIPTION = _("Captions recognised from a video's speech, on this server.")


def includeme(config):
    config.add_route("transcriber_vosk.run", "/videos/{video_id:\\d+}/transcribe")
    config.scan("plugins.transcriber_vosk.views")


@hookimpl
def amphi_settings():
    return [
        Setting(
            "models",
            "list",
            "",
            site_editable=False,
            label=_("Speech models: language code and folder"),
            help=_(
                "For example ko:/srv/vosk/ko fr:/srv/vosk/fr (folders without spaces). An installed "
                "vosk_model_<code> package serves a language not listed."
            ),
        ),
        Setting(
            "automatic",
            "bool",
            True,
            label=_("Transcribe each video once it is ready"),
            help=_("When a model exists for the video's language; owners may always ask for it."),
        ),
    ]


@hookimpl
def amphi_job_handlers():
    return {KIND: TranscribeJob()}


@hookimpl
def amphi_transcribe(job, audio, language, progress):
    folder = model_folder(job.plugin_settings(NAME), language)
    if folder is None:
        return None
    return transcribe(load_model(folder), audio, language, progress)


@hookimpl
def amphi_video_ready(request, video_id):
    video = request.dbsession.get(Video, video_id)
    if video is not None:
        queue_after_ready(request, video)


@hookimpl
def amphi_video_changed(request, video):
    queue_after_change(request, video)


@hookimpl
def amphi_video_panels(request, video):
    """Tell the video's editors why no automatic captions will come: no language, or no model for it."""
    if not video_permits(request, video, "edit"):
        return []
    if video.language and model_folder(request.plugin_settings(NAME), video.language) is not None:
        return []
    html = render(
        "plugins.transcriber_vosk:templates/panel.html",
        {
            "video": video,
            "language": language_name(video.language, request.localizer.locale_name),
        },
        request=request,
    )
    return [Panel("automatic-captions", request.translate("Automatic captions"), html, order=950)]


@hookimpl
def amphi_video_actions(request, video):
    if video.status != "ready" or not video_permits(request, video, "edit"):
        return []
    if model_folder(request.plugin_settings(NAME), video.language) is None:
        return []
    again = auto_track(request, video, video.language) is not None
    title = request.translate("Transcribe again") if again else request.translate("Transcribe")
    return [NavItem(title, request.route_url("transcriber_vosk.run", video_id=video.id), order=500)]
