"""What the servers send: webhook events (checked by URL token and checksum), the recording-ready JWT
callback (forged and replayed ones refused), and the periodic reconciliation that catches what was missed."""

import hashlib
from datetime import UTC, datetime, timedelta

import jwt
import pytest
import requests
from bbb_helpers import browser_for, csrf, post_to

from plugin_bbb import reconcile
from plugin_bbb.client import client_for
from plugin_bbb.hooks import register_hook
from plugin_bbb.models import BbbRecording, BbbServer, BbbWebhook


@pytest.fixture
def hooked(make_request, site, server, fake_bbb, people):
    """The fake server with Amphi's hook registered (as the admin page or the reconciliation does)."""
    register_hook(make_request(site), server, client_for(server))
    return fake_bbb


@pytest.fixture
def machine(make_testapp, site):
    """What the server's POSTs reach: a browser without session."""
    return browser_for(make_testapp, site)


def started(make_testapp, site, meeting):
    prof = browser_for(make_testapp, site, "prof")
    token = csrf(prof.get(f"/bbb/meetings/{meeting.id}"))
    location = prof.post(f"/bbb/meetings/{meeting.id}/join", {"csrf_token": token}).headers["Location"]
    requests.get(location, timeout=5)


def recordings(dbsession, server):
    dbsession.flush()
    return dbsession.query(BbbRecording).filter_by(server_id=server.id).all()


def test_meeting_events_and_a_published_recording_arrive_by_webhook(
    make_testapp, dbsession, site, server, hooked, machine, make_meeting
):
    meeting = make_meeting(record=True)
    started(make_testapp, site, meeting)
    meeting.last_started_at = None
    client_for(server).end(meeting.meeting_id)
    recording = hooked.add_recording(meeting.meeting_id, formats=("presentation", "video"))
    hooked.recording_ready(recording, callback=False)
    answers = hooked.deliver(post_to(machine))
    assert [a.status_int for a in answers] == [200] * 6
    assert meeting.last_started_at is not None and meeting.last_ended_at is not None
    (row,) = recordings(dbsession, server)
    assert (row.record_id, row.meeting_id, row.state, row.source) == (
        recording.record_id,
        meeting.id,
        "listed",
        "webhook",
    )
    assert row.formats == ["presentation", "video"] and row.site_id == site.id


def test_a_webhook_without_the_right_token_or_checksum_is_refused(
    dbsession, site, server, hooked, machine, make_meeting
):
    meeting = make_meeting()
    recording = hooked.add_recording(meeting.meeting_id)
    hooked.recording_ready(recording, callback=False)
    (delivery,) = hooked.outbox
    wrong_token = delivery.path.replace(server.webhook_token, "not-the-token")
    machine.post(wrong_token, delivery.body, headers=delivery.headers, status=403)
    tampered = delivery.body.replace(b"rap-publish-ended", b"rap-publish-endez")
    machine.post(delivery.path, tampered, headers=delivery.headers, status=403)
    unsigned = delivery.path.split("?")[0]
    machine.post(unsigned, delivery.body, headers=delivery.headers, status=403)
    assert recordings(dbsession, server) == []
    machine.post(delivery.path, delivery.body, headers=delivery.headers, status=200)
    assert len(recordings(dbsession, server)) == 1


def test_a_webhook_whose_body_is_not_events(server, hooked, machine):
    path = f"/bbb/hooks/{server.id}/{server.webhook_token}"
    body = "domain=bbb.test&event=not-json&timestamp=1"
    digest = hashlib.sha1((f"http://a.test{path}" + body + server.secret).encode()).hexdigest()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    machine.post(f"{path}?checksum={digest}", body, headers=form, status=400)


def test_another_sites_server_hooks_are_not_found(make_testapp, dbsession, make_site, fake_bbb, machine):
    other = make_site("b")
    theirs = BbbServer(site_id=other.id, name="Theirs", url=fake_bbb.url, secret="x")
    dbsession.add(theirs)
    dbsession.flush()
    machine.post(f"/bbb/hooks/{theirs.id}/{theirs.webhook_token}", b"event=[]", status=404)
    machine.post(f"/bbb/recording-ready/{theirs.id}", {"signed_parameters": "x"}, status=404)


def test_the_recording_ready_callback_lists_the_recording_once(
    make_testapp, dbsession, site, server, fake_bbb, machine, make_meeting
):
    meeting = make_meeting(record=True)
    started(make_testapp, site, meeting)
    client_for(server).end(meeting.meeting_id)
    recording = fake_bbb.add_recording(meeting.meeting_id, formats=("video",))
    fake_bbb.recording_ready(recording, webhook=False)
    (delivery,) = fake_bbb.outbox
    assert delivery.url == f"http://a.test/bbb/recording-ready/{server.id}"
    (answer,) = fake_bbb.deliver(post_to(machine))
    assert answer.status_int == 200 and answer.text == "listed"
    (row,) = recordings(dbsession, server)
    assert (row.record_id, row.meeting_id, row.source) == (recording.record_id, meeting.id, "callback")
    replayed = machine.post(delivery.path, delivery.body, headers=delivery.headers, status=200)
    assert replayed.text == "already known" and len(recordings(dbsession, server)) == 1
    fake_bbb.recording_ready(recording, callback=False)  # the webhook says it too: still one row
    fake_bbb.deliver(post_to(machine))
    assert len(recordings(dbsession, server)) == 1


def test_forged_callbacks_are_refused(dbsession, site, server, fake_bbb, machine, make_meeting):
    meeting = make_meeting(record=True)
    url = f"http://a.test/bbb/recording-ready/{server.id}"
    forged = fake_bbb.recording_ready_delivery(url, meeting.meeting_id, "rec-1", secret="a guess")
    machine.post(forged.path, forged.body, headers=forged.headers, status=403)
    machine.post(forged.path, {"signed_parameters": "not.a.jwt"}, status=403)
    machine.post(forged.path, {}, status=403)

    none_alg = jwt.encode({"meeting_id": meeting.meeting_id, "record_id": "rec-1"}, key=None, algorithm="none")
    machine.post(forged.path, {"signed_parameters": none_alg}, status=403)
    expired = fake_bbb.recording_ready_delivery(url, meeting.meeting_id, "rec-1", claims={"exp": 1000})
    machine.post(expired.path, expired.body, headers=expired.headers, status=403)
    empty = fake_bbb.recording_ready_delivery(url, "", "")
    machine.post(empty.path, empty.body, headers=empty.headers, status=400)
    unknown = fake_bbb.recording_ready_delivery(url, "no-such-meeting", "rec-1")
    machine.post(unknown.path, unknown.body, headers=unknown.headers, status=404)
    assert recordings(dbsession, server) == []


def test_the_reconciliation_registers_a_lost_hook_and_lists_missed_recordings(
    make_request, dbsession, site, server, hooked, make_meeting
):
    meeting = make_meeting(record=True, last_ended_at=datetime.now(UTC) - timedelta(days=1))
    old = make_meeting(last_ended_at=datetime.now(UTC) - timedelta(days=60))
    never = make_meeting()
    first = hooked.add_recording(meeting.meeting_id, formats=("presentation", "podcast"))
    hooked.add_recording(old.meeting_id, record_id="old-one")
    hooked.add_recording(never.meeting_id, record_id="never-one")
    hooked.hooks.clear()  # bbb-webhooks restarted and forgot its hooks
    request = make_request(site)
    (plan,) = [p for p in reconcile.plan(request) if p.server_id == server.id]
    assert plan.meeting_ids == [meeting.meeting_id] and plan.hooks
    assert plan.callback_url == f"https://a.test/bbb/hooks/{server.id}/{server.webhook_token}"
    found = reconcile.fetch(plan)
    assert found.error == "" and found.hook_created and [r.record_id for r in found.recordings] == [first.record_id]
    assert reconcile.apply(request, found) == {"hooks": 1, "recordings": 1}
    (row,) = recordings(dbsession, server)
    assert (row.record_id, row.meeting_id, row.source, row.formats) == (
        first.record_id,
        meeting.id,
        "reconcile",
        ["podcast", "presentation"],
    )
    assert row.started_at is not None and row.ended_at > row.started_at
    webhook = dbsession.query(BbbWebhook).filter_by(server_id=server.id).one()
    assert webhook.callback_url == plan.callback_url and len(hooked.hooks) == 1
    again = reconcile.fetch(reconcile.plan(request, server_ids=[server.id])[0])
    assert not again.hook_created and reconcile.apply(request, again) == {"hooks": 0, "recordings": 0}
    assert len(recordings(dbsession, server)) == 1


def test_the_reconciliation_of_an_unreachable_server_changes_nothing(
    make_request, dbsession, site, server, fake_bbb, make_meeting
):
    make_meeting(last_started_at=datetime.now(UTC))
    fake_bbb.behaviour = "garbage"
    found = reconcile.fetch(reconcile.plan(make_request(site), server_ids=[server.id])[0])
    assert "BbbNotBbb" in found.error
    assert reconcile.apply(make_request(site), found) == {"hooks": 0, "recordings": 0}
    assert dbsession.query(BbbWebhook).count() == 0


def test_scalelite_gets_no_webhook(make_request, site, server, fake_bbb):
    server.kind = "scalelite"
    (plan,) = reconcile.plan(make_request(site), server_ids=[server.id])
    assert not plan.hooks
    reconcile.fetch(plan)
    assert fake_bbb.calls_of("hooks/list") == [] and fake_bbb.hooks == {}
