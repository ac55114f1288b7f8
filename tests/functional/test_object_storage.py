"""The production layout's media path with real servers: SeaweedFS as the object store, ``amphi serve`` with its
worker, and Debian's nginx running ``etc/nginx/amphi.conf`` in front.

An upload streamed through nginx (tus) lands in the store in pieces, becomes one object, is encoded by the worker
(source downloaded to its scratch folder, outputs uploaded) and played through nginx: the app checks every
request, nginx fetches the presigned URL it is handed (ranges give 206). The same rule holds when viewers are
redirected to the store instead (``delivery = redirect``).
"""

import base64
import os
import re
import time
from urllib.parse import urlsplit

import pytest
import requests

from core.testing import free_port, run_amphi, serving, temporary_database, write_ini
from tests.mediafiles import make_clip
from tests.nginx_front import front_nginx
from tests.standin import media_urls, set_video

TUS = {"Tus-Resumable": "1.0.0"}


def sign_up(base: str, username: str) -> requests.Session:
    """A new user (role: user) who signed up, signed in."""
    session = requests.Session()
    token = re.search(r'name="csrf_token" value="([^"]+)"', session.get(base + "/auth/local/signup").text).group(1)
    password = f"{username} password 1"
    form = {"username": username, "display_name": username, "email": f"{username}@example.org", "csrf_token": token}
    answer = session.post(
        base + "/auth/local/signup", data={**form, "password": password, "password_confirm": password}
    )
    assert answer.ok and 'name="password_confirm"' not in answer.text, answer.text[-800:]  # signed up, signed in
    return session


def sign_in(base: str, username: str, password: str) -> requests.Session:
    """A session signed in against ``base`` (its cookie holds for every port of 127.0.0.1); ``.token``: CSRF."""
    session = requests.Session()
    token = re.search(r'name="csrf_token" value="([^"]+)"', session.get(base + "/login").text).group(1)
    session.post(base + "/auth/local/login", data={"username": username, "password": password, "csrf_token": token})
    session.token = re.search(r'name="csrf_token" value="([^"]+)"', session.get(base + "/").text).group(1)
    return session


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture(scope="module")
def layout(s3_server, tmp_path_factory):
    """(app URL, nginx URL): amphi serve on a bucket of the test S3 server, nginx in front."""
    folder = tmp_path_factory.mktemp("production")
    bucket = s3_server.new_bucket()
    with temporary_database(folder) as url:
        settings = {"amphi.worker.embedded": "true", "amphi.auth_local.signup": "true", **s3_server.settings(bucket)}
        ini = write_ini(folder, url, **settings)
        run_amphi(ini, "init", "--admin-password", "admin password 1")
        run_amphi(ini, "user", "add", "default", "prof", "--role", "staff", "--password", "prof password 1")
        port = free_port()
        with serving(ini, folder, port=port) as app:
            with front_nginx(folder / "nginx", app=f"127.0.0.1:{port}", media=str(folder / "var" / "media")) as front:
                yield app, front


def tus_upload(front: str, session, data: bytes, chunk: int) -> int:
    """Upload ``data`` through nginx in ``chunk``-byte PATCHes; return the new video's id."""
    meta = "filename " + base64.b64encode(b"lecture.mp4").decode()
    headers = {**TUS, "X-CSRF-Token": session.token}
    created = session.post(
        front + "/api/uploads/", headers={**headers, "Upload-Length": str(len(data)), "Upload-Metadata": meta}
    )
    assert created.status_code == 201, created.text
    location = front + path_of(created.headers["Location"])
    for offset in range(0, len(data), chunk):
        patched = session.patch(
            location,
            data=data[offset : offset + chunk],
            headers={**headers, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"},
        )
        assert patched.status_code == 204, patched.text
    return int(patched.headers["Amphi-Video-Id"])


def wait_for_master(front: str, session, video_id: int) -> str:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        found = re.search(r'data-src="([^"]+master\.m3u8)"', session.get(f"{front}/videos/{video_id}").text)
        if found:
            return path_of(found.group(1))
        time.sleep(0.3)
    raise AssertionError(f"video {video_id} was not encoded in time")


def test_upload_encode_and_play_through_nginx_from_the_object_store(layout, s3_server, tmp_path):
    app, front = layout
    prof, other = sign_in(app, "prof", "prof password 1"), sign_up(app, "other")
    data = make_clip(tmp_path, seconds=1).read_bytes()
    video_id = tus_upload(front, prof, data, chunk=len(data) // 3 + 1)  # three pieces, assembled in the store
    master = wait_for_master(front, prof, video_id)  # a draft: only its owner may watch

    through_app = prof.get(app + master)
    assert through_app.content == b"" and through_app.headers["X-Accel-Redirect"].startswith(
        "/_s3/http/" + s3_server.endpoint.removeprefix("http://") + "/"
    )
    playlist = prof.get(front + master)
    assert playlist.status_code == 200 and playlist.text.startswith("#EXTM3U")
    assert playlist.headers["Content-Type"] == "application/vnd.apple.mpegurl"
    variant = (
        master.rsplit("/", 1)[0] + "/" + next(line for line in playlist.text.splitlines() if line.endswith(".m3u8"))
    )
    media = prof.get(front + variant).text
    segment = variant.rsplit("/", 1)[0] + "/" + re.search(r"(?m)^([^#\s]+\.m4s)$", media).group(1)
    whole = prof.get(front + segment)
    assert (
        whole.status_code == 200 and whole.headers["Content-Type"] == "video/iso.segment" and len(whole.content) > 100
    )
    assert whole.headers["Cache-Control"] == "private, max-age=3600"  # the app's, kept by nginx
    assert "Seaweed-X-Amz-Owner" not in whole.headers and whole.headers["X-Content-Type-Options"] == "nosniff"
    head = prof.head(front + segment)  # the URL is signed for GET: nginx asks with GET, answers the headers
    assert head.status_code == 200 and head.headers["Content-Length"] == str(len(whole.content))
    part = prof.get(front + segment, headers={"Range": "bytes=10-99"})
    assert part.status_code == 206 and part.content == whole.content[10:100]
    assert part.headers["Content-Range"] == f"bytes 10-99/{len(whole.content)}"

    assert other.get(front + segment).status_code == 403  # signed for its owner, and a draft
    assert requests.get(front + segment).status_code == 403  # anonymous
    forged = re.sub(r"/[0-9a-f]{32}/", "/" + "0" * 32 + "/", segment)
    assert prof.get(front + forged).status_code == 403
    assert requests.get(front + "/_s3/http/" + s3_server.endpoint.removeprefix("http://") + "/x").status_code == 404


@pytest.fixture
def redirecting_store(app, s3_server, monkeypatch):
    """storage_s3 on a bucket of its own, delivering by redirect (before anything is stored)."""
    for key, value in s3_server.settings(s3_server.new_bucket(), delivery="redirect", url_ttl="60").items():
        monkeypatch.setitem(app.registry.settings, key, value)


def test_viewers_are_redirected_to_presigned_urls_or_served_by_the_app(
    redirecting_store, published, make_testapp, app, monkeypatch
):
    host, video_id = published  # encoded (stand-in outputs) into the bucket
    set_video(video_id, access="signed-in")
    owner = make_testapp(host)
    owner.sign_in("owner", "owner password 1")
    master = next(u for u in media_urls(owner.get(f"/videos/{video_id}").text) if u.endswith("master.m3u8"))
    answer = owner.get(master, status=302)
    assert answer.headers["Cache-Control"] == "private, no-store"
    assert os.path.basename(urlsplit(answer.location).path) == "master.m3u8"
    stored = requests.get(answer.location, timeout=10)
    assert stored.status_code == 200 and stored.text.startswith("hls/master.m3u8 of job")
    assert stored.headers["Content-Type"] == "application/vnd.apple.mpegurl"
    make_testapp(host).get(master, status=403)  # the check comes first: no presigned URL for anyone else

    monkeypatch.setitem(app.registry.settings, "amphi.storage_s3.delivery", "app")  # the app streams the store's bytes
    assert owner.get(master).body == stored.content
    part = owner.get(master, headers={"Range": "bytes=3-8"}, status=206)
    assert part.body == stored.content[3:9]
