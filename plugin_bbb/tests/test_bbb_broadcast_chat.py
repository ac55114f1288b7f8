"""The chat both ways during a broadcast, and the gateway mode, with real commits: the application served
over HTTP, its tasks run by huey (immediately, as in every test), the fake server's webhooks and the fake
gateway over HTTP. Audience -> meeting after the commit, meeting -> audience escaped and once, no echo."""

import pytest
import requests
from live_site import live_bbb  # noqa: F401  (the fixture)
from sqlalchemy import select

from plugin_bbb.bridge import send_to_meeting
from plugin_bbb.broadcast_models import BbbBroadcast, BbbBroadcastMessage
from plugin_bbb.client import BbbNotBbb
from plugin_bbb.models import BbbServer
from plugin_bbb.testing import fake_gateway  # noqa: F401  (the fixture)
from plugins.live import keys
from plugins.live.models import LiveEvent


def write(live, who: dict, event_id: int, text: str) -> requests.Response:
    """``who`` (signed in) writes in the event's chat, as the widget does."""
    return requests.post(
        f"{live.base}/chat/rooms/event-{event_id}/messages", json={"text": text}, headers=who, timeout=30
    )


def carried(live, broadcast_id: int, direction: str) -> list[BbbBroadcastMessage]:
    with live.request() as request:
        query = select(BbbBroadcastMessage).where(
            BbbBroadcastMessage.broadcast_id == broadcast_id, BbbBroadcastMessage.direction == direction
        )
        rows = list(request.dbsession.scalars(query.order_by(BbbBroadcastMessage.id)))
        for row in rows:
            request.dbsession.expunge(row)
        return rows


def deliver(live) -> list:
    answers = live.fake.deliver()
    assert [a.status_code for a in answers] == [200] * len(answers)
    return answers


def test_the_audience_writes_into_the_meeting_and_its_echo_is_not_carried_back(live_bbb):
    live = live_bbb
    broadcast = live.broadcast(show_meeting_chat=True)
    student = live.sign_in("student")
    answer = write(live, student, broadcast.event_id, "Why <b>this</b>?\nAnd that?")
    assert answer.status_code == 201
    (call,) = live.fake.calls_of("sendChatMessage")  # sent after the commit, by the task
    assert call.params["userName"] == "Amphi live" and call.params["meetingID"] == live.meeting_id
    assert call.params["message"] == "Sam <Student>: Why <b>this</b>? And that?"
    (sent,) = carried(live, broadcast.id, "out")
    assert (sent.state, sent.attempts, sent.echoed) == ("sent", 1, False)
    deliver(live)  # the meeting's webhook tells of the message Amphi wrote there: an echo
    assert [m.text for m in live.room_messages(broadcast.event_id)] == ["Why <b>this</b>?\nAnd that?"]
    assert carried(live, broadcast.id, "out")[0].echoed and carried(live, broadcast.id, "in")[0].state == "echo"
    long_name = requests.post(  # a long message is cut to BigBlueButton's 500 characters
        f"{live.base}/chat/rooms/event-{broadcast.event_id}/messages",
        json={"text": "x" * 500},
        headers=student,
        timeout=30,
    )
    assert long_name.status_code == 201
    assert len(live.fake.calls_of("sendChatMessage")[-1].params["message"]) == 500


def test_the_meetings_public_chat_reaches_the_audience_escaped_and_once(live_bbb):
    live = live_bbb
    broadcast = live.broadcast(show_meeting_chat=True)
    live.fake.say(live.meeting_id, "Ada <Lovelace>", "<script>alert(1)</script> &amp; hello")
    deliveries = list(live.fake.outbox)
    deliver(live)
    for delivery in deliveries:  # bbb-webhooks retries: the same message again
        requests.post(delivery.url, data=delivery.body, headers=delivery.headers, timeout=10)
    (message,) = live.room_messages(broadcast.event_id)
    assert (message.author_id, message.speaker, message.source) == (None, "BBB · Ada <Lovelace>", "bbb")
    assert message.text == "<script>alert(1)</script> & hello"
    room = requests.get(
        f"{live.base}/chat/rooms/event-{broadcast.event_id}", headers=live.sign_in("student"), timeout=30
    )
    shown = room.json()["messages"][-1]
    assert shown["author"] == "BBB · Ada <Lovelace>" and shown["author_id"] is None and shown["source"] == "bbb"
    assert shown["html"] == "&lt;script&gt;alert(1)&lt;/script&gt; &amp; hello"
    assert live.fake.calls_of("sendChatMessage") == []  # what came from the meeting does not go back to it


def test_the_meetings_chat_is_shown_only_when_the_owner_allows_it(live_bbb):
    live = live_bbb
    broadcast = live.broadcast(show_meeting_chat=False)
    live.fake.say(live.meeting_id, "Ada", "not for the audience")
    deliver(live)
    assert live.room_messages(broadcast.event_id) == []
    owner = live.sign_in("owner")
    answer = requests.post(
        f"{live.base}/bbb/meetings/{live.meeting_row}/broadcast/chat",
        data={"show_chat": "on"},
        headers=owner,
        timeout=30,
    )
    assert "chat is shown to the audience" in answer.text
    live.fake.say(live.meeting_id, "Ada", "for the audience")
    deliver(live)
    assert [m.text for m in live.room_messages(broadcast.event_id)] == ["for the audience"]
    chat = f"{live.base}/bbb/meetings/{live.meeting_row}/broadcast/chat"
    assert requests.post(chat, headers=live.sign_in("student"), timeout=30).status_code == 403  # owners only


def test_a_meeting_chat_that_fails_is_logged_and_retried_and_never_blocks_the_chat(live_bbb, caplog):
    live = live_bbb
    broadcast = live.broadcast()
    live.fake.supports_chat = False  # an older server: no sendChatMessage (answered 404)
    answer = write(live, live.sign_in("student"), broadcast.event_id, "Hello from the audience")
    assert answer.status_code == 201 and [m.text for m in live.room_messages(broadcast.event_id)] == [
        "Hello from the audience"
    ]
    (row,) = carried(live, broadcast.id, "out")
    assert (row.state, row.attempts) == ("pending", 1) and "HTTP 404" in row.error
    assert "did not reach the meeting" in caplog.text and live.fake.secret not in caplog.text
    with pytest.raises(BbbNotBbb):  # huey's retry, a little later
        send_to_meeting.call_local(row.id)
    live.fake.supports_chat = True
    send_to_meeting.call_local(row.id)
    (row,) = carried(live, broadcast.id, "out")
    assert (row.state, row.attempts, row.error) == ("sent", 3, "")
    send_to_meeting.call_local(row.id)  # a duplicate run sends nothing more
    assert len(live.fake.calls_of("sendChatMessage")) == 1


def test_gateway_mode_starts_streams_carries_the_chat_and_stops(live_bbb, fake_gateway, app):
    live = live_bbb
    with live.request() as request:
        server = request.dbsession.get(BbbServer, live.server_id)
        server.streaming_mode, server.gateway_url, server.gateway_token = (
            "gateway",
            fake_gateway.url,
            fake_gateway.token,
        )
    owner = live.sign_in("owner")
    start = f"{live.base}/bbb/meetings/{live.meeting_row}/broadcast/start"
    answer = requests.post(
        start, data={"event": "new", "access": "public", "show_chat": "on"}, headers=owner, timeout=30
    )
    assert answer.status_code == 200 and "The broadcast is starting" in answer.text
    with live.request() as request:
        broadcast = request.dbsession.scalar(select(BbbBroadcast).where(BbbBroadcast.meeting_id == live.meeting_row))
        event = request.dbsession.get(LiveEvent, broadcast.event_id)
        key = keys.stream_key(app.registry.settings, event)
        assert (broadcast.mode, broadcast.state, event.access) == ("gateway", "on_air", "public")
        broadcast_id, event_id = broadcast.id, event.id
    started, toggled = fake_gateway.calls_of("start")[0], fake_gateway.calls_of("chat")[0]
    assert started.authorised and started.params["room"] == live.meeting_id and started.params["domain"] == "127.0.0.1"
    assert started.params["rtmpDst"] == f"rtmp://localhost:1935/live/{key}"
    assert toggled.params == {"room": live.meeting_id, "toggle": "true"}  # the chat shown in the picture too
    page = requests.get(f"{live.base}/bbb/meetings/{live.meeting_row}", headers=owner, timeout=30).text
    assert "Broadcast: on air." in page and fake_gateway.token not in page and key not in page
    assert write(live, live.sign_in("student"), event_id, "A question").status_code == 201
    assert fake_gateway.messages == [(live.meeting_id, "Sam <Student>: A question")]
    live.fake.say(live.meeting_id, "Ada", "An answer")
    deliver(live)  # the gateway's own message (an echo) and Ada's
    assert [(m.speaker, m.text) for m in live.room_messages(event_id)] == [
        ("", "A question"),
        ("BBB · Ada", "An answer"),
    ]
    stop = f"{live.base}/bbb/meetings/{live.meeting_row}/broadcast/stop"
    answer = requests.post(stop, headers=owner, timeout=30)
    assert "The broadcast is stopping" in answer.text and fake_gateway.rooms == {}
    with live.request() as request:
        broadcast = request.dbsession.get(BbbBroadcast, broadcast_id)
        assert (broadcast.state, broadcast.stop_reason, broadcast.error) == ("ended", "owner", "")
    assert [c.path for c in fake_gateway.calls] == ["start", "chat", "chat", "stop"]


def test_a_gateway_that_refuses_fails_the_broadcast_in_words(live_bbb, fake_gateway):
    live = live_bbb
    with live.request() as request:
        server = request.dbsession.get(BbbServer, live.server_id)
        server.streaming_mode, server.gateway_url, server.gateway_token = "gateway", fake_gateway.url, "a wrong token"
    owner = live.sign_in("owner")
    start = f"{live.base}/bbb/meetings/{live.meeting_row}/broadcast/start"
    page = requests.post(start, data={"event": "new", "access": "signed-in"}, headers=owner, timeout=30).text
    assert "Broadcast: failed." in page and "the gateway refused: Unauthorized" in page
    fake_gateway.behaviour = "error"
    page = requests.post(start, data={"event": "new", "access": "signed-in"}, headers=owner, timeout=30).text
    assert "the gateway answered HTTP 500, not JSON" in page and "a wrong token" not in page
