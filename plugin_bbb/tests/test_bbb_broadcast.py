"""Broadcasting a meeting into a live event, inside one test transaction: who may start and stop it, into
which event, what the page shows (never a secret nor a stream key), and what stops it: the owners, the
meeting's end (webhook or the minute watch), the streamer left alone, the event's end, a dead worker."""

from datetime import timedelta

import pytest
import requests
from bbb_helpers import browser_for, csrf, post_to
from sqlalchemy import select

from core.models import utcnow
from plugin_bbb import broadcast_watch, broadcasts
from plugin_bbb.broadcast_models import BbbBroadcast
from plugin_bbb.client import client_for
from plugin_bbb.hooks import register_hook
from plugin_bbb.models import BbbMeeting
from plugins.live import keys
from plugins.live.models import LiveEvent


def running(meeting, server, fake_bbb, *people):
    """The meeting runs on the fake server with these people in it (the owner, by default)."""
    client = client_for(server)
    client.create(
        meeting.meeting_id, meeting.name, attendeePW=meeting.attendee_password, moderatorPW=meeting.moderator_password
    )
    for number, name in enumerate(people or ("Prof",)):
        requests.get(client.join_url(meeting.meeting_id, name, "MODERATOR", user_id=str(number)), timeout=5)
    return fake_bbb.meeting(meeting.meeting_id)


def start(browser, meeting, status=303, **fields):
    token = csrf(browser.get(f"/bbb/meetings/{meeting.id}"))
    form = {"csrf_token": token, "event": "new", "access": "signed-in", **fields}
    return browser.post(f"/bbb/meetings/{meeting.id}/broadcast/start", form, status=status)


def stop(browser, meeting, status=303):
    token = csrf(browser.get(f"/bbb/meetings/{meeting.id}"))
    return browser.post(f"/bbb/meetings/{meeting.id}/broadcast/stop", {"csrf_token": token}, status=status)


def broadcasts_of(dbsession, meeting):
    dbsession.flush()
    return list(dbsession.scalars(select(BbbBroadcast).where(BbbBroadcast.meeting_id == meeting.id)))


def queued(tm) -> list:
    """What the transaction sends after its commit: ``(task, args)``."""
    return [(args[0], args[1:]) for hook, args, _kw in tm.get().getAfterCommitHooks() if args]


def on_air_broadcast(dbsession, site, meeting, people, **fields):
    """A broadcast on air into a new event on air (as a worker leaves it), without a worker by default."""
    now = utcnow()
    event = LiveEvent(site_id=site.id, title=meeting.name, starts_at=now, ends_at=now + timedelta(hours=1))
    event.owners = [people["prof"]]
    event.state, event.on_air_at = "on_air", now
    dbsession.add(event)
    dbsession.flush()
    values = {"mode": "capture", "state": "on_air", "attempts": 1, **fields}
    broadcast = BbbBroadcast(site_id=site.id, meeting_id=meeting.id, event_id=event.id, **values)
    dbsession.add(broadcast)
    dbsession.flush()
    return broadcast, event


@pytest.fixture
def meeting(make_meeting):
    return make_meeting(attendees_mode="signed-in")


def test_an_owner_starts_a_broadcast_into_a_new_event_and_no_secret_reaches_the_page(
    app, make_testapp, dbsession, site, people, server, meeting, fake_bbb, tm
):
    prof = browser_for(make_testapp, site, "prof")
    page = prof.get(f"/bbb/meetings/{meeting.id}")
    assert "Start the meeting to broadcast it live" in page.text and "Start the broadcast" not in page.text
    running(meeting, server, fake_bbb)
    page = prof.get(f"/bbb/meetings/{meeting.id}")
    assert "Start the broadcast" in page.text and "This meeting is not being broadcast." in page.text
    answer = start(prof, meeting, access="public", show_chat="on").follow()
    (broadcast,) = broadcasts_of(dbsession, meeting)
    assert (broadcast.mode, broadcast.state, broadcast.show_meeting_chat) == ("capture", "starting", True)
    event = dbsession.get(LiveEvent, broadcast.event_id)
    assert (event.title, event.access, event.state) == ("Optics <live>", "public", "scheduled")
    assert [o.username for o in event.owners] == ["prof"] and event.starts_at <= utcnow() < event.ends_at
    assert (broadcasts.launch, (broadcast.id, "capture")) in queued(tm)  # the streamer starts after the commit
    assert "The broadcast is starting" in answer.text and "Broadcast: starting." in answer.text
    assert f"/live/events/{event.id}" in answer.text and "Stop the broadcast" in answer.text
    assert "Optics &lt;live&gt;" in answer.text
    state = prof.get(f"/bbb/meetings/{meeting.id}/broadcast").json
    assert state == {
        "state": "starting",
        "label": "Broadcast: starting.",
        "event_url": f"http://a.test/live/events/{event.id}",
    }
    key = keys.stream_key(app.registry.settings, event)
    for text in (answer.text, str(state)):
        assert server.secret not in text and key not in text and "checksum" not in text
    french = prof.get(f"/bbb/meetings/{meeting.id}", headers={"Accept-Language": "fr"}).text
    assert "Diffusion : démarrage." in french and "Arrêter la diffusion" in french
    start(prof, meeting)  # a second start while it runs is refused
    assert len(broadcasts_of(dbsession, meeting)) == 1
    assert "The meeting is being broadcast already." in prof.get(f"/bbb/meetings/{meeting.id}").text


def test_only_owners_start_and_stop_and_only_a_running_meeting(
    make_testapp, dbsession, site, people, server, meeting, fake_bbb
):
    meeting.moderators, meeting.attendees_mode, meeting.attendees = [people["colleague"]], "listed", [people["student"]]
    student, colleague = browser_for(make_testapp, site, "student"), browser_for(make_testapp, site, "colleague")
    page = student.get(f"/bbb/meetings/{meeting.id}")
    assert "Live broadcast" not in page.text  # shown to the others once there is one
    prof = browser_for(make_testapp, site, "prof")
    answer = start(prof, meeting).follow()  # not running yet
    assert "only a meeting in progress is broadcast" in answer.text and broadcasts_of(dbsession, meeting) == []
    running(meeting, server, fake_bbb)
    for browser in (student, colleague):
        start(browser, meeting, status=403)
    start(prof, meeting)
    (broadcast,) = broadcasts_of(dbsession, meeting)
    for browser in (student, colleague):
        stop(browser, meeting, status=403)
        token = csrf(browser.get(f"/bbb/meetings/{meeting.id}"))
        browser.post(f"/bbb/meetings/{meeting.id}/broadcast/chat", {"csrf_token": token}, status=403)
    page = student.get(f"/bbb/meetings/{meeting.id}").text
    assert "Broadcast: starting." in page and "Stop the broadcast" not in page and "Watch the live event" in page
    assert student.get(f"/bbb/meetings/{meeting.id}/broadcast").json["state"] == "starting"
    browser_for(make_testapp, site, "outsider").get(f"/bbb/meetings/{meeting.id}/broadcast", status=403)
    stop(prof, meeting)
    assert broadcast.state == "ended" and broadcast.stop_reason == "owner"  # nobody held it: ended at once


def test_an_owner_may_broadcast_into_one_of_their_events_whose_window_is_open(
    make_testapp, dbsession, site, people, server, meeting, fake_bbb, make_meeting
):
    now = utcnow()
    mine = LiveEvent(
        site_id=site.id, title="My lecture", starts_at=now + timedelta(minutes=10), ends_at=now + timedelta(hours=1)
    )
    later = LiveEvent(
        site_id=site.id, title="Next week", starts_at=now + timedelta(days=7), ends_at=now + timedelta(days=7, hours=1)
    )
    theirs = LiveEvent(site_id=site.id, title="Theirs", starts_at=now, ends_at=now + timedelta(hours=1))
    mine.owners, later.owners, theirs.owners = [people["prof"]], [people["prof"]], [people["colleague"]]
    dbsession.add_all([mine, later, theirs])
    dbsession.flush()
    running(meeting, server, fake_bbb)
    prof = browser_for(make_testapp, site, "prof")
    page = prof.get(f"/bbb/meetings/{meeting.id}")
    assert "My event: My lecture" in page.text and "Next week" not in page.text and "Theirs" not in page.text
    for refused in (theirs.id, later.id, "nonsense"):
        answer = start(prof, meeting, event=str(refused)).follow()
        assert "Choose one of your live events whose broadcast may start now." in answer.text
    assert broadcasts_of(dbsession, meeting) == []
    start(prof, meeting, event=str(mine.id))
    (broadcast,) = broadcasts_of(dbsession, meeting)
    other = make_meeting(name="Another meeting")
    running(other, server, fake_bbb)
    answer = start(prof, other, event=str(mine.id)).follow()  # one broadcast per event
    assert "Choose one of your live events" in answer.text and broadcasts_of(dbsession, other) == []
    assert (
        broadcast.event_id == mine.id
        and dbsession.scalar(select(LiveEvent).where(LiveEvent.title == meeting.name)) is None
    )


def test_a_stop_ends_a_broadcast_nobody_holds_and_asks_a_worker_that_holds_one(
    make_testapp, dbsession, site, people, server, meeting, tm
):
    broadcast, event = on_air_broadcast(dbsession, site, meeting, people)
    prof = browser_for(make_testapp, site, "prof")
    answer = stop(prof, meeting).follow()
    assert "The broadcast is stopping; its live event ends." in answer.text
    assert (broadcast.state, broadcast.stop_reason, broadcast.lease_owner) == ("ended", "owner", "")
    assert (event.state, event.closed) == ("ended", True) and event.ended_at is not None  # the replay follows
    assert "Broadcast: ended." in answer.text and "Start the broadcast" not in answer.text  # not running
    held, _ = on_air_broadcast(
        dbsession, site, meeting, people, lease_owner="w:1:a", lease_expires_at=utcnow() + broadcasts.LEASE
    )
    stop(prof, meeting)
    assert held.state == "stopping" and held.ended_at is None  # its worker stops the capture, then ends it
    assert "Stop the broadcast" not in prof.get(f"/bbb/meetings/{meeting.id}").text


def test_the_meeting_ended_webhook_stops_its_broadcast(
    make_testapp, make_request, dbsession, site, people, server, meeting, fake_bbb
):
    register_hook(make_request(site), server, client_for(server))
    running(meeting, server, fake_bbb)
    broadcast, event = on_air_broadcast(dbsession, site, meeting, people)
    other = BbbMeeting(site_id=site.id, server_id=server.id, name="Another", always_open=True)
    dbsession.add(other)
    dbsession.flush()
    fake_bbb.outbox.clear()
    client_for(server).end(meeting.meeting_id)
    answers = fake_bbb.deliver(post_to(browser_for(make_testapp, site)))
    assert all(a.status_int == 200 for a in answers)
    assert (broadcast.state, broadcast.stop_reason) == ("ended", "meeting-ended")
    assert (event.state, event.closed) == ("ended", True)


def test_a_dead_worker_is_noticed_its_broadcast_restarted_then_failed(
    make_request, dbsession, site, people, server, meeting, tm
):
    expired = utcnow() - timedelta(seconds=5)
    broadcast, event = on_air_broadcast(dbsession, site, meeting, people, lease_owner="w:1:a", lease_expires_at=expired)
    alive, _ = on_air_broadcast(
        dbsession, site, meeting, people, lease_owner="w:2:b", lease_expires_at=utcnow() + timedelta(seconds=20)
    )
    request = make_request(site)
    assert broadcasts.watch_leases(request) == {"restarted": 1, "failed": 0, "ended": 0}
    assert (broadcast.state, broadcast.lease_owner, broadcast.attempts) == ("starting", "", 1)
    assert "worker stopped" in broadcast.error and alive.state == "on_air"
    assert (broadcasts.launch, (broadcast.id, "capture", 5)) in queued(tm)  # started again after the commit
    broadcast.state, broadcast.attempts = "on_air", broadcasts.MAX_ATTEMPTS
    broadcast.lease_owner, broadcast.lease_expires_at = "w:3:c", expired
    assert broadcasts.watch_leases(request)["failed"] == 1
    assert (broadcast.state, broadcast.stop_reason) == ("failed", "failed") and broadcast.ended_at is not None
    assert (event.state, event.closed) == ("ended", True)
    alive.state = "stopping"
    alive.lease_expires_at = expired  # died while stopping: simply ended
    assert broadcasts.watch_leases(request)["ended"] == 1 and alive.state == "ended"


def test_the_watch_stops_broadcasts_whose_meeting_ended_or_was_left_to_the_streamer(
    make_request, dbsession, site, people, server, meeting, fake_bbb
):
    request = make_request(site)
    broadcast, event = on_air_broadcast(
        dbsession, site, meeting, people, lease_owner="w", lease_expires_at=utcnow() + timedelta(seconds=20)
    )
    (check,) = [c for c in broadcast_watch.plan(request) if c.broadcast_id == broadcast.id]
    assert broadcast_watch.probe(check) == "ended"  # not on the server
    fake = running(meeting, server, fake_bbb, "Prof")
    assert broadcast_watch.probe(check) == "running"
    requests.get(
        client_for(server).join_url(meeting.meeting_id, "Amphi live", "VIEWER", user_id=f"amphi-live-{broadcast.id}"),
        timeout=5,
    )
    fake.attendees = [a for a in fake.attendees if a.full_name == "Amphi live"]  # everyone else left
    assert broadcast_watch.probe(check) == "alone"
    now = utcnow()
    assert broadcast_watch.apply(request, check, "alone", now) == "alone" and broadcast.alone_since == now
    assert broadcast_watch.apply(request, check, "alone", now + timedelta(minutes=1)) == "alone"
    assert broadcast_watch.apply(request, check, "running", now) == "kept" and broadcast.alone_since is None
    broadcast_watch.apply(request, check, "alone", now)
    assert broadcast_watch.apply(request, check, "alone", now + timedelta(minutes=2)) == "stopped:alone"
    assert (broadcast.state, broadcast.stop_reason) == ("stopping", "alone")  # its worker ends it
    other, _ = on_air_broadcast(dbsession, site, meeting, people)
    check = broadcast_watch.MeetingCheck(other.id, site.id, "capture", "", "", "sha256", 1, meeting.meeting_id)
    assert broadcast_watch.apply(request, check, "ended") == "stopped:meeting-ended" and other.state == "ended"
    closed, closed_event = on_air_broadcast(dbsession, site, meeting, people)
    closed_event.state, closed_event.closed = "ended", True  # its owners ended the event on its page
    check = broadcast_watch.MeetingCheck(closed.id, site.id, "capture", "", "", "sha256", 1, meeting.meeting_id)
    assert broadcast_watch.apply(request, check, "running") == "stopped:event-ended" and closed.state == "ended"


def test_without_live_events_the_site_has_meetings_and_no_broadcast(
    app, dbsession, make_site, make_user, make_testapp, fake_bbb
):
    from bbb_helpers import PASSWORD

    from plugin_bbb.models import BbbServer

    site = make_site("nolive", plugins=["auth_local", "storage_local", "bbb"])
    teacher_row = make_user(site, "teacher", role="staff", password=PASSWORD)
    server = BbbServer(site_id=site.id, name="B", url=fake_bbb.url, secret=fake_bbb.secret)
    dbsession.add(server)
    dbsession.flush()
    teacher = browser_for(make_testapp, site, "teacher")
    meeting = BbbMeeting(site_id=site.id, server_id=server.id, name="No live", always_open=True)
    meeting.owners = [teacher_row]
    dbsession.add(meeting)
    dbsession.flush()
    running(meeting, server, fake_bbb)
    page = teacher.get(f"/bbb/meetings/{meeting.id}")
    assert "In progress" in page.text and "Live broadcast" not in page.text and "broadcast" not in page.text
    teacher.get(f"/bbb/meetings/{meeting.id}/broadcast", status=404)
    for action in ("start", "stop", "chat"):
        teacher.post(f"/bbb/meetings/{meeting.id}/broadcast/{action}", {"csrf_token": csrf(page)}, status=404)
    assert teacher.post(f"/bbb/meetings/{meeting.id}/join", {"csrf_token": csrf(page)}).status_int == 303
    assert dbsession.scalar(select(BbbBroadcast).where(BbbBroadcast.site_id == site.id)) is None
