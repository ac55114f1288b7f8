"""A Studio recording end to end: a camera and a screen (browser WebM) uploaded, composed, cut and published.

Real transactions (each request commits), the real encoder on tiny clips; the compose and
encode jobs run when the ingest request commits (the queue is immediate in tests).
"""

from sqlalchemy import select

from core.models import Site, Video
from core.platform.tasks import worker_request
from core.testing import AmphiTestApp
from plugins.opencast_ingest.testing import StudioClient, package_id
from tests.mediafiles import make_browser_webm


def test_a_screen_and_a_camera_recorded_in_studio_are_published(
    app, committed_site, fast_pipeline, studio_settings, tmp_path
):
    studio_settings(access="public", layout="pip-bottom-left")
    site_id, _user_id = committed_site
    with worker_request() as request:
        host = request.dbsession.get(Site, site_id).domains[0].domain
    browser = AmphiTestApp(app, extra_environ={"HTTP_HOST": host, "REMOTE_ADDR": "192.0.2.20"})
    browser.sign_in("owner", "owner password 1")
    assert browser.get("/info/me.json").json["user"]["username"] == "owner"
    camera = make_browser_webm(tmp_path, "camera.webm", 3, "160x120")
    screen = make_browser_webm(tmp_path, "screen.webm", 3, "320x240", vcodec="libvpx-vp9", pattern="smptebars")
    studio = StudioClient(browser, {"Origin": f"http://{host}"})
    answer = studio.upload(
        "Séance 3 : intégrales",
        [
            ("presenter/source", "camera.webm", camera.read_bytes()),
            ("presentation/source", "screen.webm", screen.read_bytes()),
        ],
        cut=(1.0, 2.5),
    )
    with worker_request(site_id) as request:
        video = request.dbsession.scalars(select(Video).where(Video.site_id == site_id)).one()
        assert (video.title, video.status, video.status_reason, video.access) == (
            "Séance 3 : intégrales",
            "ready",
            "",
            "public",
        )
        assert sorted(f"{j.kind}:{j.state}" for j in video.jobs) == ["compose:done", "encode:done"]
        assert abs(video.duration - 1.5) < 0.25
        mp4 = next(f for f in video.files if f.kind == "mp4")
        assert (mp4.width, mp4.height) == (320, 240)
        video_id = video.id
    assert package_id(answer.text) in answer.text and f'id="{video_id}"' in answer.text
    page = browser.get(f"/videos/{video_id}")
    assert "Séance 3 : intégrales" in page.text
