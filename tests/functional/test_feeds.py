"""RSS 2.0 + iTunes feeds: public videos only, valid XML (feedparser), enclosures right, stable enclosure URLs."""

import io
import xml.etree.ElementTree as ElementTree
from html.parser import HTMLParser

import feedparser
import pytest
from sqlalchemy import select

from core.catalogue.metadata import get_tags
from core.models import Channel, MediaFile, User, Video, utcnow
from core.platform.tasks import worker_request
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
    assert entry.summary == "<p>Chapitre &amp; suite</p>"  # HTML rendered from the Markdown description
    assert entry.link == f"http://{host}/videos/{first}"
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

    host, (first, _second), _owner = lectures
    set_video(first, access="public", allow_downloads=True, publish_at=utcnow() + timedelta(days=1))
    browser = make_testapp(host)
    assert parse(browser.get("/feeds/latest.xml")).entries == []
    browser.get(f"/feeds/media/{first}/audio", status=404)


HOSTILE_TITLE = "<img src=x onerror=alert(1)>Intégrales <script>alert(2)</script> & 1 < 2"
HOSTILE_DESCRIPTION = (
    '**Gras** <script>alert(3)</script> <img src=x onerror="alert(4)">\n\n'
    "[lien](javascript:alert(5)) [site](https://example.org) &lt;b onclick=alert(6)&gt;"
)
HOSTILE_NAME = "<b onmouseover=alert(7)>Prof</b>"
MARKDOWN_TAGS = {"p", "strong", "em", "a", "code", "pre", "ul", "ol", "li", "blockquote", "br"}


class MarkupSeen(HTMLParser):
    """What an HTML renderer would build from a text: its elements and their attributes."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags, self.attributes = [], []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [(name, value or "") for name, value in attrs]


def as_html_everywhere(body: bytes) -> dict[str, MarkupSeen]:
    """Every text of the feed read as HTML, as the least careful feed reader would: ``{path: markup}``."""
    seen = {}
    for parent in ElementTree.fromstring(body).iter():
        for child in parent:
            if child.text and child.text.strip():
                seen.setdefault(f"{parent.tag}/{child.tag}", MarkupSeen(child.text))
    return seen


def assert_nothing_runs(body: bytes) -> dict[str, MarkupSeen]:
    seen = as_html_everywhere(body)
    for path, markup in seen.items():
        allowed = MARKDOWN_TAGS if path.endswith("/description") else set()
        assert set(markup.tags) <= allowed, (path, markup.tags)
        assert not [name for name, _value in markup.attributes if name.startswith("on")], path
        assert not [value for _name, value in markup.attributes if "javascript:" in value.lower()], path
    return seen


def test_hostile_titles_descriptions_and_names_reach_feed_readers_as_text(lectures, make_testapp):
    host, (first, _second), owner = lectures
    set_video(first, access="public", allow_downloads=True, title=HOSTILE_TITLE, description=HOSTILE_DESCRIPTION)
    with worker_request() as request:
        video = request.dbsession.get(Video, first)
        request.dbsession.scalar(select(User).where(User.id == video.owner_id)).display_name = HOSTILE_NAME
        video.channels.append(
            Channel(site_id=video.site_id, slug="hostile", title=HOSTILE_TITLE, description=HOSTILE_DESCRIPTION)
        )
    browser = make_testapp(host)
    for url in (
        "/feeds/latest.xml",
        f"/feeds/users/{owner}.xml",
        "/feeds/tags/analyse.xml",
        "/feeds/channels/hostile.xml",
    ):
        body = browser.get(url).body
        seen = assert_nothing_runs(body)
        assert seen["item/description"].tags == ["p", "strong", "p", "a"], (
            url
        )  # the Markdown, rendered (no javascript: link)
        assert ("href", "https://example.org") in seen["item/description"].attributes
        entry = feedparser.parse(body, sanitize_html=False).entries[0]  # a reader that trusts the feed
        assert entry.title == "‹img src=x onerror=alert(1)>Intégrales ‹script>alert(2)‹/script> & 1 < 2"
        assert entry.author == "‹b onmouseover=alert(7)>Prof‹/b>"
        assert "<strong>Gras</strong> &lt;script&gt;alert(3)&lt;/script&gt;" in entry.summary
    channel = feedparser.parse(browser.get("/feeds/channels/hostile.xml").body, sanitize_html=False).feed
    assert channel.title.startswith("‹img src=x") and "<strong>Gras</strong>" in channel.subtitle  # description
    assert channel.summary.startswith("Gras ‹script>alert(3)‹/script>")  # itunes:summary, plain text
