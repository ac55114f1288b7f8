"""Notifications: each kind reaches the right people, preferences, the page, the unread count, the API,
access across users and sites; e-mails leave after the commit only (folder and SMTP backends in
test_notification_mail.py)."""

import pytest
from sqlalchemy import select

from core.models import Notification, NotificationPreference
from core.notify.service import notify
from core.notify.tasks import send_notification_mail
from core.platform.plugins import fire
from plugins.notes.models import Note

PASSWORD = "a long password 1"


@pytest.fixture
def people(site, make_user):
    roles = {"owner": "staff", "coowner": "staff", "alice": "user", "bob": "user"}
    return {
        name: make_user(site, name, role=role, password=PASSWORD, email=f"{name}@example.org")
        for name, role in roles.items()
    }


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


def queued_mails(tm) -> list[int]:
    """Ids of the notifications whose e-mail waits for the commit."""
    return [
        args[1] for _hook, args, _kw in tm.get().getAfterCommitHooks() if args and args[0] is send_notification_mail
    ]


def of(dbsession, user, kind=None) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(dbsession.scalars(query))


# --- the kinds -------------------------------------------------------------------------------------


def test_a_ready_video_tells_each_owner_once_with_a_link(video, people, make_request, site, dbsession, tm):
    fire(make_request(site), "amphi_video_ready", video_id=video.id)
    for name in ("owner", "coowner"):
        [told] = of(dbsession, people[name], "video.ready")
        assert told.title == "Your video “Cours 1” is ready" and told.link == f"/videos/{video.id}"
        assert told.in_app and told.mail_state == "queued" and told.data == {"video_id": video.id}
    assert of(dbsession, people["alice"]) == []
    assert sorted(queued_mails(tm)) == sorted(
        n.id for n in of(dbsession, people["owner"]) + of(dbsession, people["coowner"])
    )


def test_a_failed_video_tells_its_owners_without_the_reason_in_the_mail(video, people, make_request, site, dbsession):
    fire(make_request(site), "amphi_video_failed", video_id=video.id, reason="ffmpeg: moov atom not found")
    [told] = of(dbsession, people["owner"], "video.failed")
    assert told.title == "Your video “Cours 1” could not be processed" and "moov" not in told.text


def test_a_reply_tells_the_comments_author_but_not_when_answering_oneself(video, people, make_testapp, dbsession):
    alice, bob = browser(make_testapp, "alice"), browser(make_testapp, "bob")
    token = alice.csrf_token(f"/videos/{video.id}")
    alice.post(
        f"/videos/{video.id}/notes", {"csrf_token": token, "text": "Pourquoi ?", "time": "10", "kind": "comment"}
    )
    comment = dbsession.scalar(select(Note).where(Note.author_id == people["alice"].id))
    alice.post(f"/videos/{video.id}/notes", {"csrf_token": token, "text": "Précision", "parent": str(comment.id)})
    assert of(dbsession, people["alice"]) == []
    token = bob.csrf_token(f"/videos/{video.id}")
    bob.post(f"/videos/{video.id}/notes", {"csrf_token": token, "text": "Parce que secret", "parent": str(comment.id)})
    [told] = of(dbsession, people["alice"], "notes.reply")
    assert told.title == "bob answered your comment on “Cours 1”"
    assert told.link == f"/videos/{video.id}#note-{comment.id}" and "secret" not in told.text
    assert of(dbsession, people["bob"]) == []


def test_a_new_additional_owner_is_told_and_the_one_sharing_is_not(video, people, make_testapp, dbsession):
    owner = browser(make_testapp, "owner")
    form = owner.get(f"/videos/{video.id}/edit").forms["video-edit"]
    form["owners"] = "coowner bob owner"
    form.submit(status=302)
    [told] = of(dbsession, people["bob"], "video.shared")
    assert told.title == "owner made you an owner of “Cours 1”" and told.link == f"/videos/{video.id}"
    assert of(dbsession, people["coowner"], "video.shared") == []  # already an owner
    assert of(dbsession, people["owner"]) == []


# --- preferences -----------------------------------------------------------------------------------


def test_the_preferences_page_lists_every_kind_and_saves_choices(people, make_testapp, dbsession):
    bob = browser(make_testapp, "bob")
    page = bob.get("/notifications/preferences")
    for label in ("A video of mine is ready", "Someone answers my comment", "A video is shared with me"):
        assert label in page.text
    form = next(f for f in page.forms.values() if "video.ready:email" in f.fields)
    assert form["video.ready:email"].checked and form["video.ready:in_app"].checked
    form["video.ready:email"] = False
    form.submit(status=303)
    choice = dbsession.get(NotificationPreference, (people["bob"].id, "video.ready"))
    assert (choice.in_app, choice.email) == (True, False)
    form = next(f for f in bob.get("/notifications/preferences").forms.values() if "video.ready:email" in f.fields)
    assert not form["video.ready:email"].checked and form["video.ready:in_app"].checked


def test_email_off_sends_none_and_the_list_is_still_filled(people, make_request, make_testapp, site, dbsession, tm):
    bob = people["bob"]
    dbsession.add(NotificationPreference(user_id=bob.id, kind="video.shared", in_app=True, email=False))
    dbsession.add(NotificationPreference(user_id=bob.id, kind="video.ready", in_app=False, email=True))
    dbsession.add(NotificationPreference(user_id=bob.id, kind="video.failed", in_app=False, email=False))
    request = make_request(site, bob)
    shared = notify(request, bob, "video.shared", "Shared", "/videos/1")
    mailed_only = notify(request, bob, "video.ready", "Ready", "/videos/1")
    assert notify(request, bob, "video.failed", "Failed", "/videos/1") is None
    assert shared.in_app and shared.mail_state == "none"
    assert not mailed_only.in_app and mailed_only.mail_state == "queued"
    assert queued_mails(tm) == [mailed_only.id]
    page = browser(make_testapp, "bob").get("/notifications")
    assert "Shared" in page.text and "Ready" not in page.text


def test_a_user_without_an_address_gets_no_mail_and_an_unknown_kind_nothing(site, make_user, make_request, tm):
    carol = make_user(site, "carol", password=PASSWORD)
    request = make_request(site, carol)
    told = notify(request, carol, "video.ready", "Ready", "/videos/1")
    assert told.in_app and told.mail_state == "none" and queued_mails(tm) == []
    assert notify(request, carol, "nobody.declares.this", "?", "") is None


# --- the page, the header's count, marking read ----------------------------------------------------


def told(request, user, n: int) -> list[Notification]:
    return [notify(request, user, "video.ready", f"Message {i}", f"/videos/{i}") for i in range(n)]


def test_the_page_lists_newest_first_and_the_header_counts_unread(people, make_request, make_testapp, site):
    bob_user = people["bob"]
    told(make_request(site, bob_user), bob_user, 3)
    bob = browser(make_testapp, "bob")
    home = bob.get("/")
    link = home.html.select_one(".account a[href$='/notifications']")
    assert link.select_one(".badge").text == "3" and "(3 unread)" in link.select_one(".visually-hidden").text
    page = bob.get("/notifications")
    titles = [p.text.strip() for p in page.html.select(".notify-title a")]
    assert titles == ["Message 2", "Message 1", "Message 0"]
    assert "3 unread notifications." in page.text
    assert browser(make_testapp, "alice").get("/").html.select_one(".account a[href$='/notifications'] .badge") is None


def test_marking_one_and_all_read_needs_the_csrf_token(people, make_request, make_testapp, site, dbsession):
    bob_user = people["bob"]
    first, second, third = told(make_request(site, bob_user), bob_user, 3)
    bob = browser(make_testapp, "bob")
    bob.post(f"/notifications/{first.id}/read", {}, status=400)
    token = bob.csrf_token("/notifications")
    bob.post(f"/notifications/{first.id}/read", {"csrf_token": token}, status=303)
    assert first.read_at is not None
    assert "2 unread notifications." in bob.get("/notifications").text
    bob.post("/notifications/read-all", {"csrf_token": token}, status=303)
    assert "0 unread notifications." in bob.get("/notifications").text
    assert bob.get("/").html.select_one(".account .badge") is None


def test_the_page_is_paged(people, make_request, make_testapp, site):
    bob_user = people["bob"]
    told(make_request(site, bob_user), bob_user, 21)
    bob = browser(make_testapp, "bob")
    first = bob.get("/notifications")
    assert len(first.html.select(".notify-item")) == 20 and first.html.select_one("a[rel=next]")
    second = bob.get("/notifications?page=2")
    assert [p.text.strip() for p in second.html.select(".notify-title a")] == ["Message 0"]


def test_signed_out_visitors_are_sent_to_sign_in(make_testapp, site):
    assert "/login" in make_testapp("a.test").get("/notifications", status=302).location


# --- the API ---------------------------------------------------------------------------------------


def test_the_api_lists_with_the_unread_count_and_marks_read(people, make_request, make_testapp, site):
    bob_user = people["bob"]
    first, second = told(make_request(site, bob_user), bob_user, 2)
    bob = browser(make_testapp, "bob")
    listed = bob.get("/api/v1/notifications").json
    assert listed["unread"] == 2 and listed["total"] == 2
    assert [i["title"] for i in listed["items"]] == ["Message 1", "Message 0"]
    assert listed["items"][0]["link"] == "http://a.test/videos/1" and listed["items"][0]["read_at"] is None
    token = {"X-CSRF-Token": bob.csrf_token("/notifications")}
    marked = bob.post(f"/api/v1/notifications/{first.id}/read", headers=token).json
    assert marked["id"] == first.id and marked["read_at"]
    assert bob.get("/api/v1/notifications").json["unread"] == 1
    assert bob.post("/api/v1/notifications/read", headers=token).json == {"marked": 1, "unread": 0}
    assert make_testapp("a.test").get("/api/v1/notifications", status=401).json["errno"] == "unauthorized"


# --- access ----------------------------------------------------------------------------------------


def test_nobody_sees_or_marks_anothers_notifications(people, make_request, make_testapp, site, dbsession):
    [mine] = told(make_request(site, people["bob"]), people["bob"], 1)
    alice = browser(make_testapp, "alice")
    assert "Message 0" not in alice.get("/notifications").text
    assert alice.get("/api/v1/notifications").json["items"] == []
    token = alice.csrf_token("/notifications")
    alice.post(f"/notifications/{mine.id}/read", {"csrf_token": token}, status=404)
    alice.post(f"/api/v1/notifications/{mine.id}/read", headers={"X-CSRF-Token": token}, status=404)
    dbsession.refresh(mine)
    assert mine.read_at is None


def test_a_notification_stays_on_its_site(people, make_site, make_user, make_request, make_testapp, site, dbsession):
    other = make_site("b")
    namesake = make_user(other, "bob", password=PASSWORD, email="bob@example.org")
    [mine] = told(make_request(site, people["bob"]), people["bob"], 1)
    assert notify(make_request(other, namesake), people["bob"], "video.ready", "Elsewhere", "") is None
    b_bob = browser(make_testapp, "bob", host="b.test")
    assert b_bob.get("/api/v1/notifications").json["items"] == []
    assert b_bob.get("/").html.select_one(".account .badge") is None
    token = b_bob.csrf_token("/notifications")
    b_bob.post(f"/notifications/{mine.id}/read", {"csrf_token": token}, status=404)


def test_the_pages_speak_french(people, make_request, make_testapp, site):
    told(make_request(site, people["bob"]), people["bob"], 2)
    bob = make_testapp("a.test")
    bob.extra_environ["HTTP_ACCEPT_LANGUAGE"] = "fr-FR,fr"
    bob.sign_in("bob", PASSWORD)
    page = bob.get("/notifications")
    assert "2 notifications non lues." in page.text and "Tout marquer comme lu" in page.text
    assert "(2 non lues)" in page.html.select_one(".account a[href$='/notifications'] .visually-hidden").text
    prefs = bob.get("/notifications/preferences").text
    assert (
        "Une de mes vidéos est prête" in prefs
        and "Par courriel" in prefs
        and "Quelqu’un répond à mon commentaire" in prefs
    )
