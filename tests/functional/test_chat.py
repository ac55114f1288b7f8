"""The chat plugin: posting, limits, escaping, moderation, questions, exports, access per room and site,
the subscription authorisation, the live plugin's hooks (through a stand-in) and the replay."""

import csv
import io
import json
from datetime import timedelta

import pluggy
import pytest
from pyramid.threadlocal import RequestContext
from sqlalchemy import func, select

from core import hookimpl
from core.models import utcnow
from core.pagecache.generation import forget_pending_changes, has_pending_changes
from plugins.chat.delivery import channel, make_token
from plugins.chat.models import ChatMessage, ChatQuestion, ChatRoom

PASSWORD = "a long password 1"
hookspec = pluggy.HookspecMarker("amphi")


class LiveSpecs:
    """The hooks the live plugin declares (its contract with the chat)."""

    @staticmethod
    @hookspec
    def amphi_live_aside(request, event):
        """Fragments beside the live player."""

    @staticmethod
    @hookspec
    def amphi_live_replay(request, event, video_id):
        """The replay video of an event exists."""


class LiveStandIn:
    """Stands in for the live plugin: declares its hooks and hosts the rooms ``event-<id>`` of site A."""

    AMPHI_HOOKSPECS = LiveSpecs
    events: dict = {}

    @hookimpl(optionalhook=True)
    def amphi_chat_room_access(self, request, room):
        event = self.events.get(room)
        if event is None or request.site.id != event["site_id"]:
            return None
        owner = request.user is not None and request.user.username == "owner"
        return {
            "read": event.get("public", True) or request.user is not None,
            "write": request.user is not None,
            "moderate": owner,
            "title": "Soutenance",
            "url": f"http://a.test/events/{room}",
            "open": event.get("open", True),
            "questions": True,
        }


@pytest.fixture
def people(site, make_user):
    roles = {"owner": "staff", "alice": "user", "bob": "user", "carol": "user"}
    return {name: make_user(site, name, role=role, password=PASSWORD) for name, role in roles.items()}


@pytest.fixture
def live(app, register_plugin, site, people):
    standin = LiveStandIn()
    declared = getattr(app.registry.plugins.pm.hook, "amphi_live_aside", None)
    if declared is not None and declared.spec is not None:
        standin.AMPHI_HOOKSPECS = None  # the live plugin is installed: its hooks are declared already
    standin.events = {"event-1": {"site_id": site.id}, "event-2": {"site_id": site.id, "public": False}}
    register_plugin(standin, "live_standin")
    site.enabled_plugins = site.enabled_plugins + ["live_standin"]
    return standin


@pytest.fixture
def browsers(make_testapp, people, live):
    made = {None: make_testapp()}
    for name in people:
        made[name] = make_testapp()
        made[name].sign_in(name, PASSWORD)
    return made


def state(app, room="event-1", status=200):
    return app.get(f"/chat/rooms/{room}", headers={"Accept": "application/json"}, status=status)


def send(app, path, body=None, room="event-1", status=200):
    token = state(app, room).json.get("csrf_token", "")
    return app.post_json(f"/chat/rooms/{room}{path}", body or {}, headers={"X-CSRF-Token": token}, status=status)


def say(app, text, room="event-1", status=201):
    return send(app, "/messages", {"text": text}, room, status)


def test_a_message_is_stored_and_read_by_everyone_escaped_with_safe_links(browsers, dbsession):
    text = (
        '<script>alert(1)</script><b>gras</b> voir https://exemple.org/a?b=1&c=2. et javascript:alert(2) <a href="x">'
    )
    posted = say(browsers["alice"], text).json["message"]
    assert posted["text"] == text  # stored as typed
    html = posted["html"]
    assert "<script" not in html and "<b>" not in html and "&lt;script&gt;" in html
    assert '<a href="https://exemple.org/a?b=1&amp;c=2" rel="nofollow noopener ugc" target="_blank">' in html
    assert 'href="javascript' not in html and 'href="x"' not in html
    anonymous = state(browsers[None]).json
    assert [m["text"] for m in anonymous["messages"]] == [text] and anonymous["access"]["write"] is False
    assert "csrf_token" not in anonymous and anonymous["subscribe"]["url"].startswith("http://a.test:8090/chat/sub/s")
    assert dbsession.scalar(select(func.count(ChatMessage.id))) == 1


def test_bad_messages_get_a_clear_error_and_change_nothing(browsers, dbsession):
    alice = browsers["alice"]
    token = state(alice).json["csrf_token"]
    huge = alice.post_json(
        "/chat/rooms/event-1/messages", {"text": "x" * 100_000}, headers={"X-CSRF-Token": token}, status=413
    )
    assert "at most 500 characters" in huge.json["message"]
    too_long = say(alice, "é" * 501, status=400).json
    assert "At most 500 characters." in too_long["info"]["fields"]["text"]
    assert say(alice, "  \u202e\u200b\t ", status=400).json["info"]["fields"]["text"] == "Write something first."
    say(alice, "é" * 500)
    form = alice.post(
        "/chat/rooms/event-1/messages",
        {"text": "sans script", "csrf_token": token},
        headers={"Accept": "text/html"},
        status=303,
    )
    assert form.location == "http://a.test/events/event-1"  # a form sent without the script goes back to the page
    anonymous = browsers[None]
    refused = anonymous.post_json(
        "/chat/rooms/event-1/messages",
        {"text": "anonyme"},
        headers={"X-CSRF-Token": anonymous.csrf_token()},
        status=403,
    )
    assert refused.json["message"] == "Sign in to write in this chat."
    alice.post_json("/chat/rooms/event-1/messages", {"text": "no token"}, status=400)  # CSRF
    assert dbsession.scalar(select(func.count(ChatMessage.id))) == 2


def test_a_flood_from_one_user_stops_at_the_limit_per_minute(browsers, app, monkeypatch, dbsession):
    monkeypatch.setitem(app.registry.settings, "amphi.chat.per_minute", "3")
    for number in range(3):
        say(browsers["alice"], f"message {number}")
    refused = say(browsers["alice"], "one too many", status=429).json
    assert refused["errno"] == "rate-limited"
    say(browsers["bob"], "bob is not slowed by alice")
    assert dbsession.scalar(select(func.count(ChatMessage.id))) == 4


def test_slow_mode_spaces_a_persons_messages_but_not_the_moderators(browsers):
    owner, alice = browsers["owner"], browsers["alice"]
    assert send(owner, "/settings", {"slow_seconds": 30}).json == {
        "open": True,
        "slow_seconds": 30,
        "anonymous_read": True,
    }
    say(alice, "first")
    assert "one message every 30 seconds" in say(alice, "second", status=429).json["message"]
    say(owner, "the speaker")
    say(owner, "is never slowed")
    send(alice, "/settings", {"slow_seconds": 0}, status=403)
    assert send(owner, "/settings", {"slow_seconds": 99999}, status=400).json["info"]["fields"]["slow_seconds"]


def test_moderators_delete_hide_and_close(browsers, people, dbsession):
    owner, alice, bob = browsers["owner"], browsers["alice"], browsers["bob"]
    first = say(alice, "un message")
    rude = say(bob, "grossier").json["message"]
    send(alice, f"/messages/{rude['id']}/delete", status=403)  # not hers
    send(owner, f"/messages/{rude['id']}/delete")
    assert [m["text"] for m in state(alice).json["messages"]] == ["un message"]
    assert dbsession.get(ChatMessage, rude["id"]).deleted_by_id == people["owner"].id  # kept for the export
    send(alice, f"/messages/{first.json['message']['id']}/delete")  # an author deletes their own
    say(alice, "encore")
    send(owner, f"/users/{people['alice'].id}/hide", {"hidden": True})
    assert state(bob).json["messages"] == [] and state(browsers[None]).json["messages"] == []
    seen_by_owner = state(owner).json["messages"]
    assert [(m["text"], m["hidden"]) for m in seen_by_owner] == [("encore", True)]
    assert "stopped your messages" in say(alice, "me revoilà", status=403).json["message"]
    send(alice, f"/users/{people['bob'].id}/hide", status=403)
    send(owner, f"/users/{people['alice'].id}/hide", {"hidden": False})
    say(alice, "merci")
    send(owner, "/settings", {"open": False})
    assert state(alice).json["access"]["open"] is False
    assert say(bob, "fermé ?", status=403).json["message"] == "This chat is closed."
    say(owner, "the moderator still writes")
    send(owner, "/settings", {"open": True})
    say(bob, "rouvert")


def test_questions_are_asked_voted_once_and_answered(browsers, dbsession):
    alice, bob, carol, owner = (browsers[n] for n in ("alice", "bob", "carol", "owner"))
    first = send(alice, "/questions", {"text": "Pourquoi ?"}, status=201).json["question"]
    second = send(bob, "/questions", {"text": "Comment ?"}, status=201).json["question"]
    for voter in (alice, carol):
        assert send(voter, f"/questions/{second['id']}/vote", {"up": True}).json["question"]["votes"] == 1 + (
            voter is carol
        )
    assert send(carol, f"/questions/{second['id']}/vote", {"up": True}).json["question"]["votes"] == 2  # once per user
    assert send(carol, f"/questions/{first['id']}/vote", {"up": True}).json["question"]["votes"] == 1
    assert send(carol, f"/questions/{first['id']}/vote", {"up": False}).json["question"]["votes"] == 0
    assert send(carol, f"/questions/{first['id']}/vote", {"up": False}).json["question"]["votes"] == 0
    listing = state(owner).json
    assert [q["text"] for q in listing["questions"]] == ["Comment ?", "Pourquoi ?"]
    assert state(carol).json["my_votes"] == [second["id"]]
    send(alice, f"/questions/{second['id']}/answered", {"answered": True}, status=403)
    send(owner, f"/questions/{second['id']}/answered", {"answered": True})
    assert [q["text"] for q in state(bob).json["questions"]] == ["Pourquoi ?", "Comment ?"]  # answered ones last
    browsers[None].post_json(
        f"/chat/rooms/event-1/questions/{first['id']}/vote", {"up": True}, status=400
    )  # no session, no CSRF token
    send(owner, f"/questions/{first['id']}/delete")
    assert [q["text"] for q in state(bob).json["questions"]] == ["Comment ?"]
    assert dbsession.scalar(select(ChatQuestion.votes).where(ChatQuestion.id == second["id"])) == 2


def test_moderators_export_messages_and_questions(browsers, people):
    owner, alice = browsers["owner"], browsers["alice"]
    say(alice, '=HYPERLINK("http://evil")')
    deleted = say(alice, "oups").json["message"]
    send(owner, f"/messages/{deleted['id']}/delete")
    send(alice, "/questions", {"text": "Une question ?"}, status=201)
    data = owner.get("/chat/rooms/event-1/export.json").json
    assert [(m["text"], m["deleted_by"]) for m in data["messages"]] == [
        ('=HYPERLINK("http://evil")', ""),
        ("oups", "owner"),
    ]
    assert data["questions"][0]["text"] == "Une question ?" and data["title"] == "Soutenance"
    table = owner.get("/chat/rooms/event-1/export.csv")
    assert table.headers["Content-Disposition"] == 'attachment; filename="chat-event-1.csv"'
    rows = list(csv.DictReader(io.StringIO(table.text.lstrip("\ufeff"))))
    assert rows[0]["text"] == '\'=HYPERLINK("http://evil")'  # a spreadsheet does not run it
    assert [r["kind"] for r in rows] == ["message", "message", "question"] and rows[1]["deleted_by"] == "owner"
    alice.get("/chat/rooms/event-1/export.csv", status=403)
    browsers[None].get("/chat/rooms/event-1/export.json", headers={"Accept": "application/json"}, status=403)


def test_access_is_asked_for_each_room_and_never_crosses_sites(
    browsers, make_site, make_user, make_video, make_testapp, people
):
    state(browsers[None], "event-2", status=404)  # signed-in readers only
    assert state(browsers["bob"], "event-2").json["access"]["write"] is True
    state(browsers["alice"], "event-99", status=404)
    state(browsers["alice"], "nonsense", status=404)
    b = make_site("b")
    other_owner = make_user(b, "owner", role="staff", password=PASSWORD)
    other = make_video(b, other_owner, "Vidéo de B", status="ready", access="public")
    visitor = make_testapp("b.test")
    visitor.sign_in("owner", PASSWORD)
    state(visitor, "event-1", status=404)  # site A's event
    visitor.post(
        f"/videos/{other.id}/chat",
        {"enabled": "1", "csrf_token": visitor.csrf_token(f"/videos/{other.id}")},
        status=303,
    )
    state(visitor, f"video-{other.id}")
    state(browsers["owner"], f"video-{other.id}", status=404)  # site B's video, asked from site A
    send(browsers["owner"], "/settings", {"anonymous_read": False})
    state(browsers[None], status=404)
    assert state(browsers["alice"]).json["access"]["anonymous_read"] is False


def test_a_chat_beside_a_video_is_the_owners_choice(browsers, people, site, make_video, dbsession):
    video = make_video(site, people["owner"], "Cours", status="ready", access="public")
    state(browsers["alice"], f"video-{video.id}", status=404)
    page = browsers["owner"].get(f"/videos/{video.id}")
    assert "Turn the chat on" in page.text and "data-chat" not in page.text
    browsers["owner"].post(
        f"/videos/{video.id}/chat",
        {"enabled": "1", "csrf_token": browsers["owner"].csrf_token(f"/videos/{video.id}")},
        status=303,
    )
    browsers["alice"].post(
        f"/videos/{video.id}/chat",
        {"enabled": "0", "csrf_token": browsers["alice"].csrf_token(f"/videos/{video.id}")},
        status=403,
    )
    widget = browsers[None].get(f"/videos/{video.id}").html.select_one("[data-chat]")
    assert widget["data-room"] == f"video-{video.id}" and widget.select_one("label").text == "Your message"
    assert widget.select_one("[aria-live=polite]") is not None and json.loads(widget["data-i18n"])["vote"] == "Vote"
    french = browsers[None].get(f"/videos/{video.id}", headers={"Accept-Language": "fr"}).html.select_one("[data-chat]")
    assert french.select_one("label").text == "Votre message" and json.loads(french["data-i18n"])["vote"] == "Voter"
    anonymous = state(browsers[None], f"video-{video.id}").json["access"]
    assert anonymous["read"] and not anonymous["write"] and not anonymous["moderate"]
    say(browsers["alice"], "Bonjour", room=f"video-{video.id}")
    assert state(browsers["owner"], f"video-{video.id}").json["access"]["moderate"] is True
    video.access = "draft"
    dbsession.flush()
    state(browsers["alice"], f"video-{video.id}", status=404)  # who may not watch does not read


def test_nginx_asks_before_each_subscription(browsers, app, site):
    chan = channel(site.id, "event-1")
    good = state(browsers[None]).json["subscribe"]["url"].split("/chat/sub/")[1]

    def auth(uri, status):
        return browsers[None].get("/chat/auth", headers={"X-Original-URI": uri}, status=status)

    auth(f"/chat/sub/{good}", 204)
    auth(f"/chat/sub/{chan}", 403)  # no token
    auth(f"/chat/sub/{chan}?t=9999999999.forged", 403)
    expired = make_token(app.registry.settings, chan, -10)
    auth(f"/chat/sub/{chan}?t={expired}", 403)
    other_room = make_token(app.registry.settings, channel(site.id, "event-2"), 600)
    auth(f"/chat/sub/{chan}?t={other_room}", 403)
    other_site = channel(site.id + 1000, "event-1")
    auth(f"/chat/sub/{other_site}?t={make_token(app.registry.settings, other_site, 600)}", 403)


def test_events_are_published_only_after_the_commit(browsers, tm):
    say(browsers["alice"], "après le commit")
    hooks = [hook for hook, args, kwargs in tm.get().getAfterCommitHooks()]
    assert any(getattr(h, "__qualname__", "").startswith("publish_after_commit") for h in hooks)


def test_the_chat_sits_beside_the_live_player_and_follows_into_the_replay(
    browsers, live, make_request, site, people, make_video, dbsession
):
    request = make_request(site, people["alice"])
    event = {
        "id": 1,
        "room": "event-1",
        "state": "live",
        "title": "Soutenance",
        "is_owner": False,
        "started_at": utcnow() - timedelta(minutes=5),
    }
    with RequestContext(request):
        asides = [m for answer in request.hooks.amphi_live_aside(request=request, event=event) for m in answer]
    assert len(asides) == 1 and 'data-room="event-1"' in asides[0] and 'aria-live="polite"' in asides[0]
    say(browsers["alice"], "Bravo https://exemple.org")
    room = dbsession.scalar(select(ChatRoom).where(ChatRoom.room == "event-1"))
    message = dbsession.scalar(select(ChatMessage).where(ChatMessage.room_id == room.id))
    message.created_at = event["started_at"] + timedelta(seconds=75)
    hidden = say(browsers["bob"], "caché").json["message"]
    send(browsers["owner"], f"/users/{people['bob'].id}/hide", {"hidden": True})
    video = make_video(site, people["owner"], "Replay", status="ready", access="public", duration=600.0)
    request.hooks.amphi_live_replay(request=request, event=event, video_id=video.id)
    panel = browsers[None].get(f"/videos/{video.id}").html.select_one(".chat-replay")
    link = panel.select_one("a[data-chat-seek]")
    assert (
        link["data-chat-seek"] == "75.0" and link.text == "1:15" and link["href"].endswith(f"/videos/{video.id}?t=75")
    )
    assert 'rel="nofollow noopener ugc"' in str(panel) and hidden["text"] not in panel.text

    # a moderation afterwards changes the replay's page: cached copies age (and only then)
    forget_pending_changes(dbsession)
    say(browsers["alice"], "un autre message")
    assert not has_pending_changes(dbsession)  # messages never age cached pages
    send(browsers["owner"], f"/messages/{message.id}/delete", {})
    assert has_pending_changes(dbsession)
    assert "exemple.org" not in browsers[None].get(f"/videos/{video.id}").html.select_one(".chat-replay").text


def test_amphi_serve_runs_the_embedded_hub_unless_nginx_delivers(app, monkeypatch):
    from plugins.chat import amphi_serve_processes

    [(name, argv)] = amphi_serve_processes(registry=app.registry, config_path="/etc/amphi.ini")
    assert name == "the chat hub" and argv[1:5] == ["-m", "plugins.chat.hub", "-c", "/etc/amphi.ini"]
    monkeypatch.setitem(app.registry.settings, "amphi.chat.hub", "nchan")
    assert amphi_serve_processes(registry=app.registry, config_path="/etc/amphi.ini") == []
