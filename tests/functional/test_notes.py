"""The notes plugin: private notes, public comments with replies, moderation, the panel, exports, access."""

import csv
import io

import pytest
from sqlalchemy import func, select

from core.platform.timecodes import clock, parse_clock
from plugins.notes.models import Note

PASSWORD = "a long password 1"


@pytest.fixture
def people(site, make_user):
    roles = {"owner": "staff", "coowner": "staff", "alice": "user", "bob": "user", "admin": "site-admin"}
    return {name: make_user(site, name, role=role, password=PASSWORD) for name, role in roles.items()}


@pytest.fixture
def video(site, people, make_video):
    video = make_video(site, people["owner"], "Cours 1", status="ready", access="public", duration=600.0)
    video.additional_owners.append(people["coowner"])
    return video


def browser(make_testapp, user=None, host="a.test"):
    app = make_testapp(host)
    if user:
        app.sign_in(user, PASSWORD)
    return app


def post_note(app, video, status=303, **fields):
    token = app.csrf_token(f"/videos/{video.id}")
    return app.post(f"/videos/{video.id}/notes", {"csrf_token": token, **fields}, status=status)


def panel(app, video):
    return app.get(f"/videos/{video.id}").html.select_one("[data-notes]")


def test_times_are_read_and_written_as_people_write_them():
    assert parse_clock("75") == 75 and parse_clock("1:15") == 75 and parse_clock("1:01:15") == 3675
    assert parse_clock(" 2:03.5 ") == 123.5 and parse_clock("0,5") == 0.5
    for bad in ("", "abc", "1:75", "-3", "1::2", "1:75:00"):
        with pytest.raises(ValueError):
            parse_clock(bad)
    assert clock(75.9) == "1:15" and clock(3675) == "1:01:15" and clock(0) == "0:00"


def test_a_private_note_is_seen_by_its_author_alone(video, make_testapp, dbsession):
    alice = browser(make_testapp, "alice")
    page = post_note(alice, video, text="Revoir la démonstration", time="1:15", kind="note")
    assert page.location.endswith(f"/videos/{video.id}?t=75#note-{dbsession.scalar(select(func.max(Note.id)))}")
    notes = panel(alice, video)
    item = notes.select_one("li.note-note")
    assert item["data-time"] == "75.0" and "Revoir la démonstration" in item.text
    assert item.select_one("a[data-seek]")["data-seek"] == "75.0" and item.select_one("a").text == "1:15"
    assert item.select_one("a")["href"].endswith(f"/videos/{video.id}?t=75")  # seeks without the script too
    for other in ("bob", "owner", "admin", None):
        assert "Revoir la démonstration" not in panel(browser(make_testapp, other), video).text
    assert "Revoir" not in browser(make_testapp, "bob").get(f"/api/videos/{video.id}/notes").text


def test_comments_are_public_and_answered(video, make_testapp, dbsession):
    alice, bob = browser(make_testapp, "alice"), browser(make_testapp, "bob")
    post_note(alice, video, text="Pourquoi 42 ?", time="30", kind="comment")
    comment = dbsession.scalar(select(Note).where(Note.text == "Pourquoi 42 ?"))
    post_note(bob, video, text="Voir le chapitre 2", parent=str(comment.id))
    anonymous = panel(make_testapp(), video)
    assert "Pourquoi 42 ?" in anonymous.text and "Voir le chapitre 2" in anonymous.text
    assert "Comment by alice" in anonymous.text and "Reply by bob" in anonymous.text
    assert anonymous.select_one("form[action$='/notes']") is None  # reading only: sign in to write
    reply = dbsession.scalar(select(Note).where(Note.text == "Voir le chapitre 2"))
    assert reply.parent_id == comment.id and reply.time == 30.0 and reply.kind == "comment"
    listing = make_testapp().get(f"/api/videos/{video.id}/notes").json
    assert [n["text"] for n in listing["notes"]] == ["Pourquoi 42 ?"]
    assert listing["notes"][0]["replies"][0]["text"] == "Voir le chapitre 2"
    # A private note cannot be answered, by others or by its author.
    post_note(alice, video, text="à moi", time="5", kind="note")
    private = dbsession.scalar(select(Note).where(Note.text == "à moi"))
    post_note(bob, video, text="intrus", parent=str(private.id), status=400)
    post_note(alice, video, text="moi", parent=str(reply.id), status=400)  # replies are one level deep


def test_user_text_is_escaped_everywhere(video, make_testapp):
    alice = browser(make_testapp, "alice")
    post_note(alice, video, text="<script>alert(1)</script> & <b>gras</b>", time="10", kind="comment")
    page = make_testapp().get(f"/videos/{video.id}")
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<b>gras</b>" not in page.text
    assert alice.get(f"/videos/{video.id}/notes.txt").text.count("<script>alert(1)</script>") == 1  # plain text
    fragment = alice.get(f"/videos/{video.id}/notes/panel")
    assert "<script>alert" not in fragment.text


def test_bad_input_is_refused_and_nothing_typed_is_lost(video, make_testapp, dbsession):
    alice = browser(make_testapp, "alice")
    page = post_note(alice, video, text="Mon texte précieux", time="99:99", kind="note", status=400)
    assert "A time such as 1:15" in page.text
    assert page.html.select_one("#note-text").text == "Mon texte précieux"
    assert page.html.select_one("#note-time")["value"] == "99:99"
    page = post_note(alice, video, text="Trop tard", time="11:00", kind="note", status=400)
    assert "The video lasts 10:00" in page.text
    assert "Write something" in post_note(alice, video, text="   ", time="1", kind="note", status=400).text
    post_note(alice, video, text="x" * 5001, time="1", kind="note", status=400)
    post_note(alice, video, text="?", time="1", kind="poster", status=400)
    # Through the script the same errors come as JSON; the form stays as it was in the page.
    token = alice.csrf_token(f"/videos/{video.id}")
    error = alice.post(
        f"/videos/{video.id}/notes",
        {"csrf_token": token, "text": "t", "time": "x"},
        headers={"X-Amphi-Fragment": "notes", "Accept": "application/json"},
        status=400,
    )
    assert error.json["info"]["fields"]["time"].startswith("A time such as")
    assert dbsession.scalar(select(func.count()).select_from(Note)) == 0
    assert alice.post(f"/videos/{video.id}/notes", {"text": "no token", "time": "1"}, status=400)


def test_the_script_gets_the_refreshed_panel(video, make_testapp):
    alice = browser(make_testapp, "alice")
    token = alice.csrf_token(f"/videos/{video.id}")
    fragment = alice.post(
        f"/videos/{video.id}/notes",
        {"csrf_token": token, "text": "Point clé", "time": "2:00"},
        headers={"X-Amphi-Fragment": "notes"},
        status=200,
    )
    assert fragment.content_type == "text/html" and "<html" not in fragment.text
    assert (
        fragment.html.select_one("[data-notes-body] li[data-time='120.0']").select_one(".note-text").text == "Point clé"
    )


def test_owners_moderate_comments(video, make_testapp, dbsession):
    alice, bob = browser(make_testapp, "alice"), browser(make_testapp, "bob")
    post_note(alice, video, text="Spam spam", time="3", kind="comment")
    comment = dbsession.scalar(select(Note).where(Note.text == "Spam spam"))
    token = bob.csrf_token(f"/videos/{video.id}")
    bob.post(f"/videos/{video.id}/notes/{comment.id}/hide", {"csrf_token": token, "hidden": "1"}, status=403)
    bob.post(f"/videos/{video.id}/notes/{comment.id}/delete", {"csrf_token": token}, status=403)
    bob.post(f"/videos/{video.id}/notes/comments", {"csrf_token": token, "enabled": "0"}, status=403)
    coowner = browser(make_testapp, "coowner")
    token = coowner.csrf_token(f"/videos/{video.id}")
    coowner.post(f"/videos/{video.id}/notes/{comment.id}/hide", {"csrf_token": token, "hidden": "1"}, status=303)
    assert "Spam spam" not in panel(bob, video).text and "Spam spam" not in panel(alice, video).text
    mod_view = panel(coowner, video)
    assert "Spam spam" in mod_view.text and "Hidden from viewers" in mod_view.text
    bob.post(
        f"/videos/{video.id}/notes",
        {"csrf_token": bob.csrf_token(f"/videos/{video.id}"), "text": "re", "parent": str(comment.id)},
        status=400,
    )  # a hidden comment takes no reply
    coowner.post(f"/videos/{video.id}/notes/{comment.id}/hide", {"csrf_token": token, "hidden": "0"}, status=303)
    assert "Spam spam" in panel(bob, video).text
    owner = browser(make_testapp, "owner")
    owner.post(
        f"/videos/{video.id}/notes/{comment.id}/delete",
        {"csrf_token": owner.csrf_token(f"/videos/{video.id}")},
        status=303,
    )
    assert dbsession.get(Note, comment.id) is None


def test_authors_delete_their_own_and_no_one_else_touches_a_private_note(video, make_testapp, dbsession):
    alice = browser(make_testapp, "alice")
    post_note(alice, video, text="brouillon", time="3", kind="note")
    note = dbsession.scalar(select(Note).where(Note.text == "brouillon"))
    owner = browser(make_testapp, "owner")
    owner.post(
        f"/videos/{video.id}/notes/{note.id}/delete",
        {"csrf_token": owner.csrf_token(f"/videos/{video.id}")},
        status=404,
    )
    owner.post(
        f"/videos/{video.id}/notes/{note.id}/hide",
        {"csrf_token": owner.csrf_token(f"/videos/{video.id}"), "hidden": "1"},
        status=404,
    )
    alice.post(
        f"/videos/{video.id}/notes/{note.id}/delete",
        {"csrf_token": alice.csrf_token(f"/videos/{video.id}")},
        status=303,
    )
    assert dbsession.get(Note, note.id) is None


def test_comments_turned_off(video, make_testapp, dbsession):
    alice = browser(make_testapp, "alice")
    post_note(alice, video, text="Premier !", time="1", kind="comment")
    post_note(alice, video, text="ma note", time="2", kind="note")
    owner = browser(make_testapp, "owner")
    owner.post(
        f"/videos/{video.id}/notes/comments",
        {"csrf_token": owner.csrf_token(f"/videos/{video.id}"), "enabled": "0"},
        status=303,
    )
    view = panel(alice, video)
    assert "Premier !" not in view.text and "ma note" in view.text  # private notes go on
    assert view.select_one("input[value='comment']") is None
    page = post_note(alice, video, text="Encore", time="3", kind="comment", status=400)
    assert "Comments are turned off" in page.text
    assert "Premier !" in panel(owner, video).text  # the owners still see them
    assert make_testapp().get(f"/api/videos/{video.id}/notes").json == {"comments_enabled": False, "notes": []}
    owner.post(
        f"/videos/{video.id}/notes/comments",
        {"csrf_token": owner.csrf_token(f"/videos/{video.id}"), "enabled": "1"},
        status=303,
    )
    assert "Premier !" in panel(alice, video).text


def test_export_ones_notes_as_text_and_csv(video, make_testapp):
    alice = browser(make_testapp, "alice")
    post_note(alice, video, text='=HYPERLINK("x")', time="1:05", kind="note")
    post_note(alice, video, text="Un commentaire, avec virgule", time="0:10", kind="comment")
    post_note(browser(make_testapp, "bob"), video, text="pas à alice", time="0:20", kind="comment")
    text = alice.get(f"/videos/{video.id}/notes.txt")
    assert text.content_type == "text/plain" and "attachment" in text.headers["Content-Disposition"]
    lines = text.text.splitlines()
    assert lines[0] == "Notes on “Cours 1”" and lines[1].endswith(f"/videos/{video.id}")
    assert lines[3:] == ["[0:10] (comment) Un commentaire, avec virgule", '[1:05] (private note) =HYPERLINK("x")']
    rows = list(csv.reader(io.StringIO(alice.get(f"/videos/{video.id}/notes.csv").body.decode("utf-8-sig"))))
    assert rows[0] == ["video_id", "video_title", "time_seconds", "time", "kind", "text", "created_at"]
    assert [r[3:6] for r in rows[1:]] == [
        ["0:10", "comment", "Un commentaire, avec virgule"],
        ["1:05", "note", '\'=HYPERLINK("x")'],
    ]
    assert "/login?next=" in make_testapp().get(f"/videos/{video.id}/notes.csv", status=302).location


def test_all_my_notes_on_one_page_and_in_one_file(site, video, people, make_video, make_testapp, dbsession):
    other = make_video(site, people["owner"], "Cours 2", status="ready", access="public", duration=60.0)
    alice = browser(make_testapp, "alice")
    post_note(alice, video, text="sur le cours 1", time="1:00")
    post_note(alice, other, text="sur le cours 2", time="0:05", kind="comment")
    post_note(browser(make_testapp, "bob"), other, text="de bob", time="0:06", kind="comment")
    page = alice.get("/notes")
    assert 'href="http://a.test/notes"' in page.text  # the navigation entry
    assert [h.text for h in page.html.select("main h2")] == ["Cours 2", "Cours 1"]  # latest written first
    assert "de bob" not in page.text
    link = page.html.select_one("ol.my-notes a")
    assert link["href"].endswith(
        f"/videos/{other.id}?t=5#note-{dbsession.scalar(select(Note.id).where(Note.text == 'sur le cours 2'))}"
    )
    rows = alice.get("/notes/my-notes.csv").body.decode("utf-8-sig").splitlines()
    assert len(rows) == 3 and "sur le cours 2" in rows[1] and "sur le cours 1" in rows[2]
    text = alice.get("/notes/my-notes.txt").text
    assert "Notes on “Cours 2”" in text and "[1:00] (private note) sur le cours 1" in text
    other.access = "draft"  # a video alice can no longer see leaves her list
    dbsession.flush()
    assert "Cours 2" not in alice.get("/notes").text and "Cours 2" not in alice.get("/notes/my-notes.txt").text
    assert "/login" in make_testapp().get("/notes", status=302).location


def test_notes_follow_the_video_access(site, people, make_video, make_testapp, dbsession):
    draft = make_video(site, people["owner"], "Brouillon", status="ready", access="draft", duration=60.0)
    members = make_video(site, people["owner"], "Connectés", status="ready", access="signed-in", duration=60.0)
    owner = browser(make_testapp, "owner")
    post_note(owner, draft, text="secret", time="1", kind="comment")
    post_note(owner, members, text="pour les inscrits", time="1", kind="comment")
    alice, anonymous = browser(make_testapp, "alice"), make_testapp()
    for url in (f"/api/videos/{draft.id}/notes", f"/videos/{draft.id}/notes/panel", f"/videos/{draft.id}/notes.txt"):
        alice.get(url, status=404)
        anonymous.get(url, status=404)
    token = alice.csrf_token("/")
    alice.post(f"/videos/{draft.id}/notes", {"csrf_token": token, "text": "x", "time": "1"}, status=404)
    alice.post_json(
        f"/api/videos/{draft.id}/notes", {"text": "x", "time": 1}, headers={"X-CSRF-Token": token}, status=404
    )
    anonymous.get(f"/api/videos/{members.id}/notes", status=401)  # an API caller without credentials
    assert alice.get(f"/api/videos/{members.id}/notes").json["notes"][0]["text"] == "pour les inscrits"
    created = alice.post_json(
        f"/api/videos/{members.id}/notes",
        {"text": "via l'API", "time": 12.5, "kind": "note"},
        headers={"X-CSRF-Token": token},
        status=201,
    ).json
    assert created["time"] == 12.5 and created["mine"] is True
    alice.post_json(f"/api/videos/{members.id}/notes", {"text": "sans jeton"}, status=400)  # CSRF
    alice.post_json(f"/api/videos/{members.id}/notes", [1], headers={"X-CSRF-Token": token}, status=400)


def test_other_sites_see_nothing(video, make_site, make_user, make_testapp, dbsession):
    post_note(browser(make_testapp, "alice"), video, text="sur A", time="1", kind="comment")
    other = make_site("b")
    make_user(other, "alice", password=PASSWORD)
    b = browser(make_testapp, "alice", host="b.test")
    b.get(f"/api/videos/{video.id}/notes", status=404)
    b.get(f"/videos/{video.id}/notes/panel", status=404)


def test_plugin_disabled_on_a_site_is_silent(make_site, make_user, make_video, make_testapp, dbsession):
    site = make_site("c", plugins=["auth_local"])
    owner = make_user(site, "owner", role="site-admin", password=PASSWORD)
    video = make_video(site, owner, "Sans notes", status="ready", access="public", duration=60.0)
    admin = browser(make_testapp, "owner", host="c.test")
    page = admin.get(f"/videos/{video.id}")
    assert "data-notes" not in page.text and "Notes and comments" not in page.text and "notes.js" not in page.text
    assert "My notes" not in page.text
    token = admin.csrf_token(f"/videos/{video.id}")
    admin.post(f"/videos/{video.id}/notes", {"csrf_token": token, "text": "x", "time": "1"}, status=404)
    for url in (
        f"/videos/{video.id}/notes/panel",
        f"/videos/{video.id}/notes.txt",
        f"/videos/{video.id}/notes.csv",
        f"/api/videos/{video.id}/notes",
        "/notes-static/notes.js",
        "/notes",
        "/notes/my-notes.csv",
    ):
        admin.get(url, status=404)
    assert dbsession.scalar(select(func.count()).select_from(Note).where(Note.video_id == video.id)) == 0


def test_additions_are_limited_per_hour(app, site, video, make_testapp):
    from core.platform.sites import set_plugin_overrides

    set_plugin_overrides(app.registry, site, "notes", {"per_hour": 2})
    alice = browser(make_testapp, "alice")
    post_note(alice, video, text="un", time="1")
    post_note(alice, video, text="deux", time="2", kind="comment")
    post_note(alice, video, text="trois", time="3", status=429)
    post_note(browser(make_testapp, "bob"), video, text="bob aussi", time="3")  # per user


def test_french_panel(video, make_testapp):
    alice = browser(make_testapp, "alice")
    page = alice.get(f"/videos/{video.id}", headers={"Accept-Language": "fr"})
    assert "Notes et commentaires" in page.text and "Ajouter la note" in page.text


def test_a_deleted_video_takes_its_notes_along(video, make_testapp, dbsession):
    alice = browser(make_testapp, "alice")
    post_note(alice, video, text="à effacer", time="1", kind="comment")
    owner = browser(make_testapp, "owner")
    owner.post(
        f"/videos/{video.id}/notes/comments",
        {"csrf_token": owner.csrf_token(f"/videos/{video.id}"), "enabled": "0"},
        status=303,
    )
    dbsession.delete(video)
    dbsession.flush()
    assert dbsession.scalar(select(func.count()).select_from(Note)) == 0
