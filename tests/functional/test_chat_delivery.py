"""Real-time delivery through real hubs: the embedded hub that ``amphi serve`` supervises, and two nginx
nodes with Nchan on one Redis. The application stores, commits, then publishes; subscribers get it."""

import time
import urllib.request

import pytest

from core.testing import free_port, serving, temporary_database  # noqa: F401  (temporary_database: runs on both databases)
from plugins.chat.delivery import PUBLISH_SECRET_HEADER, channel, make_token
from plugins.chat.testing import EventStream, nchan_nodes, wait_for_hub
from tests.chatting import chat_installation, http_session


@pytest.fixture(scope="module")
def installation(tmp_path_factory):
    with chat_installation(tmp_path_factory.mktemp("chat")) as made:
        yield made


def post_message(session, base, room, text):
    state = session.get(f"{base}/chat/rooms/{room}").json()
    answer = session.post(
        f"{base}/chat/rooms/{room}/messages", json={"text": text}, headers={"X-CSRF-Token": state["csrf_token"]}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["message"], state


def publish(url, chan, secret, body=b"{}"):
    request = urllib.request.Request(
        f"{url}/chat/pub/{chan}", data=body, method="POST", headers={PUBLISH_SECRET_HEADER: secret}
    )
    try:
        return urllib.request.urlopen(request, timeout=5).status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_the_embedded_hub_that_amphi_serve_supervises_delivers_each_committed_message(installation):
    ini = installation.ini()
    with serving(ini, installation.folder) as base:
        wait_for_hub(installation.hub_port)
        alice, bob = http_session(base, "alice"), http_session(base, "bob")
        room = installation.room
        subscribe = bob.get(f"{base}/chat/rooms/{room}").json()["subscribe"]["url"]
        assert subscribe.startswith(
            f"http://127.0.0.1:{installation.hub_port}/chat/sub/s{installation.site_id}-{room}?t="
        )
        stream = EventStream(subscribe)
        assert stream.status == 200
        began = time.monotonic()
        message, state = post_message(alice, base, room, "<b>Bonjour</b>")
        event = stream.events(1)[0]
        assert time.monotonic() - began < 1.0
        assert event["type"] == "message" and event["id"] == message["id"] and "&lt;b&gt;" in event["html"]
        alice.post(
            f"{base}/chat/rooms/{room}/messages/{message['id']}/delete", headers={"X-CSRF-Token": state["csrf_token"]}
        )
        deleted = stream.events(1)[0]
        assert deleted["type"] == "delete" and deleted["id"] == message["id"]
        late = EventStream(subscribe)  # a late joiner gets the last events
        assert [e["type"] for e in late.events(2)] == ["message", "delete"]
        resumed = EventStream(subscribe, last_event_id=event["_id"])  # a reconnection gets only what it missed
        assert [e["type"] for e in resumed.events(1)] == ["delete"]
        for s in (stream, late, resumed):
            s.close()
        chan = channel(installation.site_id, room)
        hub = f"http://127.0.0.1:{installation.hub_port}"
        assert EventStream(f"{hub}/chat/sub/{chan}").status == 403  # no token
        assert EventStream(f"{hub}/chat/sub/{chan}?t=9999999999.AAAAAAAAAAAAAAAAAAAAAAAA").status == 403  # forged
        expired = make_token(installation.settings, chan, -1)
        assert EventStream(f"{hub}/chat/sub/{chan}?t={expired}").status == 403
        assert publish(hub, chan, "not the secret") == 403  # nobody but the application publishes


def test_two_nginx_nodes_with_nchan_on_redis_share_the_channels(installation):
    app_port = free_port()
    with nchan_nodes(installation.folder, app_port, count=2) as (first, second):
        ini = installation.ini(
            **{
                "amphi.chat.hub": "nchan",
                "amphi.chat.publish_url": f"http://127.0.0.1:{first}",
                "amphi.chat.subscribe_url": f"http://127.0.0.1:{second}",
            }
        )
        with serving(ini, installation.folder, port=app_port) as base:
            alice, bob = http_session(base, "alice"), http_session(base, "bob")
            room = installation.room
            subscribe = bob.get(f"{base}/chat/rooms/{room}").json()["subscribe"]["url"]
            assert subscribe.startswith(f"http://127.0.0.1:{second}/chat/sub/")
            stream = EventStream(subscribe)  # nginx asked the application (/chat/auth) before admitting it
            assert stream.status == 200
            began = time.monotonic()
            message, _ = post_message(alice, base, room, "par Redis")  # published through the first node
            event = stream.events(1)[0]
            assert time.monotonic() - began < 1.0 and event["id"] == message["id"] and event["text"] == "par Redis"
            assert EventStream(subscribe.replace(f":{second}/", f":{first}/")).events(1)[0]["id"] == message["id"]
            chan = channel(installation.site_id, room)
            for refused in (f"/chat/sub/{chan}", f"/chat/sub/{chan}?t=9999999999.AAAAAAAAAAAAAAAAAAAAAAAA"):
                assert EventStream(f"http://127.0.0.1:{second}{refused}").status == 403
            stream.close()
