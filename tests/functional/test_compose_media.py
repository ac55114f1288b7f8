"""Recordings with several tracks, composed by the real encoder (ffmpeg) on tiny browser-like WebM clips."""

import io

import pytest

from core.ingest import IngestTrack, Trims, ingest_files
from core.models import User, Video
from core.pipeline.storage import upload_key
from core.platform.tasks import worker_request
from tests.mediafiles import make_browser_webm

# What ffmpeg makes does not depend on the database: these run once, on SQLite.
pytestmark = pytest.mark.one_database


def store(request, site_id: int, path) -> str:
    key = upload_key(site_id, path.stem)
    request.storage.save(key, io.BytesIO(path.read_bytes()))
    return key


def ingest(committed_site, paths, layout, trims=None):
    site_id, user_id = committed_site
    with worker_request(site_id) as request:  # commits: the compose and encode jobs run (huey immediate)
        tracks = [IngestTrack(store(request, site_id, path), flavor, path.name, "video/webm") for flavor, path in paths]
        video = ingest_files(
            request,
            request.dbsession.get(User, user_id),
            tracks,
            {"title": "Amphi A", "language": "fr", "creator": "Ana"},
            trims=trims,
            layout=layout,
        )
        video_id = video.id
    with worker_request(site_id) as request:
        video = request.dbsession.get(Video, video_id)
        return (
            video.status,
            video.status_reason,
            video.duration,
            sorted(j.kind + ":" + j.state for j in video.jobs),
            {f.kind: (f.width, f.height) for f in video.files},
            video.language,
        )


@pytest.mark.parametrize("layout, size", [("pip-top-left", (320, 240)), ("side-by-side", (320, 120))])
def test_a_screen_and_a_camera_are_composed_cut_and_published(committed_site, fast_pipeline, tmp_path, layout, size):
    camera = make_browser_webm(tmp_path, "camera.webm", 3, "160x120")
    screen = make_browser_webm(tmp_path, "screen.webm", 3, "320x240", vcodec="libvpx-vp9", pattern="smptebars")
    status, reason, duration, jobs, files, language = ingest(
        committed_site, [("presenter/source", camera), ("presentation/source", screen)], layout, Trims(0.5, 2.5)
    )
    assert (status, reason) == ("ready", "")
    assert jobs == ["compose:done", "encode:done"]
    assert abs(duration - 2.0) < 0.25  # the trims are honoured
    assert {"source", "recording", "hls-master", "mp4"} <= set(files) and language == "fr"
    assert files["mp4"][1] == size[1] and files["mp4"][0] in (size[0], size[0] + 2)  # the composed picture


def test_one_cut_track_goes_through_the_composition_alone(committed_site, fast_pipeline, tmp_path):
    camera = make_browser_webm(tmp_path, "camera.webm", 3, "160x120")
    status, _reason, duration, jobs, _files, _language = ingest(
        committed_site, [("presenter/source", camera)], None, Trims(1.0, None)
    )
    assert (status, jobs) == ("ready", ["compose:done", "encode:done"])
    assert abs(duration - 2.0) < 0.25


def test_tracks_that_are_not_media_fail_the_video_clearly(committed_site, fast_pipeline, tmp_path):
    junk = [tmp_path / "junk1.webm", tmp_path / "junk2.webm"]
    for path in junk:
        path.write_text("not a recording")
    status, reason, _duration, jobs, _files, _language = ingest(
        committed_site, [("presenter/source", junk[0]), ("presentation/source", junk[1])], "pip-top-right"
    )
    assert status == "failed" and jobs == ["compose:failed"]
    assert reason == "This is not a video or audio file."


def test_a_single_streamed_webm_without_duration_is_encoded_as_it_is(committed_site, fast_pipeline, tmp_path):
    camera = make_browser_webm(tmp_path, "camera.webm", 2, "160x120", streamed=True)  # no duration in its header
    status, reason, duration, jobs, files, _language = ingest(committed_site, [("presenter/source", camera)], None)
    assert (status, reason, jobs) == ("ready", "", ["encode:done"])
    assert abs(duration - 2.0) < 0.25 and "hls-master" in files
