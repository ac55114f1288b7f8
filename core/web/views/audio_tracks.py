"""The edit page's audio languages: add a track to a ready video, remove an added one, choose the default.

A file is checked before anything is stored (empty, not media, without sound: a clear error, the video
as it was); the encoding runs in the ``audio-track`` job (:mod:`core.pipeline.audio_tracks`).
"""

from __future__ import annotations

import os
import secrets
import shutil

from pyramid.httpexceptions import HTTPFound, HTTPNotFound
from pyramid.view import view_config

from core.catalogue.lookup import require_video
from core.catalogue.metadata import MetadataForm, language_choices
from core.ingest import QuotaExceeded, check_quota
from core.pipeline import queue_job
from core.pipeline.audio_languages import audio_name
from core.pipeline.audio_tracks import KIND, audio_files, choose_default, is_added, remove_track
from core.pipeline.jobs import scratch_folder
from core.pipeline.media import MediaError
from core.pipeline.storage import check_key, video_prefix
from core.platform.i18n import _
from core.platform.plugins import fire
from core.platform.sites import upload_limits
from core.web.views.edit import audio_values, edit_values

MAX_NAME = 100


def refuse(request, video, errors: dict, form: dict) -> dict:
    request.response.status = 400
    values = edit_values(request, video, MetadataForm.from_video(video))
    values.update(audio_values(request, video, errors, form))
    return values


def edit_page(request, video):
    return HTTPFound(request.route_url("video.edit", video_id=video.id, _anchor="audio-languages"))


@view_config(route_name="video.audio", request_method="POST", renderer="video_edit.html")
def add_track(request):
    """Check the file and the fields, store the file, queue the job that encodes it."""
    video = require_video(request, "edit")
    post = request.POST
    form = {key: str(post.get(key, "")).strip() for key in ("language", "name", "offset")}
    errors = check_fields(request, video, form)
    upload = post.get("file")
    if not hasattr(upload, "file"):
        errors["file"] = _("Choose an audio or video file.")
    if errors:
        return refuse(request, video, errors, form)
    with scratch_folder(request.registry) as scratch:
        path = os.path.join(scratch, "upload")
        with open(path, "wb") as copy:
            shutil.copyfileobj(upload.file, copy, 1024 * 1024)
        problem = check_file(request, path)
        if problem:
            return refuse(request, video, {"file": problem}, form)
        try:  # the file is kept (a re-encode encodes it again): it counts in the owner's quota
            check_quota(request, video.owner, os.path.getsize(path))
        except QuotaExceeded as error:
            return refuse(request, video, {"file": error.message}, form)
        key = check_key(f"{video_prefix(video)}/audio-uploads/{secrets.token_hex(16)}")
        with open(path, "rb") as stored:
            request.storage.save(key, stored)
    position = len(audio_files(video)) + 1
    name = form["name"][:MAX_NAME] or audio_name("", form["language"], position)
    params = {"upload": key, "language": form["language"], "name": name, "offset": float(form["offset"] or 0)}
    queue_job(request, video, KIND, params=params)
    return edit_page(request, video)


def check_fields(request, video, form: dict) -> dict:
    errors = {}
    if video.status != "ready" or not video.duration:
        errors["file"] = _("The video is not ready: add the track once it is.")
    codes = {code for code, _name in language_choices(request.localizer.locale_name)}
    if form["language"] and form["language"] not in codes:
        errors["language"] = _("Choose a language from the list.")
    try:
        offset = float(form["offset"] or 0)
    except ValueError:
        offset = None
    if offset is None or abs(offset) >= (video.duration or 0) or offset != offset:
        errors["offset"] = _("A number of seconds, shorter than the video (negative: the file starts earlier).")
    return errors


def check_file(request, path: str) -> str:
    """Why the file cannot be a track (``""`` when it can): empty, too big, not media, without sound."""
    size = os.path.getsize(path)
    largest, _quota = upload_limits(request.registry.settings, request.site)
    if size == 0:
        return _("The file is empty.")
    if largest and size > largest:
        return _("The file is too big.")
    try:
        info = request.hooks.amphi_probe(path=path)
    except MediaError as error:
        return error.args[0] if error.args else error.message
    if info is None:
        return _("No encoder is enabled on this site.")
    if not info.has_audio:
        return _("This file has no sound.")
    return ""


def audio_track(video, rendition: str):
    media = next((f for f in audio_files(video) if f.rendition == rendition), None)
    if media is None:
        raise HTTPNotFound()
    return media


@view_config(route_name="video.audio.delete", request_method="POST")
def delete_track(request):
    """Remove a track an owner added (the encode's own languages stay: they are the video's)."""
    video = require_video(request, "edit")
    media = audio_track(video, request.matchdict["rendition"])
    if not is_added(media):
        raise HTTPNotFound()
    remove_track(request, video, request.storage, media)
    request.dbsession.flush()
    fire(request, "amphi_video_changed", video=video)
    return edit_page(request, video)


@view_config(route_name="video.audio.default", request_method="POST")
def default_track(request):
    video = require_video(request, "edit")
    media = audio_track(video, str(request.POST.get("rendition", "")))
    choose_default(request, video, request.storage, media)
    request.dbsession.flush()
    fire(request, "amphi_video_changed", video=video)
    return edit_page(request, video)
