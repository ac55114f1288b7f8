"""Every media byte is authorized like the page: signed, expiring, bound to the viewer, re-checked."""

import re
import time

import pytest
import webtest

from core.models import Group, User, Video
from core.platform.tasks import worker_request
from tests.standin import media_urls, set_video


def test_public_video_media_is_served(published, make_testapp):
    host, video_id = published
    set_video(video_id, access="public")
    browser = make_testapp(host)
    page = browser.get(f"/videos/{video_id}")
    master = re.search(r'data-src="([^"]+)"', page.text).group(1)
    response = browser.get(master)
    assert response.content_type == "application/vnd.apple.mpegurl"
    assert response.text.startswith("hls/master.m3u8 of job")
    segment = master.replace("master.m3u8", "240p/seg_000.m4s")  # relative URLs in playlists resolve like this
    assert browser.get(segment).content_type == "video/iso.segment"
    assert "public" in response.headers["Cache-Control"]


def test_range_requests_let_the_player_seek(published, make_testapp):
    host, video_id = published
    set_video(video_id, access="public", allow_downloads=True)
    browser = make_testapp(host)
    download = next(u for u in media_urls(browser.get(f"/videos/{video_id}").text) if "/mp4/" in u)
    whole = browser.get(download).body
    part = browser.get(download, headers={"Range": "bytes=4-9"}, status=206)
    assert part.body == whole[4:10]
    assert part.headers["Content-Range"] == f"bytes 4-9/{len(whole)}"


@pytest.mark.parametrize("access", ["draft", "signed-in", "groups", "password"])
def test_restricted_media_leaks_nothing_to_anonymous_users(published, make_testapp, app, access):
    host, video_id = published
    set_video(video_id, access="public", allow_downloads=True)
    # A browser whose requests commit, like a real one: opening a page may write (plugins count views),
    # and on SQLite an uncommitted write would lock set_video's own transaction below out.
    owner_view = webtest.TestApp(app, extra_environ={"HTTP_HOST": host})
    urls = media_urls(owner_view.get(f"/videos/{video_id}").text)  # handed out while public
    assert urls and any("master.m3u8" in u for u in urls)
    set_video(video_id, access=access)
    anonymous = make_testapp(host)
    for url in urls:
        anonymous.get(url, status=403)
    page = anonymous.get(f"/videos/{video_id}", expect_errors=True)
    assert page.status_int in (302, 403, 404) and not media_urls(page.text)


def test_a_url_signed_for_one_user_is_refused_to_another(published, make_testapp, committed_site):
    host, video_id = published
    set_video(video_id, access="signed-in")
    with worker_request(committed_site[0]) as request:
        from core.access.users import create_user

        create_user(request, "other", password="other password 1")
    owner = make_testapp(host)
    owner.sign_in("owner", "owner password 1")
    urls = media_urls(owner.get(f"/videos/{video_id}").text)
    assert owner.get(urls[0]).status_int == 200
    other = make_testapp(host)
    other.sign_in("other", "other password 1")
    for url in urls:
        other.get(url, status=403)  # signed for the owner: useless to someone else
    assert media_urls(other.get(f"/videos/{video_id}").text)  # but they get URLs of their own


def test_group_restricted_media_follows_membership(published, make_testapp, committed_site, dbsession):
    host, video_id = published
    site_id, _ = committed_site
    with worker_request(site_id) as request:
        from core.access.users import create_user

        member = create_user(request, "member", password="member password 1")
        group = Group(site_id=site_id, name="l3-info")
        member.groups.append(group)
        video = request.dbsession.get(Video, video_id)
        video.access, video.allowed_groups = "groups", [group]
    browser = make_testapp(host)
    browser.sign_in("member", "member password 1")
    urls = media_urls(browser.get(f"/videos/{video_id}").text)
    assert browser.get(urls[0]).status_int == 200
    # Leaving the group revokes access at once (changed in the browser's own transaction).
    dbsession.query(User).filter_by(site_id=site_id, username="member").one().groups = []
    dbsession.flush()
    browser.get(urls[0], status=403)


def test_forged_expired_and_traversing_urls_are_refused(published, make_testapp):
    host, video_id = published
    set_video(video_id, access="public")
    browser = make_testapp(host)
    master = re.search(r'data-src="([^"]+)"', browser.get(f"/videos/{video_id}").text).group(1)
    _, expires, signature = re.search(r"/media/(\d+)/(\d+)/([0-9a-f]{32})/", master).groups()
    browser.get(master.replace(signature, "0" * 32), status=403)
    browser.get(master.replace(f"/{expires}/", f"/{int(expires) + 3600}/"), status=403)
    browser.get(master.replace("hls/master.m3u8", "../../source"), status=404)
    browser.get(master.replace("hls/master.m3u8", "hls/%2e%2e/%2e%2e/%2e%2e/source"), status=404)
    old = int(time.time()) - 10
    browser.get(re.sub(r"/media/(\d+)/\d+/", f"/media/\\1/{old}/", master), status=403)


def test_downloads_need_the_owners_permission(published, make_testapp):
    host, video_id = published
    set_video(video_id, access="public", allow_downloads=False)
    owner = make_testapp(host)
    owner.sign_in("owner", "owner password 1")
    download = next(u for u in media_urls(owner.get(f"/videos/{video_id}").text) if "/mp4/" in u)
    assert owner.get(download).status_int == 200
    viewer = make_testapp(host)
    page = viewer.get(f"/videos/{video_id}").text
    assert not any("/mp4/" in u for u in media_urls(page))
    base = re.search(r'data-src="([^"]+)hls/master.m3u8"', page).group(1)
    viewer.get(base + "mp4/240p.mp4", status=403)


def test_another_sites_host_never_serves_the_media(published, make_testapp, make_site):
    host, video_id = published
    set_video(video_id, access="public")
    urls = media_urls(make_testapp(host).get(f"/videos/{video_id}").text)
    make_site("elsewhere")
    other = make_testapp("elsewhere.test")
    for url in urls:
        other.get(url.replace(host, "elsewhere.test"), status=404)


def test_nginx_sends_the_bytes_when_configured(published, make_testapp, app, monkeypatch):
    monkeypatch.setitem(app.registry.settings, "amphi.storage_local.accel_prefix", "/protected/")
    host, video_id = published
    set_video(video_id, access="public")
    browser = make_testapp(host)
    master = re.search(r'data-src="([^"]+)"', browser.get(f"/videos/{video_id}").text).group(1)
    response = browser.get(master)
    assert response.headers["X-Accel-Redirect"].startswith("/protected/sites/")
    assert response.headers["X-Accel-Redirect"].endswith("/hls/master.m3u8")
    assert response.body == b""


def resigned(master: str, app, secret: bytes, expires: int) -> str:
    """``master`` with another expiry, signed for an anonymous viewer with ``secret``."""
    import hashlib
    import hmac

    video_id = re.search(r"/media/(\d+)/", master).group(1)
    signature = hmac.new(secret, f"{video_id}:{expires}:0".encode(), hashlib.sha256).hexdigest()[:32]
    return re.sub(r"/media/(\d+)/\d+/[0-9a-f]{32}/", f"/media/\\1/{expires}/{signature}/", master)


def test_media_urls_are_signed_with_a_key_of_their_own(published, make_testapp, app):
    from core.platform.keys import derived_key

    host, video_id = published
    set_video(video_id, access="public")
    browser = make_testapp(host)
    master = re.search(r'data-src="([^"]+)"', browser.get(f"/videos/{video_id}").text).group(1)
    expires = int(re.search(r"/media/\d+/(\d+)/", master).group(1))
    assert (
        browser.get(resigned(master, app, derived_key(app.registry.settings, "media-url"), expires)).status_int == 200
    )
    raw_secret = app.registry.settings["amphi.session_secret"].encode()
    browser.get(resigned(master, app, raw_secret, expires), status=403)  # the session secret itself signs nothing


def test_a_url_may_not_outlive_the_longest_lifetime(published, make_testapp, app, monkeypatch):
    from core.platform.keys import derived_key

    host, video_id = published
    set_video(video_id, access="public")
    browser = make_testapp(host)
    master = re.search(r'data-src="([^"]+)"', browser.get(f"/videos/{video_id}").text).group(1)
    key = derived_key(app.registry.settings, "media-url")
    ten_years = int(time.time()) + 10 * 365 * 86400
    browser.get(resigned(master, app, key, ten_years), status=403)  # validly signed, but living too long
    assert browser.get(master).status_int == 200
    monkeypatch.setitem(app.registry.settings, "amphi.media.url_ttl", "600")
    browser.get(master, status=403)  # handed out for 6 hours: lowering the setting cuts it short
    fresh = re.search(r'data-src="([^"]+)"', browser.get(f"/videos/{video_id}").text).group(1)
    assert int(re.search(r"/media/\d+/(\d+)/", fresh).group(1)) <= time.time() + 600 + 3600
    assert browser.get(fresh).status_int == 200


@pytest.mark.parametrize("value", ["0", "59", "86401", "864000", "six hours", "-5"])
def test_a_lifetime_setting_out_of_bounds_stops_the_start(value):
    from core.catalogue.media_urls import MAX_URL_TTL, url_ttl
    from core.platform.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="amphi.media.url_ttl"):
        url_ttl({"amphi.media.url_ttl": value})
    assert url_ttl({"amphi.media.url_ttl": "3600"}) == 3600 and url_ttl({}) == 21600 and MAX_URL_TTL == 86400
