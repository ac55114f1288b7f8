"""A stand-in encoder plugin and helpers for tests of the pipeline and of media access.

It writes small files where ffmpeg would, so the pipeline's rules are checked
quickly; the real encoder has its own tests.
"""

import io
import os
import re
import threading
import time

import pytest

from core import hookimpl
from core.ingest import ingest_stored_file
from core.models import User, Video
from core.pipeline.media import EncodeCancelled, EncodeOutput, EncodeResult, MediaError, MediaInfo, Rung
from core.pipeline.storage import upload_key
from core.platform.tasks import worker_request

OUTPUTS = {
    "hls/master.m3u8": ("hls-master", "application/vnd.apple.mpegurl"),
    "hls/240p/index.m3u8": ("hls-playlist", "application/vnd.apple.mpegurl"),
    "hls/240p/seg_000.m4s": ("hls-segment", "video/iso.segment"),
    "mp4/240p.mp4": ("mp4", "video/mp4"),
    "thumbs/poster_1.jpg": ("thumbnail", "image/jpeg"),
    "thumbs/poster_2.jpg": ("thumbnail", "image/jpeg"),
}


class StandInEncoder:
    """Writes small files where ffmpeg would; ``behaviour`` says how the encode goes."""

    def __init__(self):
        self.behaviour, self.calls, self.events = "ok", 0, []
        self.working, self.release = threading.Event(), threading.Event()  # for behaviour "blocked"

    @hookimpl(tryfirst=True)
    def amphi_probe(self, path):
        if open(path, "rb").read() == b"not media":
            raise MediaError("This is not a video or audio file.")
        return MediaInfo(container="mp4", duration=2.5, has_video=True, has_audio=True, width=320, height=240)

    @hookimpl(tryfirst=True)
    def amphi_encoding_ladder(self, job, info):
        return [Rung("240p", 320, 240, 300_000, 400_000, 600_000)]

    @hookimpl(tryfirst=True)
    def amphi_encode(self, job, source, info, ladder, out, progress):
        self.calls += 1
        if self.behaviour == "crash":
            raise RuntimeError("the disk is full")
        deadline = time.monotonic() + 10
        while self.behaviour == "slow" and time.monotonic() < deadline:
            if not progress(0.3):
                raise EncodeCancelled()
            time.sleep(0.05)
        if self.behaviour == "blocked":  # until the test releases it
            self.working.set()
            if not self.release.wait(10):
                raise RuntimeError("the test never released the encode")
        for path in OUTPUTS:
            os.makedirs(os.path.dirname(os.path.join(out, path)), exist_ok=True)
            with open(os.path.join(out, path), "w") as handle:
                handle.write(f"{path} of job {job.id}")
            progress(0.5)
        progress(1.0)
        return EncodeResult(
            [EncodeOutput(kind, path, mime, rendition="240p") for path, (kind, mime) in OUTPUTS.items()], duration=2.5
        )

    @hookimpl
    def amphi_video_ready(self, request, video_id):
        self.events.append(("ready", video_id, request.dbsession.get(Video, video_id).status))

    @hookimpl
    def amphi_video_failed(self, request, video_id, reason):
        self.events.append(("failed", video_id, reason))


@pytest.fixture
def encoder(register_plugin):
    plugin = StandInEncoder()
    register_plugin(plugin, "standin")
    return plugin


@pytest.fixture
def fast_pipeline(app, monkeypatch):
    for key, value in {"heartbeat_seconds": "0.1", "stale_after": "1", "max_attempts": "3", "retry_delay": "0"}.items():
        monkeypatch.setitem(app.registry.settings, f"amphi.jobs.{key}", value)


@pytest.fixture
def published(encoder, committed_site, fast_pipeline):
    """A ready video (stand-in outputs) on a committed site; gives (host, video id)."""
    video_id = upload(*committed_site, filename="cours.mp4")
    with worker_request() as request:
        host = request.dbsession.get(Video, video_id).site.domains[0].domain
    return host, video_id


def media_urls(text: str) -> list[str]:
    """The signed media URLs a page hands out (player source, poster, downloads, thumbnails)."""
    return sorted(set(re.findall(r'(http://[^"]+/media/\d+/\d+/[0-9a-f]{32}/[^"]+)', text)))


def upload(site_id, user_id, content=b"pretend video bytes", filename="../../<script>.mp4"):
    """Store bytes as an upload and ingest them; the encode job runs when this commits (huey immediate)."""
    with worker_request(site_id) as request:
        key = upload_key(site_id, os.urandom(8).hex())
        request.storage.save(key, io.BytesIO(content))
        video = ingest_stored_file(request, request.dbsession.get(User, user_id), key, filename)
        return video.id


def set_video(video_id, **fields):
    with worker_request() as request:
        video = request.dbsession.get(Video, video_id)
        for name, value in fields.items():
            setattr(video, name, value)
