"""oEmbed for video pages (JSON, type video, iframe, thumbnail) and the stable thumbnail address."""

from xml.etree import ElementTree

import pytest

from tests.standin import set_video


@pytest.fixture
def published(published):
    """The shared ready video, with a title that needs escaping."""
    set_video(published[1], title='Cours <"1">')
    return published


def oembed(browser, host, video_id, status=200, **params):
    return browser.get("/oembed", {"url": f"http://{host}/videos/{video_id}", **params}, status=status)


def test_a_public_video_has_oembed_and_discovery(published, make_testapp):
    host, video_id = published
    set_video(video_id, access="public")
    browser = make_testapp(host)
    page = browser.get(f"/videos/{video_id}")
    assert 'rel="alternate" type="application/json+oembed"' in page.text
    answer = oembed(browser, host, video_id, maxwidth="480").json
    assert (answer["version"], answer["type"], answer["width"], answer["height"]) == ("1.0", "video", 480, 270)
    assert f'src="http://{host}/videos/{video_id}/embed"' in answer["html"]
    assert 'title="Cours &lt;&#34;1&#34;&gt;"' in answer["html"] and answer["title"] == 'Cours <"1">'
    assert answer["provider_url"] == f"http://{host}/"
    thumbnail = browser.get(answer["thumbnail_url"], status=302)
    assert f"/media/{video_id}/" in thumbnail.location
    assert browser.get(thumbnail.location).content_type == "image/jpeg"
    embed = oembed(browser, host, video_id, maxheight="180").json
    assert (embed["width"], embed["height"]) == (320, 180)
    assert browser.get("/oembed", {"url": f"http://{host}/videos/{video_id}/embed"}).json["title"] == 'Cours <"1">'


def test_oembed_xml_is_valid_and_discovered(published, make_testapp):
    host, video_id = published
    set_video(video_id, access="public")
    browser = make_testapp(host)
    page = browser.get(f"/videos/{video_id}")
    assert 'rel="alternate" type="text/xml+oembed"' in page.text
    link = page.html.find("link", type="text/xml+oembed")["href"]
    answer = browser.get(link)
    assert answer.content_type == "text/xml" and answer.headers["Access-Control-Allow-Origin"] == "*"
    root = ElementTree.fromstring(answer.body)
    assert root.tag == "oembed"
    fields = {child.tag: child.text for child in root}
    assert (fields["version"], fields["type"], fields["width"], fields["height"]) == ("1.0", "video", "640", "360")
    assert fields["title"] == 'Cours <"1">' and f'src="http://{host}/videos/{video_id}/embed"' in fields["html"]
    assert fields["thumbnail_url"] == f"http://{host}/videos/{video_id}/thumbnail"


@pytest.mark.parametrize("access", ["draft", "signed-in", "groups", "password"])
def test_hidden_videos_have_no_oembed_nor_thumbnail(published, make_testapp, access):
    host, video_id = published
    set_video(video_id, access=access)
    browser = make_testapp(host)
    assert oembed(browser, host, video_id, status=404).json["message"] == "No video to embed at this address."
    oembed(browser, host, video_id, status=404, format="xml")
    browser.get(f"/videos/{video_id}/thumbnail", status=404)


def test_bad_oembed_requests(published, make_testapp, make_site):
    host, video_id = published
    set_video(video_id, access="public")
    browser = make_testapp(host)
    oembed(browser, host, video_id, status=501, format="yaml")
    for url in (
        "",
        "javascript:alert(1)",
        f"http://elsewhere.test/videos/{video_id}",
        f"http://{host}/my/videos",
        f"http://{host}/videos/999999",
    ):
        browser.get("/oembed", {"url": url}, status=404)
    make_site("other")
    make_testapp("other.test").get("/oembed", {"url": f"http://other.test/videos/{video_id}"}, status=404)
