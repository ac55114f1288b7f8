"""RSS 2.0 + iTunes feeds: public videos only, valid XML (feedparser), enclosures right, stable enclosure URLs."""

import io

import feedparser
import pytest

from core.metadata import get_tags
from core.models import MediaFile, Video
from core.tasks import worker_request
from tests.standin import set_video, upload


@pytest.fixture
def lectures(encoder, committed_site, fast_pipeline):
    """Two ready videos of the committed site's user, with stand-in outputs (MP4s, m4a, thumbnails)."""
    site_id, user_id = committed_site
    ids = [upload(site_id, user_id, filename=f"cours {n}.mp4") for n in (1, 2)]
    with worker_request(site_id) as request:
        host = request.dbsession.get(Video, ids[0]).site.domains[0].domain
        for video_id in ids:
            video = request.dbsession.get(Video, video_id)
            video.tags = get_tags(request.dbsession, site_id, ["analyse"])
            mp4 = next(f for f in video.files if f.kind == "mp4")  # an MP3 beside it, as the real encoder writes
            key = mp4.key.replace("mp4/240p.mp4", "audio.mp3")
            request.storage.save(key, io.BytesIO(b"ID3 pretend mp3 bytes"))
            request.dbsession.add(MediaFile(video=video, kind="mp3", key=key, size=21, mime="audio/mpeg"))
        owner = request.dbsession.get(Video, ids[0]).owner.username
    return host, ids, owner


def parse(response):
    assert response.content_type == "application/rss+xml"
    feed = feedparser.parse(response.body)
    assert not feed.bozo, feed.bozo_exception
    return feed


def test_public_downloadable_videos_have_enclosures(lectures, make_testapp):
    host, (first, second), owner = lectures
    set_video(first, access="public", allow_downloads=True, title="Intégrales <1>", description="Chapitre & suite")
    set_video(second, access="draft")
    browser = make_testapp(host)
    feed = parse(browser.get("/feeds/latest.xml"))
    assert feed.version == "rss20" and feed.namespaces.get("itunes") == "http://www.itunes.com/dtds/podcast-1.0.dtd"
    assert [e.title for e in feed.entries] == ["Intégrales <1>"]
    entry = feed.entries[0]
    assert entry.summary == "Chapitre & suite" and entry.link == f"http://{host}/videos/{first}"
    (enclosure,) = entry.enclosures
    assert enclosure.type == "audio/mpeg" and enclosure.href == f"http://{host}/feeds/media/{first}/audio"
    redirect = browser.get(enclosure.href, status=302)
    served = browser.get(redirect.location)
    assert int(enclosure.length) == len(served.body) and served.content_type == "audio/mpeg"
    video = parse(browser.get("/feeds/latest.xml?media=video")).entries[0].enclosures[0]
    assert video.type == "video/mp4" and browser.get(video.href, status=302)
    assert entry.image.href == f"http://{host}/videos/{first}/thumbnail"


def test_user_and_tag_feeds_and_what_they_leave_out(lectures, make_testapp):
    host, (first, second), owner = lectures
    set_video(first, access="public", allow_downloads=False)
    set_video(second, access="signed-in", allow_downloads=True)
    browser = make_testapp(host)
    for url in (f"/feeds/users/{owner}.xml", "/feeds/tags/analyse.xml", "/feeds/tags/ANALYSE.xml"):
        entries = parse(browser.get(url)).entries
        assert [e.link for e in entries] == [f"http://{host}/videos/{first}"], url
        assert entries[0].get("enclosures") == []  # the owner does not allow downloads
    browser.get(f"/feeds/media/{first}/audio", status=404)
    browser.get(f"/feeds/media/{second}/audio", status=404)  # not public: no enclosure, even by its address
    browser.get("/feeds/users/nobody.xml", status=404)
    browser.get("/feeds/tags/nothing.xml", status=404)


def test_feeds_are_per_site_and_follow_the_plugin(lectures, make_testapp, make_site):
    host, (first, _second), owner = lectures
    set_video(first, access="public", allow_downloads=True)
    make_site("other")
    other = make_testapp("other.test")
    assert parse(other.get("/feeds/latest.xml")).entries == []
    other.get(f"/feeds/media/{first}/audio", status=404)
    other.get(f"/feeds/users/{owner}.xml", status=404)
    make_site("nofeeds", plugins=["auth_local", "storage_local"])
    make_testapp("nofeeds.test").get("/feeds/latest.xml", status=404)


def test_a_publication_date_to_come_keeps_a_video_out(lectures, make_testapp):
    from datetime import timedelta

    from core.models import utcnow

    host, (first, _second), _owner = lectures
    set_video(first, access="public", allow_downloads=True, publish_at=utcnow() + timedelta(days=1))
    browser = make_testapp(host)
    assert parse(browser.get("/feeds/latest.xml")).entries == []
    browser.get(f"/feeds/media/{first}/audio", status=404)
