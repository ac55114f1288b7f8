"""The live and chat plugins together (each is tested alone against a stand-in of the other): the chat sits
beside the live player, follows the event's access and owners, and its messages follow into the replay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.models import utcnow
from plugins.chat.models import ChatMessage
from plugins.live import callbacks, keys
from plugins.live.models import LiveEvent

PASSWORD = "a long password 1"
LOOPBACK = {"REMOTE_ADDR": "127.0.0.1"}


@pytest.fixture
def people(site, make_user):
    roles = {"prof": "staff", "alice": "user"}
    return {name: make_user(site, name, role=role, password=PASSWORD) for name, role in roles.items()}


@pytest.fixture
def on_air(app, site, people, dbsession, testapp):
    """A public event on air (admitted by the RTMP callback), anonymous viewers may read its chat."""
    start = utcnow() - timedelta(minutes=1)
    event = LiveEvent(site_id=site.id, title="Soutenance", starts_at=start, ends_at=start + timedelta(hours=1))
    event.owners = [people["prof"]]
    event.access, event.chat_anonymous_read = "public", True
    dbsession.add(event)
    dbsession.flush()
    secret = callbacks.callback_secret(app.registry)
    key = keys.stream_key(app.registry.settings, event, None)
    testapp.post(f"/live/rtmp/publish?secret={secret}", {"name": key}, extra_environ=LOOPBACK, status=302)
    dbsession.flush()
    return event


def signed_in(make_testapp, name=None):
    client = make_testapp()
    if name:
        client.sign_in(name, PASSWORD)
    return client


def chat_state(client, room):
    return client.get(f"/chat/rooms/{room}", headers={"Accept": "application/json"}).json


def test_the_chat_beside_the_live_player_follows_the_event(on_air, make_testapp, dbsession):
    room = f"event-{on_air.id}"
    anonymous, alice, prof = signed_in(make_testapp), signed_in(make_testapp, "alice"), signed_in(make_testapp, "prof")
    page = anonymous.get(f"/live/events/{on_air.id}")
    widget = page.html.select_one(".live-aside [data-chat]")
    assert widget is not None and widget["data-room"] == room
    # the event's access answers for its room: anonymous viewers read, signed-in ones write, owners moderate
    assert chat_state(anonymous, room)["access"]["write"] is False
    alice_state = chat_state(alice, room)
    assert alice_state["access"]["write"] and not alice_state["access"]["moderate"]
    headers = {"X-CSRF-Token": alice_state["csrf_token"]}
    posted = alice.post_json(f"/chat/rooms/{room}/messages", {"text": "<i>Bonjour</i>"}, headers=headers, status=201)
    assert "&lt;i&gt;" in posted.json["message"]["html"]
    assert [m["text"] for m in chat_state(anonymous, room)["messages"]] == ["<i>Bonjour</i>"]
    prof_state = chat_state(prof, room)
    assert prof_state["access"]["moderate"]
    message_id = posted.json["message"]["id"]
    prof.post_json(
        f"/chat/rooms/{room}/messages/{message_id}/delete", {}, headers={"X-CSRF-Token": prof_state["csrf_token"]}
    )
    assert chat_state(anonymous, room)["messages"] == []
    assert dbsession.scalar(select(ChatMessage.id).where(ChatMessage.id == message_id)) is not None  # kept, hidden


def test_a_signed_in_event_keeps_its_chat_from_strangers(on_air, make_testapp, dbsession):
    on_air.access, on_air.chat_anonymous_read = "signed-in", False
    dbsession.flush()
    room = f"event-{on_air.id}"
    anonymous = signed_in(make_testapp)
    anonymous.get(f"/chat/rooms/{room}", headers={"Accept": "application/json"}, status=(403, 404))
    assert chat_state(signed_in(make_testapp, "alice"), room)["access"]["write"]


def test_the_rooms_messages_follow_into_the_replay(on_air, make_testapp, make_request, make_video, site, people):
    from plugins.live.views import public_event

    room = f"event-{on_air.id}"
    alice = signed_in(make_testapp, "alice")
    token = chat_state(alice, room)["csrf_token"]
    alice.post_json(f"/chat/rooms/{room}/messages", {"text": "Merci !"}, headers={"X-CSRF-Token": token}, status=201)
    replay = make_video(site, people["prof"], "Soutenance (rediffusion)", status="ready", access="public")
    request = make_request(site)
    # what the live plugin's replay task does once the video exists, with the event as it describes it
    request.hooks.amphi_live_replay(
        request=request, event=public_event(request, on_air, "ended", False), video_id=replay.id
    )
    page = signed_in(make_testapp).get(f"/videos/{replay.id}")
    lines = page.html.select(".chat-replay li")
    assert [line.select_one(".chat-text").text for line in lines] == ["Merci !"]
    assert lines[0].select_one(".chat-author").text.strip() == "alice"
