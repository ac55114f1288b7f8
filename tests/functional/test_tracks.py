"""Stored text tracks: offered by the player while their plugin is enabled, served like every media byte."""

import re

import webtest

from core.catalogue.tracks import read_track, save_track
from core.models import Site, Video
from core.platform.sites import set_enabled_plugins
from core.platform.tasks import worker_request
from tests.standin import set_video

VTT = "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nBonjour <script>x</script>\n"


def add_track(video_id, plugin="feeds", **fields):
    with worker_request() as request:
        video = request.dbsession.get(Video, video_id)
        request.site = video.site
        track = save_track(
            request,
            video,
            VTT,
            kind=fields.get("kind", "captions"),
            language="fr",
            label="Français (automatique)",
            source="auto",
            plugin=plugin,
        )
        assert read_track(request, track) == VTT
        return track.id


def track_urls(page_text):
    return re.findall(r'<track kind="(\w+)" srclang="fr" label="[^"]*" src="([^"]+)"', page_text)


def test_a_stored_track_is_offered_and_served_to_who_may_see_the_video(published, app):
    host, video_id = published
    # Browsers whose requests commit, like real ones (a page view may write).
    make_testapp = lambda host: webtest.TestApp(app, extra_environ={"HTTP_HOST": host})  # noqa: E731
    set_video(video_id, access="public")
    add_track(video_id)
    page = make_testapp(host).get(f"/videos/{video_id}")
    ((kind, url),) = track_urls(page.text)
    assert kind == "captions" and "/tracks/" in url
    url = url.replace("&amp;", "&")
    response = make_testapp(host).get(url)
    assert response.content_type == "text/vtt" and response.text == VTT
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    listed = make_testapp(host).get(f"/api/v1/videos/{video_id}/tracks").json["items"]
    assert [t["kind"] for t in listed] == ["captions"] and listed[0]["language"] == "fr"

    set_video(video_id, access="draft")
    make_testapp(host).get(url, status=403)
    forged = re.sub(r"/[0-9a-f]{32}/", "/" + "0" * 32 + "/", url)
    set_video(video_id, access="public")
    make_testapp(host).get(forged, status=403)


def test_a_track_vanishes_with_its_plugin(published, app):
    host, video_id = published
    make_testapp = lambda host: webtest.TestApp(app, extra_environ={"HTTP_HOST": host})  # noqa: E731
    set_video(video_id, access="public")
    add_track(video_id)
    ((_, url),) = track_urls(make_testapp(host).get(f"/videos/{video_id}").text)
    with worker_request() as request:
        site = request.dbsession.get(Video, video_id).site
        site_id = site.id
        set_enabled_plugins(request.registry, site, [p for p in site.enabled_plugins if p != "feeds"])
    page = make_testapp(host).get(f"/videos/{video_id}")
    assert track_urls(page.text) == []
    make_testapp(host).get(url.replace("&amp;", "&"), status=404)
    assert make_testapp(host).get(f"/api/v1/videos/{video_id}/tracks").json["items"] == []
    with worker_request() as request:  # disabled, not deleted: enabling the plugin again brings it back
        site = request.dbsession.get(Site, site_id)
        set_enabled_plugins(request.registry, site, site.enabled_plugins + ["feeds"])
    assert len(track_urls(make_testapp(host).get(f"/videos/{video_id}").text)) == 1
