"""Signed-in visitors share cached pages with visitors of the same access, never anything of their own.

A real `amphi serve` in one process (so that the second visitor meets the first one's page in the
same store); changes are committed from this process, as another process of a real installation would.
Two students with the same access get one page, each with their own name, CSRF token, notes and
playlists in it; a student of another group, an owner of drafts and a staff member never get
another's page; a change of a user's groups or role shows at once; CSRF is still enforced.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
import uuid
from urllib.parse import urlencode

import pytest
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from core.models import Group, Notification, Site, User, Video, group_members, video_groups
from core.platform.db import make_engine
from core.testing import http_sign_in, run_amphi, serving, temporary_database, write_ini
from plugin_recorder.models import PendingRecording, Recorder
from plugins.notes.models import Note
from plugins.playlists.models import Playlist
from plugins.stats.models import VideoDay

PASSWORD = "signed in cache password"
STUDENTS = ("alice", "bruno", "chloe")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pagecache-signed-in")
    with temporary_database(folder) as url:
        ini = write_ini(folder, url)
        run_amphi(ini, "init", "--admin-password", "cache admin password")
        for name in (*STUDENTS, "prof"):
            role = ["--role", "staff"] if name == "prof" else []
            run_amphi(ini, "user", "add", "default", name, "--password", PASSWORD, *role)
        engine = make_engine(url)
        with serving(ini, folder, workers=1) as base:
            yield base, engine, {name: http_sign_in(base, name, PASSWORD) for name in (*STUDENTS, "prof")}
        engine.dispose()


def ids(engine) -> dict[str, int]:
    with Session(engine) as db:
        return {name: user_id for name, user_id in db.execute(select(User.username, User.id))}


def site_id(engine) -> int:
    with Session(engine) as db:
        return db.scalar(select(Site.id).where(Site.is_default.is_(True)))


@pytest.fixture
def videos(server):
    """A public video, a video for the group "l3-info" (chloe is in it) and a draft of prof's."""
    _, engine, _ = server
    users, site, tag = ids(engine), site_id(engine), uuid.uuid4().hex[:6]
    with Session(engine) as db:
        made = {}
        for name, access in (("public", "public"), ("group", "groups"), ("draft", "draft")):
            video = Video(
                site_id=site,
                owner_id=users["prof"],
                title=f"Vidéo {name} {tag}",
                slug=uuid.uuid4().hex[:12],
                status="ready",
                access=access,
                duration=60.0,
            )
            db.add(video)
            made[name] = video
        group = Group(site_id=site, name=f"l3-info-{tag}", title="L3 informatique")
        db.add(group)
        db.flush()
        db.execute(insert(video_groups).values(video_id=made["group"].id, group_id=group.id))
        db.execute(insert(group_members).values(group_id=group.id, user_id=users["chloe"]))
        db.commit()
        yield {name: (video.id, video.title) for name, video in made.items()} | {"group_id": group.id}
        db.execute(delete(Video).where(Video.id.in_([video.id for video in made.values()])))
        db.execute(delete(Group).where(Group.id == group.id))
        db.commit()


def get(base: str, path: str, headers: dict) -> tuple[int, dict, str]:
    request = urllib.request.Request(base + path, headers={"Cookie": headers["Cookie"]})
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, dict(answer.headers), answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def post(base: str, path: str, headers: dict, form: dict) -> int:
    request = urllib.request.Request(base + path, data=urlencode(form).encode(), headers={"Cookie": headers["Cookie"]})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def csrf_tokens(body: str) -> set[str]:
    return set(re.findall(r'name="csrf_token" value="([^"]+)"', body)) | set(re.findall(r'data-csrf="([^"]+)"', body))


def test_students_of_the_same_access_share_a_page_each_with_their_own_parts(server, videos):
    base, _, sessions = server
    for path in ("/", "/videos", f"/videos/{videos['public'][0]}"):
        status, headers, first = get(base, path, sessions["alice"])
        assert status == 200 and "alice" in first, path
        status, headers, second = get(base, path, sessions["bruno"])
        assert status == 200 and headers.get("X-Amphi-Cache") == "hit", path  # alice's page, shared
        assert "bruno" in second and "alice" not in second, path  # the account menu is bruno's
        assert csrf_tokens(second) == {sessions["bruno"]["X-CSRF-Token"]}, path  # bruno's token, not alice's
        assert csrf_tokens(first) == {sessions["alice"]["X-CSRF-Token"]}, path
        assert "amphi~" not in second and "amphi~" not in first, path  # no marker ever leaves
        assert "Vidéo draft" not in second and videos["group"][1] not in second, path


def test_groups_and_owners_never_get_another_visitors_page(server, videos):
    base, _, sessions = server
    group_title, draft_title = videos["group"][1], videos["draft"][1]
    get(base, "/videos", sessions["alice"])  # a student's page is in the cache
    _, headers, chloe = get(base, "/videos", sessions["chloe"])
    assert group_title in chloe and "X-Amphi-Cache" not in headers  # her group's video: another page
    _, headers, alice = get(base, "/videos", sessions["alice"])
    assert headers.get("X-Amphi-Cache") == "hit" and group_title not in alice
    _, _, prof = get(base, "/videos", sessions["prof"])
    assert draft_title in prof and "Upload" in prof  # his own draft: a page of his own
    for name in STUDENTS:
        _, _, page = get(base, "/videos", sessions[name])
        assert draft_title not in page and "Upload" not in page and "prof" not in page.split("<main", 1)[0]
    status, _, _ = get(base, f"/videos/{videos['group'][0]}", sessions["chloe"])
    assert status == 200
    assert get(base, f"/videos/{videos['group'][0]}", sessions["bruno"])[0] in (403, 404)


def test_a_change_of_groups_or_role_shows_at_once(server, videos):
    base, engine, sessions = server
    group_title = videos["group"][1]
    users = ids(engine)
    assert group_title not in get(base, "/videos", sessions["bruno"])[2]
    with Session(engine) as db:
        db.execute(insert(group_members).values(group_id=videos["group_id"], user_id=users["bruno"]))
        db.commit()
    assert group_title in get(base, "/videos", sessions["bruno"])[2]
    assert get(base, f"/videos/{videos['group'][0]}", sessions["bruno"])[0] == 200
    with Session(engine) as db:
        db.execute(delete(group_members).where(group_members.c.user_id == users["bruno"]))
        db.commit()
    assert group_title not in get(base, "/videos", sessions["bruno"])[2]
    assert "Upload" not in get(base, "/", sessions["alice"])[2]
    with Session(engine) as db:
        db.execute(update(User).where(User.id == users["alice"]).values(can_upload=True))
        db.commit()
    try:
        assert "Upload" in get(base, "/", sessions["alice"])[2]
        assert "Upload" not in get(base, "/", sessions["bruno"])[2]
    finally:
        with Session(engine) as db:
            db.execute(update(User).where(User.id == users["alice"]).values(can_upload=False))
            db.commit()


def test_notes_and_playlists_stay_with_their_owner(server, videos):
    base, engine, sessions = server
    video_id = videos["public"][0]
    users, site = ids(engine), site_id(engine)
    with Session(engine) as db:
        db.add(Note(site_id=site, video_id=video_id, author_id=users["alice"], kind="note", text="Secret d'Alice"))
        db.add(Playlist(site_id=site, owner_id=users["alice"], title="Révisions d'Alice", token=uuid.uuid4().hex))
        db.commit()
    _, _, alice = get(base, f"/videos/{video_id}", sessions["alice"])
    assert "Secret d&#39;Alice" in alice and "Révisions d&#39;Alice" in alice
    _, headers, bruno = get(base, f"/videos/{video_id}", sessions["bruno"])
    assert headers.get("X-Amphi-Cache") == "hit"  # alice's page, with bruno's notes and playlists
    assert "Alice" not in bruno and "data-notes" in bruno


def test_csrf_is_still_enforced_with_shared_pages(server, videos):
    base, _, sessions = server
    get(base, "/", sessions["alice"])
    _, headers, page = get(base, "/", sessions["bruno"])
    assert headers.get("X-Amphi-Cache") == "hit"
    (token,) = csrf_tokens(page)
    form = {"locale": "en", "next": "/"}
    assert post(base, "/language", sessions["bruno"], form) == 400  # no token
    assert post(base, "/language", sessions["bruno"], {**form, "csrf_token": sessions["alice"]["X-CSRF-Token"]}) == 400
    assert post(base, "/language", sessions["bruno"], {**form, "csrf_token": token}) in (302, 303)


def test_anonymous_visitors_never_get_a_signed_in_page(server, videos):
    base, _, sessions = server
    for path in ("/", "/videos", f"/videos/{videos['public'][0]}"):
        get(base, path, sessions["alice"])
        for _ in range(2):
            with urllib.request.urlopen(base + path) as answer:
                page = answer.read().decode()
                assert "Set-Cookie" not in answer.headers
            assert "alice" not in page and "Sign in" in page and "csrf_token" not in page


def test_a_new_or_read_notification_shows_at_once_in_the_unread_count(server, videos):
    base, engine, sessions = server
    users, site = ids(engine), site_id(engine)
    get(base, "/", sessions["alice"])
    _, headers, page = get(base, "/", sessions["bruno"])
    assert headers.get("X-Amphi-Cache") == "hit" and "unread" not in page
    with Session(engine) as db:  # as a worker would: another process, one commit
        db.add(Notification(site_id=site, user_id=users["bruno"], kind="test", title="Encodage terminé"))
        db.commit()
    try:
        _, headers, page = get(base, "/", sessions["bruno"])
        assert headers.get("X-Amphi-Cache") == "hit" and "(1 unread)" in page  # the shared page, his count
        assert "unread" not in get(base, "/", sessions["alice"])[2]
        with Session(engine) as db:
            db.execute(update(Notification).where(Notification.user_id == users["bruno"]).values(read_at=func.now()))
            db.commit()
        assert "unread" not in get(base, "/", sessions["bruno"])[2]
    finally:
        with Session(engine) as db:
            db.execute(delete(Notification).where(Notification.user_id == users["bruno"]))
            db.commit()


def test_views_served_from_the_cache_count_once_per_viewer(server, videos):
    base, engine, sessions = server
    video_id = videos["public"][0]
    for name in ("alice", "alice", "alice", "bruno", "alice", "bruno"):
        assert get(base, f"/videos/{video_id}", sessions[name])[0] == 200
    with Session(engine) as db:
        assert db.scalar(select(func.sum(VideoDay.views)).where(VideoDay.video_id == video_id)) == 2


def test_a_pending_recording_shows_at_once_in_its_managers_navigation(server, videos):
    base, engine, sessions = server
    users, site, name = ids(engine), site_id(engine), f"room-{uuid.uuid4().hex[:6]}"
    get(base, "/", sessions["alice"])
    _, headers, page = get(base, "/", sessions["bruno"])
    assert headers.get("X-Amphi-Cache") == "hit" and "Pending recordings" not in page
    with Session(engine) as db:  # as the recorder's ingest would, in another process
        recorder = Recorder(site_id=site, name=name, username=name, manager_id=users["bruno"])
        db.add(recorder)
        db.flush()
        db.add(PendingRecording(site_id=site, recorder_id=recorder.id, video_id=videos["draft"][0]))
        db.commit()
    try:
        assert "Pending recordings (1)" in get(base, "/", sessions["bruno"])[2]
        assert "Pending recordings" not in get(base, "/", sessions["alice"])[2]
        with Session(engine) as db:
            db.execute(delete(PendingRecording).where(PendingRecording.video_id == videos["draft"][0]))
            db.commit()
        assert "Pending recordings" not in get(base, "/", sessions["bruno"])[2]
    finally:
        with Session(engine) as db:
            db.execute(delete(PendingRecording).where(PendingRecording.video_id == videos["draft"][0]))
            db.execute(delete(Recorder).where(Recorder.name == name))
            db.commit()
