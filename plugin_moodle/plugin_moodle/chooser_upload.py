"""Uploading a new video from the chooser, in the platform's frame (no cookie: the chooser's ``dl`` token, in
the form's address, says who uploads).

A plain multipart form (no JavaScript): the file, an optional title (else the server takes it from the file
name) and who may watch it once ready (the course's members, signed-in viewers, anyone). The file is checked
before anything is stored — size (the site's upload limits), empty, not media (the encoder's probe decides) —
then stored and made a video of the teacher through the core's ingest (encoding queued), and the chooser
shows it again, listed first and preselected, with its processing state: the teacher adds it to the course
at once, and its launch says the video is being prepared until it is ready.
"""

from __future__ import annotations

import logging
import ntpath
import os
import secrets
import shutil

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from core.models import User
from core.plugin_api import (
    IngestTrack,
    MediaError,
    QuotaExceeded,
    _,
    commit_now,
    ingest_files,
    scratch_folder,
    title_from_filename,
    upload_key,
    upload_limits,
)
from plugin_moodle.deep_linking import read_chooser_token, render_chooser, restored_launch
from plugin_moodle.launch import CLAIM, course_group, refuse
from plugin_moodle.models import LtiPlatform

log = logging.getLogger(__name__)

#: Who may watch the uploaded video once ready: the form's choices (``course`` only when the launch has one).
ACCESS_CHOICES = {
    "course": _("The course's members"),
    "signed-in": _("Signed-in users"),
    "public": _("Anyone (public)"),
}
MAX_TITLE = 250


def megabytes(size: int) -> int:
    """``size`` bytes in whole megabytes, for people (at least 1)."""
    return max(1, round(size / 1_000_000))


def too_big(maximum: int):
    return _("The file is bigger than this site accepts (${mb} MB).", mapping={"mb": megabytes(maximum)})


def has_course(data: dict) -> bool:
    return bool((data.get(CLAIM + "context") or {}).get("id"))


def upload_form(request, token: str, data: dict, state: dict) -> dict:
    """What the chooser's upload form shows: its address, the largest file, the access choices and the last
    attempt's title, access and error."""
    maximum, _quota = upload_limits(request.registry.settings, request.site)
    choices = [(key, label) for key, label in ACCESS_CHOICES.items() if key != "course" or has_course(data)]
    return {
        "action": request.route_url("moodle.deep_link.upload", _query={"dl": token}),
        "max_mb": megabytes(maximum) if maximum else 0,
        "choices": choices,
        "access": state.get("access") or choices[0][0],
        "title": state.get("title", ""),
        "error": state.get("error"),
    }


def base_name(filename: str) -> str:
    """The file's name without any folder the browser (or a forger) put in it, at most 200 characters."""
    return ntpath.basename(os.path.basename((filename or "").replace("\x00", ""))).strip()[:200]


def check_file(request, path: str, maximum: int) -> str | None:
    """Why the stored copy cannot become a video (None when it can): empty, too big, or not media."""
    size = os.path.getsize(path)
    if size == 0:
        return _("The file is empty.")
    if maximum and size > maximum:
        return too_big(maximum)
    try:
        info = request.hooks.amphi_probe(path=path)
    except MediaError as error:
        log.info("LTI chooser upload: not media: %s", error.args[0] if error.args else error)
        return _("This file is not a video or an audio file that Amphi can read.")
    if info is None:
        return _("No encoder is enabled on this site.")
    return None


@view_config(route_name="moodle.deep_link.upload", request_method="POST", require_csrf=False)
def upload(request):
    """Check, store and ingest the teacher's file, then show the chooser with the new video preselected."""
    token = request.GET.get("dl", "")  # in the address: read (and the size checked) before the body is
    data = read_chooser_token(request, token)
    user = request.dbsession.get(User, data["u"])
    if user is None or not user.is_active or not user.can_upload:
        refuse(request, _("Only the course's teachers add videos."), f"chooser upload by user {data['u']}")
    launch_data = restored_launch(request, data).get_launch_data()
    maximum, _quota = upload_limits(request.registry.settings, request.site)

    def again(error, status: int = 400, **form):
        log.warning("LTI chooser upload refused for user %s: %s", user.id, error)
        return render_chooser(request, user, token, launch_data, status, words="", error=error, **form)

    if maximum and (request.content_length or 0) > maximum + 16 * 1024:  # the form's other fields, the parts' heads
        return again(too_big(maximum), 413)
    form = {
        "title": str(request.POST.get("title", "")).strip()[:MAX_TITLE],
        "access": str(request.POST.get("access", "")),
    }
    if form["access"] not in ACCESS_CHOICES or form["access"] == "course" and not has_course(launch_data):
        return again(_("Choose who may watch the video."), **form)
    sent = request.POST.get("file")
    filename = base_name(getattr(sent, "filename", ""))
    if not hasattr(sent, "file") or not filename:
        return again(_("Choose a video or audio file."), **form)
    commit_now(request)  # nothing is held while the file is copied, probed and stored
    with scratch_folder(request.registry) as scratch:
        path = os.path.join(scratch, "upload")
        with open(path, "wb") as copy:
            shutil.copyfileobj(sent.file, copy, 1024 * 1024)
        problem = check_file(request, path, maximum)
        if problem is not None:
            return again(problem, 413 if os.path.getsize(path) > maximum > 0 else 400, **form)
        key = upload_key(request.site.id, "lti-" + secrets.token_hex(12))
        with open(path, "rb") as stored:
            request.storage.save(key, stored)
    try:
        video = ingest_video(request, user, key, filename, getattr(sent, "type", ""), form, launch_data, data)
    except QuotaExceeded as exc:
        request.storage.delete(key)
        return again(exc.message, 413, **form)
    log.info("LTI chooser upload: user %s made video %s from %r", user.id, video.id, filename)
    return HTTPSeeOther(request.route_url("moodle.deep_link", _query={"dl": token, "added": video.id}))


def ingest_video(request, user: User, key: str, filename: str, mime: str, form: dict, launch_data: dict, data: dict):
    """The stored file as the teacher's video, its encoding queued; for the course's members, the course's group
    (made now if no launch made it yet)."""
    access = "groups" if form["access"] == "course" else form["access"]
    metadata = {"title": form["title"] or title_from_filename(filename), "access": access}
    track = IngestTrack(key, "presenter/source", filename, str(mime or "")[:100])
    video = ingest_files(request, user, [track], metadata)
    if access == "groups":
        group = course_group(request, request.dbsession.get(LtiPlatform, data["p"]), launch_data)
        request.dbsession.flush()
        video.allowed_groups = [group]
    request.dbsession.flush()
    return video
