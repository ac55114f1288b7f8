"""Getting a recording's media from a server, with no database: the file of its ``video`` format, the
film of its ``presentation`` playback (the capture worker), or the sound of its ``podcast``.

Which format: ``video`` when the server made one (BigBlueButton's optional video format: an MP4 of the
webcams, slides and screen share), else the ``presentation`` playback filmed as a person would watch it,
else the ``podcast`` (audio only). Every failure is an :class:`ImportFailure` whose ``reason`` an owner
can read and whose ``retry`` says whether trying again later may help.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import threading
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import requests

from core.plugin_api import _
from plugin_bbb.capture import CaptureError, CaptureSpec, capture
from plugin_bbb.client import BbbClient, BbbError, Recording

log = logging.getLogger(__name__)

#: The formats Amphi imports, in the order it prefers them.
PREFERRED = ("video", "presentation", "podcast")
#: Media files by their name (a playback URL that already names the file).
MEDIA_SUFFIX = re.compile(r"\.(m4v|mp4|webm|mkv|ogg|oga|opus|m4a|mp3|wav)$", re.IGNORECASE)
#: The file BigBlueButton's ``video`` format writes next to its playback page.
VIDEO_FILE = "video-0.m4v"
CHUNK = 1024 * 1024

#: The playback page is ready once its player is drawn (bbb-playback's video.js play button).
READY_JS = "document.readyState === 'complete' && !!document.querySelector('.vjs-big-play-button, video')"
#: Pressed once the film begins: the playback does not start by itself.
START_JS = (
    "(function () { const button = document.querySelector('.vjs-big-play-button');"
    " if (button) { button.click(); } else { const media = document.querySelector('video, audio');"
    " if (media) { media.play(); } } return true; })()"
)
#: The playback is over: its media ended (bbb-playback), or the page says so (``data-state``).
END_JS = (
    "(document.body && document.body.dataset.state === 'ended')"
    " || Array.from(document.querySelectorAll('video, audio')).some(function (m) { return m.ended; })"
)
#: A presentation is filmed for at most its length plus this share and these seconds.
MARGIN_SHARE, MARGIN_SECONDS = 0.1, 120


class ImportFailure(Exception):
    """Why a recording could not be imported: ``reason`` (a message of the catalogue, without variables: it
    is stored and translated when shown) for the owners, ``detail`` (HTTP status, URL, the capture's own
    words) for whoever looks closer."""

    def __init__(self, reason, retry: bool, detail: str = ""):
        super().__init__(f"{reason}{': ' + detail if detail else ''}")
        self.reason, self.retry, self.detail = reason, retry, detail


class Abandoned(Exception):
    """The import was taken from this worker meanwhile (its heartbeat was refused)."""


@dataclass(frozen=True)
class Media:
    """A recording's media, fetched: the local file, the format it came from and its name for the video."""

    path: str
    format: str
    filename: str
    mime: str


@dataclass(frozen=True)
class ServerAccess:
    url: str
    secret: str
    algorithm: str
    timeout: float


def server_recording(server: ServerAccess, record_id: str) -> Recording:
    """The recording as ``getRecordings`` describes it now (playback URLs, whether it is published)."""
    client = BbbClient(server.url, server.secret, server.algorithm, timeout=server.timeout)
    try:
        found = client.get_recordings(record_ids=[record_id])
    except BbbError as exc:
        raise ImportFailure(exc.words, retry=True, detail=str(exc)) from None
    recording = next((r for r in found if r.record_id == record_id), None)
    if recording is None or recording.state == "deleted":
        raise ImportFailure(_("The server no longer has this recording."), retry=False)
    if not recording.published:
        raise ImportFailure(
            _("The recording is unpublished on the server: publish it, then import it again."), retry=False
        )
    return recording


def chosen_format(recording: Recording) -> str:
    """The format to import (see :data:`PREFERRED`)."""
    offered = {f.type for f in recording.formats if f.url}
    for kind in PREFERRED:
        if kind in offered:
            return kind
    raise ImportFailure(
        _("The server offers no format Amphi can import."), retry=False, detail=", ".join(sorted(offered))
    )


def recording_seconds(recording: Recording) -> float:
    """The recording's length: from its start and end times, else the playback's length in minutes."""
    if recording.end_time > recording.start_time > 0:
        return (recording.end_time - recording.start_time) / 1000
    return max((f.length_minutes for f in recording.formats), default=0) * 60.0


def fetch_media(
    server: ServerAccess,
    recording: Recording,
    folder: str,
    capture_size: tuple[int, int],
    lost: threading.Event | None = None,
) -> Media:
    """Fetch the recording's media into ``folder``: download it, or film the presentation."""
    kind = chosen_format(recording)
    url = recording.format(kind).url
    if kind == "presentation":
        return film(url, os.path.join(folder, "presentation.mp4"), recording_seconds(recording), capture_size, folder)
    if kind == "video":
        path = download_video(url, os.path.join(folder, "video.mp4"), server.timeout, lost)
        return checked(Media(path, kind, "video.mp4", "video/mp4"), need_picture=True)
    path = download(url, os.path.join(folder, "audio.ogg"), server.timeout, lost)
    return checked(Media(path, kind, "audio.ogg", "audio/ogg"), need_picture=False)


# --- downloads --------------------------------------------------------------------------------------


class _SourceFinder(HTMLParser):
    """The first ``<source src>`` or ``<video src>`` of a playback page."""

    def __init__(self):
        super().__init__()
        self.found = ""

    def handle_starttag(self, tag, attrs):
        src = dict(attrs).get("src") or ""
        if not self.found and tag in ("source", "video") and src:
            self.found = src


def download_video(url: str, path: str, timeout: float, lost: threading.Event | None) -> str:
    """The ``video`` format's file: the URL itself when it names one; else, as BigBlueButton lays it out,
    ``video-0.m4v`` next to the playback page (``https://host/playback/video/<id>/``), or the file the
    page's ``<video>`` names."""
    if MEDIA_SUFFIX.search(urlsplit(url).path):
        return download(url, path, timeout, lost)
    page = url if url.endswith("/") else url + "/"
    try:
        return download(urljoin(page, VIDEO_FILE), path, timeout, lost)
    except ImportFailure as missing:
        try:
            answer = requests.get(page, timeout=timeout)
        except requests.RequestException:
            raise missing from None
        finder = _SourceFinder()
        finder.feed(answer.text if answer.ok and "html" in answer.headers.get("Content-Type", "") else "")
        if not finder.found:
            raise missing from None
        return download(urljoin(page, finder.found), path, timeout, lost)


def download(url: str, path: str, timeout: float, lost: threading.Event | None = None) -> str:
    """Stream ``url`` to ``path``; a missing file (404), an error or a cut transfer is an :class:`ImportFailure`."""
    try:
        with requests.get(url, stream=True, timeout=(timeout, 120)) as answer:
            detail = f"HTTP {answer.status_code}: {url}"
            if answer.status_code in (403, 404, 410):
                raise ImportFailure(_("The recording's files are missing on the server."), retry=True, detail=detail)
            if not answer.ok:
                raise ImportFailure(_("The server could not send the recording's files."), retry=True, detail=detail)
            expected = int(answer.headers.get("Content-Length") or 0)
            written = _write(answer, path, lost)
    except requests.RequestException as exc:
        raise ImportFailure(
            _("The recording's transfer from the server failed."), retry=True, detail=str(exc)
        ) from None
    if expected and written != expected:
        raise ImportFailure(
            _("The recording's transfer from the server was cut short."), retry=True, detail=f"{written}/{expected}"
        )
    return path


def _write(answer: requests.Response, path: str, lost: threading.Event | None) -> int:
    written = 0
    with open(path, "wb") as file:
        for chunk in answer.iter_content(CHUNK):
            if lost is not None and lost.is_set():
                raise Abandoned()
            file.write(chunk)
            written += len(chunk)
    return written


def checked(media: Media, need_picture: bool) -> Media:
    """``media`` once ffprobe reads it as media with a length (and a picture when ``need_picture``)."""
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration:stream=codec_type", "-of", "json", media.path],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    info = json.loads(result.stdout or "{}") if result.returncode == 0 else {}
    kinds = {s.get("codec_type") for s in info.get("streams", [])}
    duration = float(info.get("format", {}).get("duration") or 0)
    if duration <= 0 or not kinds & {"audio", "video"} or (need_picture and "video" not in kinds):
        raise ImportFailure(
            _("The file the server sent is not a readable recording."), retry=True, detail=result.stderr[-300:]
        )
    return media


# --- the presentation, filmed -------------------------------------------------------------------------


def film(url: str, path: str, seconds: float, size: tuple[int, int], workdir: str) -> Media:
    """Film the presentation's playback with the capture worker, until the playback ends."""
    limit = {"max_duration": seconds * (1 + MARGIN_SHARE) + MARGIN_SECONDS} if seconds > 0 else {}
    spec = CaptureSpec(
        url,
        path,
        width=size[0],
        height=size[1],
        ready_js=READY_JS,
        start_js=START_JS,
        end_condition_js=END_JS,
        workdir=workdir,
        **limit,
    )
    try:
        capture(spec)
    except CaptureError as exc:
        log.warning("bbb: filming %s failed: %s", url, exc)
        raise ImportFailure(_("The presentation could not be filmed."), retry=True, detail=str(exc)) from None
    return Media(path, "presentation", "presentation.mp4", "video/mp4")


def parse_size(text: str) -> tuple[int, int]:
    """``"1280x720"`` -> ``(1280, 720)``; even numbers between 320x180 and 3840x2160, else 1280x720."""
    match = re.fullmatch(r"\s*(\d{3,4})\s*[xX×]\s*(\d{3,4})\s*", text or "")
    if match:
        width, height = int(match.group(1)), int(match.group(2))
        if 320 <= width <= 3840 and 180 <= height <= 2160 and width % 2 == 0 and height % 2 == 0:
            return width, height
    return 1280, 720
