"""Link previews: Open Graph and Twitter card tags only for what an anonymous visitor may see."""

import pytest

from core.models import Channel
from plugins.playlists.models import Playlist, PlaylistItem
from tests.standin import set_video

PASSWORD = "a long password 1"


def tags(page) -> dict:
    return {
        meta.get("property") or meta.get("name"): meta["content"]
        for meta in page.html.find_all("meta")
        if (meta.get("property") or meta.get("name") or "").startswith(("og:", "twitter:", "video:"))
    }


def test_a_public_video_has_link_preview_tags(published, make_testapp):
    host, video_id = published
    set_video(
        video_id,
        access="public",
        title="Cours <1>",
        description="**Thermo** dynamique\n\nen [deux](http://x.test) parties",
    )
    browser = make_testapp(host)
    found = tags(browser.get(f"/videos/{video_id}"))
    assert found["og:type"] == "video.other" and found["og:title"] == "Cours <1>"
    assert found["og:description"] == found["twitter:description"] == "Thermo dynamique en deux parties"  # plain text
    assert found["og:url"] == f"http://{host}/videos/{video_id}"
    assert found["og:video"] == f"http://{host}/videos/{video_id}/embed"
    assert found["twitter:card"] == "summary_large_image" and found["twitter:title"] == "Cours <1>"
    image = found["og:image"]
    assert image == found["twitter:image"] == f"http://{host}/videos/{video_id}/thumbnail"
    poster = make_testapp(host).get(image, status=302)  # an anonymous visitor fetches it
    assert make_testapp(host).get(poster.location).content_type == "image/jpeg"


@pytest.mark.parametrize("access", ["draft", "signed-in", "groups", "password"])
def test_a_restricted_video_has_none(published, make_testapp, access):
    host, video_id = published
    set_video(video_id, access=access)
    browser = make_testapp(host)
    browser.sign_in("owner", "owner password 1")  # the owner sees the page; a preview would show it to others
    page = browser.get(f"/videos/{video_id}")
    assert page.html.h1 and tags(page) == {}
    assert 'type="text/xml+oembed"' in page.text  # discovery stays: oEmbed itself answers 404 for it


@pytest.mark.parametrize(("visibility", "shared"), [("public", True), ("signed-in", False), ("hidden", False)])
def test_channels_have_tags_only_when_public(site, make_user, make_testapp, dbsession, visibility, shared):
    make_user(site, "boss", role="site-admin", password=PASSWORD)
    dbsession.add(
        Channel(site_id=site.id, slug="physique", title="Physique", visibility=visibility, description="La *matière*")
    )
    dbsession.flush()
    browser = make_testapp("a.test")
    browser.sign_in("boss", PASSWORD)
    found = tags(browser.get("/channels/physique"))
    if shared:
        assert found["og:title"] == "Physique" and found["og:description"] == "La matière"
        assert found["og:url"] == "http://a.test/channels/physique" and found["og:type"] == "website"
        assert found["twitter:card"] == "summary" and "og:image" not in found  # no banner
    else:
        assert found == {}


@pytest.mark.parametrize(("visibility", "shared"), [("public", True), ("unlisted", True), ("private", False)])
def test_playlists_have_tags_unless_private(site, make_user, make_video, make_testapp, dbsession, visibility, shared):
    alice = make_user(site, "alice", password=PASSWORD)
    hidden = make_video(site, alice, "Brouillon", status="ready", access="draft")
    playlist = Playlist(site_id=site.id, owner_id=alice.id, title="Révisions", visibility=visibility, token="k" * 32)
    playlist.items.append(PlaylistItem(video=hidden, position=0))
    dbsession.add(playlist)
    dbsession.flush()
    browser = make_testapp("a.test")
    browser.sign_in("alice", PASSWORD)
    found = tags(browser.get(f"/playlists/{playlist.id}"))
    if not shared:
        assert found == {}
        return
    assert found["og:title"] == "Révisions" and "og:image" not in found  # the draft's poster is never used
    key = "?key=" + "k" * 32 if visibility == "unlisted" else ""
    assert found["og:url"] == f"http://a.test/playlists/{playlist.id}{key}"
