"""The video page, the embed page, the owner's videos and their small API."""

import re

import pytest

from core.models import ViewProgress
from core.platform.tasks import worker_request
from tests.standin import set_video, upload


@pytest.fixture
def ready(encoder, committed_site, fast_pipeline):
    video_id = upload(*committed_site, filename="Amphi 1.mp4")
    with worker_request() as request:
        from core.models import Video

        host = request.dbsession.get(Video, video_id).site.domains[0].domain
    set_video(video_id, access="public")
    return host, video_id


def test_the_video_page_plays_the_signed_master_playlist(ready, make_testapp):
    host, video_id = ready
    page = make_testapp(host).get(f"/videos/{video_id}")
    assert re.search(r'data-src="http://[^"]+/media/\d+/\d+/[0-9a-f]{32}/hls/master.m3u8"', page.text)
    assert 'poster="http://' in page.text and "thumbs/poster_1.jpg" in page.text
    assert "vendor/hls.min.js" in page.text and "player.js" in page.text
    assert "<h1>Amphi 1</h1>" in page.text
    assert f'src="http://{host}/videos/{video_id}/embed"' in page.text  # the embed code


def test_the_embed_page_may_be_framed_and_has_no_site_chrome(ready, make_testapp):
    host, video_id = ready
    page = make_testapp(host).get(f"/videos/{video_id}/embed")
    assert page.headers["Content-Security-Policy"] == "frame-ancestors *"
    assert "site-header" not in page.text and "data-player" in page.text


def test_a_share_link_with_a_start_time(ready, make_testapp):
    host, video_id = ready
    assert 'data-start="42.0"' in make_testapp(host).get(f"/videos/{video_id}?t=42").text


def test_the_viewer_resumes_where_they_stopped(ready, make_testapp, dbsession):
    host, video_id = ready
    browser = make_testapp(host)
    browser.sign_in("owner", "owner password 1")
    token = browser.csrf_token(f"/videos/{video_id}")
    browser.post_json(f"/api/videos/{video_id}/position", {"position": 1.5}, headers={"X-CSRF-Token": token})
    assert dbsession.get(ViewProgress, (_owner_id(dbsession, host), video_id)).position == 1.5
    # The page is the same for every viewer (no position, no token in it): the player asks the API.
    page = browser.get(f"/videos/{video_id}").text
    assert 'data-start="0.0"' in page and "data-csrf" not in page
    answer = browser.get(f"/api/videos/{video_id}/position").json
    assert answer["position"] == 1.5 and answer["csrf_token"] == token
    assert make_testapp(host).get(f"/api/videos/{video_id}/position").json == {"position": 0.0}
    browser.post_json(
        f"/api/videos/{video_id}/position", {"position": "later"}, headers={"X-CSRF-Token": token}, status=400
    )


def _owner_id(dbsession, host):
    from core.models import SiteDomain, User

    site_id = dbsession.query(SiteDomain).filter_by(domain=host).one().site_id
    return dbsession.query(User).filter_by(site_id=site_id, username="owner").one().id


def test_the_owner_picks_the_poster(ready, make_testapp, dbsession):
    host, video_id = ready
    browser = make_testapp(host)
    browser.sign_in("owner", "owner password 1")
    page = browser.get(f"/videos/{video_id}")
    candidates = re.findall(r'name="key" value="([^"]+)"', page.text)
    assert len(candidates) == 2 and candidates[1].endswith("poster_2.jpg")
    form = next(f for f in page.forms.values() if f.action.endswith("/poster"))  # plugins' panels add forms
    form["key"] = candidates[1]
    form.submit(status=302)
    assert "poster_2.jpg" in browser.get(f"/videos/{video_id}").text.split('poster="')[1].split('"')[0]
    token = browser.csrf_token(f"/videos/{video_id}")
    browser.post(f"/videos/{video_id}/poster", {"key": "sites/1/videos/1/source", "csrf_token": token}, status=400)


def test_my_videos_shows_status_progress_and_reasons(encoder, committed_site, fast_pipeline, make_testapp):
    failed_id = upload(*committed_site, content=b"not media", filename="bad.mp4")
    with worker_request() as request:
        from core.models import Video

        host = request.dbsession.get(Video, failed_id).site.domains[0].domain
    browser = make_testapp(host)
    browser.sign_in("owner", "owner password 1")
    page = browser.get("/my/videos")
    assert "This is not a video or audio file." in page.text
    assert "Retry" in page.text
    status = browser.get(f"/api/videos/{failed_id}/status").json
    assert status["status"] == "failed" and status["job"]["state"] == "failed"
    token = browser.csrf_token("/my/videos")
    retried = browser.post(f"/api/videos/{failed_id}/retry", headers={"X-CSRF-Token": token}).json
    assert retried["job"]["state"] == "queued" and retried["job"]["id"] != status["job"]["id"]
    browser.post(f"/api/videos/{failed_id}/retry", headers={"X-CSRF-Token": token}, status=400)  # already queued
    cancelled = browser.post(f"/api/videos/{failed_id}/cancel", headers={"X-CSRF-Token": token}).json
    assert cancelled["job"]["state"] == "cancelled"


def test_others_cannot_see_status_or_retry(ready, make_testapp, committed_site):
    host, video_id = ready
    with worker_request(committed_site[0]) as request:
        from core.access.users import create_user

        create_user(request, "stranger", password="stranger password 1")
    browser = make_testapp(host)
    browser.sign_in("stranger", "stranger password 1")
    browser.get(f"/api/videos/{video_id}/status", status=403)
    token = browser.csrf_token("/")
    browser.post(f"/api/videos/{video_id}/retry", headers={"X-CSRF-Token": token}, status=403)
    assert "Amphi 1" not in browser.get("/my/videos").text


def test_a_video_being_processed_says_so(encoder, committed_site, make_testapp, dbsession):
    from core.ingest import create_video
    from core.models import User

    with worker_request(committed_site[0]) as request:
        video = create_video(request, request.dbsession.get(User, committed_site[1]), "Pending", status="processing")
        host, video_id = request.site.domains[0].domain, video.id
    browser = make_testapp(host)
    browser.sign_in("owner", "owner password 1")
    assert "This video is being processed" in browser.get(f"/videos/{video_id}").text
