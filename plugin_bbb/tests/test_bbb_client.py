"""The BBB client against the fake server: checksums with every algorithm, every call, every documented
failure, timeouts, garbage and odd meeting IDs."""

import hashlib
import time

import pytest
import requests

from plugin_bbb.client import (
    ALGORITHMS,
    BbbChecksumError,
    BbbClient,
    BbbIdNotUnique,
    BbbInvalidMeetingId,
    BbbMeetingNotFound,
    BbbNotBbb,
    BbbRejected,
    BbbUnreachable,
    api_base,
    checksum,
)
from plugin_bbb.testing import FakeBbb, serving


def client_of(fake, algorithm="sha256", secret=None, timeout=5.0) -> BbbClient:
    return BbbClient(fake.url, fake.secret if secret is None else secret, algorithm, timeout=timeout)


def test_the_checksum_is_the_digest_of_call_query_and_secret():
    assert (
        checksum("create", "name=Test&meetingID=abc", "secret", "sha1")
        == hashlib.sha1(b"createname=Test&meetingID=abcsecret").hexdigest()
    )
    url = BbbClient("https://bbb.example.edu/bigbluebutton/", "s3cret", "sha512").url("getMeetings")
    assert (
        url
        == "https://bbb.example.edu/bigbluebutton/api/getMeetings?checksum="
        + hashlib.sha512(b"getMeetingss3cret").hexdigest()
    )
    with pytest.raises(ValueError):
        checksum("create", "", "s", "md5")


@pytest.mark.parametrize(
    "typed",
    [
        "https://b.example/bigbluebutton/",
        "https://b.example/bigbluebutton",
        "https://b.example/bigbluebutton/api",
        "https://b.example",
    ],
)
def test_the_api_address_is_found_from_what_an_admin_types(typed):
    assert api_base(typed) == "https://b.example/bigbluebutton/api/"


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_each_checksum_algorithm_is_accepted_by_a_server_configured_for_it(algorithm):
    with serving(FakeBbb(algorithms=[algorithm])) as fake:
        assert client_of(fake, algorithm).get_meetings() == []
        others = [a for a in ALGORITHMS if a != algorithm]
        with pytest.raises(BbbChecksumError) as refused:
            client_of(fake, others[0]).get_meetings()
        assert "shared secret or the checksum algorithm" in str(refused.value.words)
        assert [c.checksum_ok for c in fake.calls] == [True, False]


def test_a_wrong_secret_is_a_checksum_error(fake_bbb):
    with pytest.raises(BbbChecksumError) as refused:
        client_of(fake_bbb, secret="not the secret").get_meetings()
    assert refused.value.key == "checksumError"


def test_create_is_idempotent_and_idNotUnique_when_the_passwords_differ(fake_bbb):
    client = client_of(fake_bbb)
    info, created = client.create("room-1", "Optics", record=True, attendeePW="ap", moderatorPW="mp", welcome="Hi")
    again, created_again = client.create("room-1", "Optics", attendeePW="ap", moderatorPW="mp")
    assert created and not created_again and info.internal_id == again.internal_id
    meeting = fake_bbb.meeting("room-1")
    assert meeting.create_calls == 2 and meeting.params["record"] == "true" and meeting.params["welcome"] == "Hi"
    with pytest.raises(BbbIdNotUnique):
        client.create("room-1", "Optics", attendeePW="other", moderatorPW="mp")


def test_join_gives_the_role_asked_by_role_or_by_password(fake_bbb):
    client = client_of(fake_bbb)
    client.create("room-2", "Optics", attendeePW="ap", moderatorPW="mp")
    requests.get(client.join_url("room-2", "Ada", "MODERATOR", user_id="7", password="mp"), timeout=5)
    fake_bbb.accepts_role = False  # a server older than 2.4 reads the password only
    requests.get(client.join_url("room-2", "Sam", "VIEWER", user_id="8", password="ap"), timeout=5)
    page = requests.get(client.join_url("room-2", "Eve", "VIEWER", password="wrong"), timeout=5)
    assert "invalidPassword" in page.text
    info = client.meeting_info("room-2")
    assert [(a.full_name, a.role, a.user_id) for a in info.attendees] == [
        ("Ada", "MODERATOR", "7"),
        ("Sam", "VIEWER", "8"),
    ]
    assert info.running and info.participant_count == 2 and info.moderator_count == 1
    assert client.is_running("room-2")
    with pytest.raises(ValueError):
        client.join_url("room-2", "Eve", "ADMIN")


def test_join_lands_in_the_meeting_with_the_name_escaped(fake_bbb):
    client = client_of(fake_bbb)
    client.create("room-3", "Optics")
    page = requests.get(client.join_url("room-3", "<script>alert(1)</script>", "VIEWER", guest=True), timeout=5)
    assert page.status_code == 200 and "&lt;script&gt;" in page.text and "<script>alert" not in page.text
    assert fake_bbb.meeting("room-3").attendees[0].guest


def test_the_documented_failures_become_errors(fake_bbb):
    client = client_of(fake_bbb)
    with pytest.raises(BbbMeetingNotFound) as not_found:
        client.meeting_info("nothing-here")
    assert not_found.value.key == "notFound"
    with pytest.raises(BbbMeetingNotFound):
        client.end("nothing-here")
    assert client.is_running("nothing-here") is False
    with pytest.raises(BbbMeetingNotFound) as chat:
        client.send_chat_message("nothing-here", "hello")
    assert chat.value.key == "meetingNotFound"
    answer = requests.get(client.join_url("nothing-here", "Ada", "VIEWER"), timeout=5)
    with pytest.raises(BbbInvalidMeetingId):
        client._read(answer)
    with pytest.raises(BbbRejected) as invalid:
        client.create("a,b", "Comma")
    assert invalid.value.key == "validationError"
    with pytest.raises(BbbMeetingNotFound):
        client.publish_recordings(["no-such-record"], True)


@pytest.mark.parametrize("meeting_id", ["with space", "a&b=c+d", "été/ün", "x" * 256, "%20%", "<tag>'\""])
def test_odd_meeting_ids_travel_intact(fake_bbb, meeting_id):
    client = client_of(fake_bbb)
    info, created = client.create(meeting_id, "Odd")
    assert created and info.meeting_id == meeting_id and meeting_id in fake_bbb.meetings
    requests.get(client.join_url(meeting_id, "Ada", "MODERATOR"), timeout=5)
    assert client.meeting_info(meeting_id).meeting_id == meeting_id
    client.end(meeting_id)
    assert all(call.checksum_ok for call in fake_bbb.calls)


def test_recordings_are_listed_published_updated_and_deleted(fake_bbb):
    client = client_of(fake_bbb)
    client.create("room-4", "Optics", record=True)
    recording = fake_bbb.add_recording("room-4", formats=("presentation", "video", "podcast"), duration=2)
    (listed,) = client.get_recordings(["room-4"])
    assert listed.record_id == recording.record_id and listed.meeting_id == "room-4" and listed.published
    assert [f.type for f in listed.formats] == ["presentation", "video", "podcast"]
    assert listed.format("video").url.endswith("/video-0.m4v") and listed.end_time > listed.start_time
    assert client.get_recordings(["another-room"]) == []
    assert client.publish_recordings([recording.record_id], False) is False
    assert client.get_recordings(record_ids=[recording.record_id])[0].state == "unpublished"
    assert client.update_recordings([recording.record_id], {"amphi-video": "12"})
    assert fake_bbb.recordings[recording.record_id].metadata["amphi-video"] == "12"
    assert client.delete_recordings([recording.record_id])
    assert client.get_recordings(["room-4"]) == []


def test_the_playback_formats_are_served(fake_bbb):
    recording = fake_bbb.add_recording("room-5", formats=("presentation", "video", "podcast"), duration=2)
    video = requests.get(fake_bbb.playback_url(recording, "video"), timeout=30)
    assert video.headers["Content-Type"] == "video/mp4" and video.content[4:8] == b"ftyp"
    audio = requests.get(fake_bbb.playback_url(recording, "podcast"), timeout=30)
    assert audio.content[:4] == b"OggS"
    page = requests.get(fake_bbb.playback_url(recording, "presentation"), timeout=5).text
    assert "const duration = 2.0;" in page and "amphiPlayback" in page and "AudioContext" in page


def test_chat_messages_reach_the_public_chat(fake_bbb):
    client = client_of(fake_bbb)
    client.create("room-6", "Optics")
    client.send_chat_message("room-6", "A question from the audience", "Viewer <1>")
    assert fake_bbb.meeting("room-6").chat[0]["message"] == "A question from the audience"
    with pytest.raises(BbbRejected):
        client.send_chat_message("room-6", "x" * 501)
    fake_bbb.supports_chat = False  # BBB before 3.0
    with pytest.raises(BbbNotBbb):
        client.send_chat_message("room-6", "hello")


def test_the_webhooks_api(fake_bbb):
    client = client_of(fake_bbb)
    hook_id = client.create_hook("https://amphi.test/bbb/hooks/1/token")
    assert client.create_hook("https://amphi.test/bbb/hooks/1/token") == hook_id  # duplicateWarning
    assert [(h.hook_id, h.callback_url) for h in client.list_hooks()] == [
        (hook_id, "https://amphi.test/bbb/hooks/1/token")
    ]
    assert client.destroy_hook(hook_id)
    with pytest.raises(BbbRejected) as missing:
        client.destroy_hook(hook_id)
    assert missing.value.key == "destroyMissingHook"
    assert all(call.checksum_ok for call in fake_bbb.calls)
    assert {c.call for c in fake_bbb.calls} == {"hooks/create", "hooks/list", "hooks/destroy"}


def test_a_server_that_does_not_answer_in_time(fake_bbb):
    fake_bbb.behaviour, fake_bbb.delay = "timeout", 2.0
    started = time.monotonic()
    with pytest.raises(BbbUnreachable) as late:
        client_of(fake_bbb, timeout=0.3).get_meetings()
    assert late.value.timed_out and time.monotonic() - started < 1.5
    assert "did not answer in time" in str(late.value.words)


@pytest.mark.parametrize("behaviour", ["garbage", "other-xml", "http-error"])
def test_an_answer_that_is_not_bbb(fake_bbb, behaviour):
    fake_bbb.behaviour = behaviour
    with pytest.raises(BbbNotBbb) as wrong:
        client_of(fake_bbb).get_meetings()
    assert "not as a BigBlueButton server" in str(wrong.value.words)


def test_an_address_where_nothing_listens():
    with serving() as fake:
        url = fake.url
    with pytest.raises(BbbUnreachable) as unreachable:
        BbbClient(url, "secret", timeout=2).get_meetings()
    assert not unreachable.value.timed_out and "could not be reached" in str(unreachable.value.words)


def test_the_fake_queues_what_bbb_would_post(fake_bbb):
    client = client_of(fake_bbb)
    client.create_hook("http://amphi.test/hook")
    client.create("room-7", "Optics", **{"meta_bbb-recording-ready-url": "http://amphi.test/ready"})
    requests.get(client.join_url("room-7", "Ada", "MODERATOR"), timeout=5)
    client.end("room-7")
    recording = fake_bbb.add_recording("room-7", formats=("presentation",))
    fake_bbb.recording_ready(recording)
    kinds = [(d.kind, d.events[0]["data"]["id"] if d.events else "") for d in fake_bbb.outbox]
    assert kinds == [
        ("webhook", "meeting-created"),
        ("webhook", "user-joined"),
        ("webhook", "user-left"),
        ("webhook", "meeting-ended"),
        ("recording-ready", ""),
        ("webhook", "rap-publish-ended"),
    ]
    ready = fake_bbb.outbox[4]
    assert ready.url == "http://amphi.test/ready" and ready.body.startswith(b"signed_parameters=")
    assert fake_bbb.outbox[0].url.startswith("http://amphi.test/hook?checksum=")
    answers = fake_bbb.deliver(post=lambda delivery: delivery.kind)
    assert len(answers) == 6 and fake_bbb.outbox == []
