"""The owner's "Transcribe" page: run the transcription of a video (again)."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from core.plugin_api import require_video
from plugins.transcriber_vosk.job import NAME, auto_track, busy, queue_transcription
from plugins.transcriber_vosk.speech_models import model_folder

TEMPLATE = "plugins.transcriber_vosk:templates/transcribe.html"


def page(request, video, error: str = "") -> dict:
    return {
        "video": video,
        "error": error,
        "has_track": auto_track(request, video, video.language) is not None,
        "has_model": model_folder(request.plugin_settings(NAME), video.language) is not None,
    }


def refusal(request, video) -> str:
    """Why the video cannot be transcribed now (translated), or an empty string."""
    if video.status != "ready":
        return request.translate("The video must be ready (processed) before it is transcribed.")
    if not video.language:
        return request.translate("Set the video's main language (Edit) before transcribing it.")
    if model_folder(request.plugin_settings(NAME), video.language) is None:
        return request.translate(
            "No speech recognition model is installed for this video's language (${language}).", language=video.language
        )
    if busy(video):
        return request.translate("A transcription of this video is already under way.")
    return ""


@view_config(route_name="transcriber_vosk.run", renderer=TEMPLATE, request_method="GET")
def transcribe_form(request):
    video = require_video(request, "edit")
    return page(request, video, refusal(request, video))


@view_config(route_name="transcriber_vosk.run", renderer=TEMPLATE, request_method="POST")
def transcribe(request):
    video = require_video(request, "edit")
    error = refusal(request, video)
    if error:
        request.response.status = 409 if busy(video) else 400
        return page(request, video, error)
    queue_transcription(request, video)
    return HTTPFound(request.route_url("my.videos", _query={"status": "ready"}))
