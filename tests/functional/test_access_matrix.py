"""Who gets what: every viewer × every access setting × every surface that serves a video.

One committed site holds one ready video per access setting, with encoder-shaped
files in storage (HLS master, variant playlists and segments, MP4, audio,
poster, storyboard, a subtitle track). Each viewer asks for every surface, with
media URLs signed for themselves (so the access rule, not the signature, is
what decides); allowed viewers must get the exact bytes, the others nothing.
"""

from __future__ import annotations

import io
import re
import time
import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest

from core.access.tokens import token_hash
from core.access.users import create_user
from core.catalogue.media_urls import sign
from core.catalogue.metadata import set_access
from core.models import Channel, Group, MediaFile, ShareLink, Site, Theme, Track, Video, utcnow
from core.pipeline.storage import outputs_prefix
from core.platform.sites import create_site
from core.platform.tasks import worker_request

PASSWORD = "matrix password 1"
VIDEO_PASSWORD = "sesame 1234"
FILES = {  # path under the job's outputs -> MediaFile kind (the encoder_ffmpeg layout)
    "hls/master.m3u8": "hls-master",
    "hls/360p/index.m3u8": "hls-playlist",
    "hls/360p/seg_0000.m4s": "hls-segment",
    "hls/audio/index.m3u8": "hls-playlist",
    "mp4/360p.mp4": "mp4",
    "audio.m4a": "audio",
    "thumbs/poster_1.jpg": "thumbnail",
    "storyboard.jpg": "storyboard",
    "storyboard.vtt": "storyboard-vtt",
    "subtitles/fr.vtt": "",  # a text track (Track row), served like any output
}
SETTINGS = ["draft", "public", "signed-in", "groups", "password-locked", "password-unlocked", "future"]
VIEWERS = ["anonymous", "user", "member", "owner", "co-owner", "site admin", "other site's user", "share-link holder"]
EVERYONE = set(VIEWERS)
OWNERS = {"owner", "co-owner", "site admin"}
CAN_VIEW = {
    "draft": OWNERS | {"share-link holder"},
    "public": EVERYONE,
    "signed-in": OWNERS | {"user", "member", "share-link holder"},
    "groups": OWNERS | {"member", "share-link holder"},
    "password-locked": OWNERS | {"share-link holder"},
    "password-unlocked": EVERYONE,  # each viewer gave the password in their session
    "future": OWNERS,  # nobody else before the publication date, share links included
}
LISTED = {  # home page and API list (password-protected videos are listed, locked)
    "draft": OWNERS,
    "public": EVERYONE,
    "signed-in": OWNERS | {"user", "member"},
    "groups": OWNERS | {"member"},
    "password-locked": EVERYONE,
    "password-unlocked": EVERYONE,
    "future": OWNERS,
}
USERNAMES = {"user": "user", "member": "member", "owner": "owner", "co-owner": "coowner", "site admin": "admin"}


def content(setting: str, path: str) -> bytes:
    return f"{setting}:{path}:{uuid.uuid4().hex}".encode()


def add_video(request, site, owner, co_owner, group, setting: str) -> dict:
    video = Video(
        site_id=site.id,
        owner_id=owner.id,
        title=f"Listed-{setting}",
        slug=f"v-{setting}",
        description=f"SECRET-{setting}",
        status="ready",
        allow_downloads=True,
        duration=2.5,
    )
    request.dbsession.add(video)
    request.dbsession.flush()
    video.additional_owners.append(co_owner)
    level = setting.removeprefix("password-") if setting.startswith("password") else setting
    level = "public" if setting == "future" else level
    set_access(video, "password" if level in ("locked", "unlocked") else level, groups=[group], password=VIDEO_PASSWORD)
    if setting == "future":
        video.publish_at = utcnow() + timedelta(days=1)
    prefix, stored = outputs_prefix(video, 1), {}
    for path, kind in FILES.items():
        stored[path] = content(setting, path)
        key = f"{prefix}/{path}"
        request.storage.save(key, io.BytesIO(stored[path]))
        if kind:
            request.dbsession.add(MediaFile(video_id=video.id, kind=kind, key=key, size=len(stored[path])))
        else:
            request.dbsession.add(Track(video_id=video.id, kind="subtitles", language="fr", key=key))
    video.poster_key = f"{prefix}/thumbs/poster_1.jpg"
    token = uuid.uuid4().hex + uuid.uuid4().hex[:8]
    request.dbsession.add(ShareLink(video_id=video.id, token_hash=token_hash(token)))
    request.dbsession.flush()
    return {"id": video.id, "files": stored, "share_token": token}


@pytest.fixture(scope="module")
def world(app):
    """Two committed sites; on the first, users, a group and one video per setting."""
    slug = "matrix-" + uuid.uuid4().hex[:8]
    with worker_request() as request:
        site = create_site(request.dbsession, app.registry, slug, slug, [f"{slug}.test"])
        other = create_site(request.dbsession, app.registry, slug + "-b", "B", [f"{slug}-b.test"])
        request.site = site
        users = {
            who: create_user(
                request, name, password=PASSWORD, role={"owner": "staff", "site admin": "site-admin"}.get(who, "user")
            )
            for who, name in USERNAMES.items()
        }
        outsider = create_user(request, "owner", password=PASSWORD, site=other)  # same name, other site
        group = Group(site_id=site.id, name="l3-info", title="L3")
        group.members.append(users["member"])
        request.dbsession.add(group)
        videos = {s: add_video(request, site, users["owner"], users["co-owner"], group, s) for s in SETTINGS}
        channel = Channel(site_id=site.id, slug="matrix", title="Matrix")  # a public channel holds every video
        channel.themes.append(Theme(slug="all", title="All"))
        request.dbsession.add(channel)
        request.dbsession.flush()
        for video in request.dbsession.query(Video).filter(Video.site_id == site.id):
            video.channels, video.themes = [channel], [channel.themes[0]]
        ids = {
            "site": site.id,
            "other": other.id,
            "host": f"{slug}.test",
            "other_host": f"{slug}-b.test",
            "users": {who: u.id for who, u in users.items()},
            "outsider": outsider.id,
        }
    yield SimpleNamespace(**ids, videos=videos)
    with worker_request() as request:
        for site_id in (ids["site"], ids["other"]):
            request.dbsession.query(Video).filter(Video.site_id == site_id).delete()
            request.dbsession.query(Site).filter(Site.id == site_id).delete()


def viewer_browser(make_testapp, world, viewer: str, setting: str):
    """A browser of ``viewer`` on the first site; returns it with the id media URLs are signed for."""
    browser = make_testapp(world.host)
    signed_for = 0
    if viewer in USERNAMES:
        browser.sign_in(USERNAMES[viewer], PASSWORD)
        signed_for = world.users[viewer]
    elif viewer == "other site's user":
        # Signed in on the other site; its session cookie replayed here (as a shared parent domain would).
        elsewhere = make_testapp(world.other_host)
        elsewhere.sign_in("owner", PASSWORD)
        browser.set_cookie("amphi_session", elsewhere.cookies["amphi_session"])
        assert browser.get("/api/me").json == {"authenticated": False}
    elif viewer == "share-link holder":
        video = world.videos[setting]
        browser.get(f"/videos/{video['id']}/shared/{video['share_token']}", status=302)
    if setting == "password-unlocked":
        video_id = world.videos[setting]["id"]
        page = browser.get(f"/videos/{video_id}", expect_errors=True)
        form = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        if form is not None or viewer != "share-link holder":  # the share link opened the video already
            token = form.group(1)
            browser.post(f"/videos/{video_id}/unlock", {"csrf_token": token, "password": VIDEO_PASSWORD}, status=302)
    return browser, signed_for


def signed_media_url(app, world, video_id: int, viewer_id: int, path: str) -> str:
    expires = int(time.time()) + 3600
    signature = sign(SimpleNamespace(registry=app.registry), video_id, expires, viewer_id)
    return f"http://{world.host}/media/{video_id}/{expires}/{signature}/{path}"


def page_urls(text: str) -> list[str]:
    return re.findall(r'(http://[^"]+/media/\d+/\d+/[0-9a-f]{32}/[^"]+)', text)


@pytest.mark.parametrize("setting", SETTINGS)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_access_matrix(world, app, make_testapp, viewer, setting):
    browser, signed_for = viewer_browser(make_testapp, world, viewer, setting)
    video = world.videos[setting]
    video_id, secret, allowed = video["id"], f"SECRET-{setting}", viewer in CAN_VIEW[setting]
    # The video page and the embed page.
    for path in (f"/videos/{video_id}", f"/videos/{video_id}/embed"):
        page = browser.get(path, expect_errors=True)
        if allowed:
            assert page.status_int == 200 and "data-player" in page.text, path
            assert page_urls(page.text)
        else:
            assert page.status_int in (302, 403, 404), (path, page.status_int)
            assert secret not in page.text and not page_urls(page.text), path
    if allowed:  # the URLs the page hands out work for this viewer
        page = browser.get(f"/videos/{video_id}")
        master = re.search(r'data-src="([^"]+)"', page.text).group(1)
        assert browser.get(master).body == video["files"]["hls/master.m3u8"]
        assert secret in page.text
    # Every media byte, through URLs signed for this very viewer.
    for path, body in video["files"].items():
        response = browser.get(signed_media_url(app, world, video_id, signed_for, path), expect_errors=True)
        if allowed:
            assert response.status_int == 200 and response.body == body, path
        else:
            assert response.status_int in (403, 404) and body not in response.body, (path, response.status_int)
    # The JSON API: detail and list.
    detail = browser.get(f"/api/videos/{video_id}", expect_errors=True, headers={"Accept": "application/json"})
    if allowed:
        assert detail.status_int == 200 and detail.json["description"] == secret
    else:
        assert detail.status_int in (401, 403, 404) and secret not in detail.text  # 401: an anonymous API call
    listing = browser.get("/api/videos?limit=100").text
    assert (f"Listed-{setting}" in listing) == (viewer in LISTED[setting])
    assert (secret in listing) == (viewer in LISTED[setting] and allowed)
    # The home page lists titles only.
    home = browser.get("/").text
    assert (f"Listed-{setting}" in home) == (viewer in LISTED[setting]) and secret not in home
    # A public channel and its theme list titles only, like the home page; its feed only public videos.
    for path in ("/channels/matrix", "/channels/matrix/themes/all", "/api/v1/videos?channel=matrix"):
        text = browser.get(path).text
        assert (f"Listed-{setting}" in text) == (viewer in LISTED[setting]), path
        assert (secret in text) == (path.startswith("/api/") and viewer in LISTED[setting] and allowed), path
    feed = browser.get("/feeds/channels/matrix.xml").text
    assert (f"Listed-{setting}" in feed) == (setting == "public")


@pytest.mark.parametrize("setting", SETTINGS)
def test_revoking_the_share_link_closes_everything_it_opened(world, app, make_testapp, dbsession, setting):
    browser, _ = viewer_browser(make_testapp, world, "share-link holder", setting)
    video = world.videos[setting]
    dbsession.query(ShareLink).filter_by(video_id=video["id"]).delete()  # in this test's transaction only
    dbsession.flush()
    # Only a public video stays open (the password was never needed, so never given, with the link).
    allowed = setting == "public"
    for path, body in video["files"].items():
        response = browser.get(signed_media_url(app, world, video["id"], 0, path), expect_errors=True)
        assert (response.status_int == 200) == allowed, (path, response.status_int)
        assert (body in response.body) == allowed
