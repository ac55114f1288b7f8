"""HTTP push: a box POSTs a finished recording with its recorder's token.

``POST /recorder/push`` with ``X-Recorder-Token: amphirec_...`` and either a multipart form
(``file``, optional ``title``) or the raw bytes as the body (``?filename=...&title=...``).
Answers 201 with the new video's id, 401 for a missing or unknown token, 400 for no file,
413 past the site's largest upload or the owner's storage quota.
"""

from __future__ import annotations

from pyramid.response import Response
from pyramid.view import view_config

from core.plugin_api import QuotaExceeded, upload_limits
from plugin_recorder.auth import push_recorder
from plugin_recorder.recordings import ingest_stream

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def answer(status: int, **body) -> Response:
    response = Response(status=status, content_type="application/json", charset="utf-8")
    response.json_body = body
    return response


def pushed_file(request):
    """``(stream, filename, title)`` of the request, or ``None`` when it carries no file."""
    upload = request.POST.get("file") if request.content_type == "multipart/form-data" else None
    if upload is not None and hasattr(upload, "file"):
        return upload.file, upload.filename or "recording", request.POST.get("title", "")
    if request.content_type not in FORM_TYPES and request.content_length:
        return request.body_file_seekable, request.params.get("filename", "recording"), request.params.get("title", "")
    return None


@view_config(route_name="recorder.push", request_method="POST", require_csrf=False)
def push(request):
    token = request.headers.get("X-Recorder-Token", "")
    recorder = push_recorder(request, token.strip()) if token else None
    if recorder is None:
        return answer(401, error="unauthorized", message="A valid X-Recorder-Token header is required.")
    maximum, _quota = upload_limits(request.registry.settings, request.site)
    if maximum and (request.content_length or 0) > maximum:
        return answer(413, error="too-large", message=f"The largest recording accepted is {maximum} bytes.")
    found = pushed_file(request)
    if found is None:
        return answer(400, error="no-file", message="Send the recording as the multipart field 'file' or as the body.")
    stream, filename, title = found
    try:
        video = ingest_stream(request, recorder, stream, filename, title=title.strip()[:250])
    except QuotaExceeded as exc:
        return answer(413, error="quota-exceeded", message=request.localizer.translate(exc.message))
    except ValueError as exc:
        return answer(409, error="recorder-not-ready", message=str(exc))
    return answer(201, video=video.id, title=video.title, pending=not recorder.auto_publish)
