"""What other plugins may do with the chat (``plugins.chat.api``): post for an outside speaker (no account,
escaped like any message, cut rather than refused, never into a closed room), and learn of every message
posted (``amphi_chat_message_posted``, after the commit, in a transaction of its own)."""

from datetime import timedelta

import pytest

from core import hookimpl
from core.models import User, utcnow
from core.plugin_api import worker_request
from plugins.chat import api
from plugins.chat.exports import rows
from plugins.chat.models import ChatHiddenUser, ChatReplay, ChatRoom
from plugins.chat.replay import attach, replay_messages
from plugins.chat.rooms import room_access
from plugins.chat.service import post_message
from plugins.live.models import LiveEvent

PASSWORD = "a long password 1"


@pytest.fixture
def people(site, make_user):
    return {
        name: make_user(site, name, role=role, password=PASSWORD)
        for name, role in (("prof", "staff"), ("alice", "user"))
    }


@pytest.fixture
def room(site, people, dbsession):
    now = utcnow()
    event = LiveEvent(
        site_id=site.id, title="Soutenance", starts_at=now, ends_at=now + timedelta(hours=1), access="public"
    )
    event.owners = [people["prof"]]
    dbsession.add(event)
    dbsession.flush()
    return f"event-{event.id}"


def test_an_outside_speaker_posts_escaped_and_cut_and_is_read_like_anyone(
    make_request, make_testapp, site, people, room, dbsession, make_video
):
    request = make_request(site)
    posted = api.post_as_speaker(
        request, room, "BBB · Ada <Lovelace>\u202e", "<script>x</script>\x07 " + "y" * 600, "bbb"
    )
    assert (posted["author"], posted["author_id"], posted["source"]) == ("BBB · Ada <Lovelace>", None, "bbb")
    assert len(posted["text"]) == api.MAX_TEXT and posted["text"].endswith("…") and "\x07" not in posted["text"]
    assert posted["html"].startswith("&lt;script&gt;x&lt;/script&gt; yyy")
    alice = make_testapp()
    alice.sign_in("alice", PASSWORD)
    shown = alice.get(f"/chat/rooms/{room}").json["messages"]
    assert [(m["author"], m["author_id"], m["source"]) for m in shown] == [("BBB · Ada <Lovelace>", None, "bbb")]
    chat_room = dbsession.query(ChatRoom).filter_by(site_id=site.id, room=room).one()
    dbsession.add(ChatHiddenUser(room_id=chat_room.id, user_id=people["alice"].id, site_id=site.id))
    dbsession.flush()
    assert len(alice.get(f"/chat/rooms/{room}").json["messages"]) == 1  # hiding people never hides speakers
    messages, _questions = rows(make_request(site), chat_room)
    assert (messages[0]["author"], messages[0]["author_name"]) == ("BBB · Ada <Lovelace>", "BBB · Ada <Lovelace>")
    video = make_video(site, people["prof"])
    attach(make_request(site), {"room": room, "started_at": (utcnow() - timedelta(minutes=1)).isoformat()}, video.id)
    replay = dbsession.get(ChatReplay, video.id)
    assert [item["author"] for item in replay_messages(make_request(site), replay, None)] == ["BBB · Ada <Lovelace>"]


def test_nothing_is_posted_into_a_closed_or_unknown_room(make_request, make_site, site, room, dbsession):
    request = make_request(site)
    assert api.room_is_open(request, room)
    assert api.post_as_speaker(request, room, "BBB · Ada", "   ", "bbb") is None
    assert api.post_as_speaker(request, room, "", "hello", "bbb") is None
    assert api.post_as_speaker(request, "event-999999", "BBB · Ada", "hello", "bbb") is None
    assert api.post_as_speaker(make_request(make_site("b")), room, "BBB · Ada", "hello", "bbb") is None
    api.post_as_speaker(request, room, "BBB · Ada", "first", "bbb")
    dbsession.query(ChatRoom).filter_by(site_id=site.id, room=room).one().open = False  # its moderators closed it
    dbsession.flush()
    request = make_request(site)
    assert (
        not api.room_is_open(request, room) and api.post_as_speaker(request, room, "BBB · Ada", "late", "bbb") is None
    )


class Listener:
    """A plugin that listens to the chat's messages."""

    def __init__(self):
        self.told = []

    @hookimpl
    def amphi_chat_message_posted(self, request, room, message):
        rooms = request.dbsession.query(ChatRoom).filter_by(site_id=request.site.id, room=room).count()
        self.told.append((request.site.id, room, message["text"], message["author"], message["source"], rooms))


def test_plugins_are_told_of_each_message_after_its_commit_only(app, committed_site, register_plugin):
    site_id, owner_id = committed_site
    listener = Listener()
    register_plugin(listener, "listener")
    with worker_request(site_id) as request:
        request.site.enabled_plugins = [*request.site.enabled_plugins, "listener"]
        now = utcnow()
        event = LiveEvent(
            site_id=site_id, title="Live", starts_at=now, ends_at=now + timedelta(hours=1), access="public"
        )
        event.owners = [request.dbsession.get(User, owner_id)]
        request.dbsession.add(event)
        request.dbsession.flush()
        room = f"event-{event.id}"
    with worker_request(site_id) as request:
        request.user = request.dbsession.get(User, owner_id)
        post_message(request, room_access(request, room), "a person's message")
        api.post_as_speaker(request, room, "BBB · Ada", "a speaker's message", "bbb")
        assert listener.told == []  # not before the commit
    assert listener.told == [
        (site_id, room, "a person's message", "owner", "", 1),
        (site_id, room, "a speaker's message", "BBB · Ada", "bbb", 1),
    ]
    with pytest.raises(RuntimeError), worker_request(site_id) as request:
        api.post_as_speaker(request, room, "BBB · Ada", "rolled back", "bbb")
        raise RuntimeError("the transaction aborts")
    assert len(listener.told) == 2
