"""A scheduled recording from which no video arrived: the schedule says so and the manager is told once.

Real transactions (each request commits) so that the e-mail, sent by a task after the commit, goes out
to the aiosmtpd sink; the agent calls the capture-admin API as pyCA does (HTTP Digest).
"""

import re
from datetime import timedelta

import pytest
from recorder_helpers import AGENT_PASSWORD, PASSWORD, AgentClient

from core.access.users import create_user
from core.ingest import create_video
from core.models import User, utcnow
from core.platform.tasks import worker_request
from core.testing import AmphiTestApp
from plugin_recorder.auth import set_password
from plugin_recorder.missing import report_missing_videos
from plugin_recorder.models import Recorder, RecorderEvent


def text_of(page) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text))


@pytest.fixture
def recorder_site(committed_site, smtp_sink, app):
    """A committed site with an admin, a manager with an e-mail and an Opencast recorder; yields helpers."""
    site_id, manager_id = committed_site
    with worker_request(site_id) as request:
        request.dbsession.get(User, manager_id).email = "manager@example.org"
        create_user(request, "admin", role="site-admin", password=PASSWORD)
        recorder = Recorder(site_id=site_id, name="amphi-c", type="opencast", username="amphi-c", manager_id=manager_id)
        set_password(recorder, AGENT_PASSWORD)
        request.dbsession.add(recorder)
        request.dbsession.flush()
        recorder_id, host = recorder.id, request.site.domains[0].domain
    browser = AmphiTestApp(app, extra_environ={"HTTP_HOST": host, "REMOTE_ADDR": "192.0.2.30"})
    return {"site_id": site_id, "manager_id": manager_id, "recorder_id": recorder_id, "browser": browser}


def schedule(recorder_site, recorder_id=None, language="en") -> str:
    browser = recorder_site["browser"]
    if "amphi_session" not in browser.cookies:
        browser.sign_in("admin", PASSWORD)
    page = browser.get(
        f"/admin/recorders/{recorder_id or recorder_site['recorder_id']}/schedule",
        headers={"Accept-Language": language},
    )
    return text_of(page)


def add_event(recorder_id: int, title: str, ended_ago: timedelta, state: str = "", video: bool = False) -> int:
    with worker_request() as request:
        recorder = request.dbsession.get(Recorder, recorder_id)
        end = utcnow() - ended_ago
        event = RecorderEvent(
            recorder_id=recorder_id,
            uid=f"uid-{title}",
            title=title,
            start=end - timedelta(hours=1),
            end=end,
            state=state,
        )
        if video:
            request.site = recorder.site
            event.video_id = create_video(request, recorder.manager, title, status="uploaded").id
        request.dbsession.add(event)
        request.dbsession.flush()
        return event.id


def reported(event_id: int) -> bool:
    with worker_request() as request:
        return request.dbsession.get(RecorderEvent, event_id).missing_reported_at is not None


def test_an_agent_reporting_an_upload_error_shows_no_video_arrived_and_mails_the_manager_once(recorder_site, smtp_sink):
    event_id = add_event(recorder_site["recorder_id"], "Thermodynamique", timedelta(minutes=1))
    agent = AgentClient(recorder_site["browser"], "amphi-c", AGENT_PASSWORD)
    agent.call("POST", "/capture-admin/recordings/uid-Thermodynamique", {"state": "capture_finished"})
    assert "No video arrived" not in schedule(recorder_site) and smtp_sink.messages == []
    agent.call("POST", "/capture-admin/recordings/uid-Thermodynamique", {"state": "upload_error"})
    assert "upload failed No video arrived: the capture agent reported upload failed." in schedule(recorder_site)
    assert "Aucune vidéo n’est arrivée : l’agent de capture a signalé échec de l&#39;envoi." in schedule(
        recorder_site, language="fr"
    )
    [message] = smtp_sink.messages
    assert (
        message["To"] == "manager@example.org"
        and message["Subject"] == "No video arrived from amphi-c: Thermodynamique"
    )
    body = message.get_content()
    assert "No video arrived: the capture agent reported upload failed." in body
    assert f"/admin/recorders/{recorder_site['recorder_id']}/schedule" in body
    agent.call("POST", "/capture-admin/recordings/uid-Thermodynamique", {"state": "upload_error"})
    report_missing_videos()
    assert len(smtp_sink.messages) == 1 and reported(event_id)


def test_a_video_overdue_after_the_grace_period_is_reported_once(recorder_site, smtp_sink, app, monkeypatch):
    recorder_id = recorder_site["recorder_id"]
    late = add_event(recorder_id, "Late", timedelta(hours=2), state="capture_finished")
    recent = add_event(recorder_id, "Recent", timedelta(minutes=10), state="capture_finished")
    arrived = add_event(recorder_id, "Arrived", timedelta(hours=3), state="upload_finished", video=True)
    deleted = add_event(recorder_id, "Deleted", timedelta(hours=4), state="upload_finished")  # its video was deleted
    old = add_event(recorder_id, "Old", timedelta(days=3))
    with worker_request() as request:
        folder = Recorder(
            site_id=recorder_site["site_id"],
            name="drop",
            type="folder",
            username="drop",
            manager_id=recorder_site["manager_id"],
        )
        request.dbsession.add(folder)
        request.dbsession.flush()
        folder_id = folder.id
    add_event(folder_id, "Folder", timedelta(hours=2))
    report_missing_videos()
    report_missing_videos()
    assert [m["Subject"] for m in smtp_sink.messages] == ["No video arrived from amphi-c: Late"]
    assert "last state reported: capture finished" in smtp_sink.messages[0].get_content()
    assert [reported(e) for e in (late, recent, arrived, deleted, old)] == [True, False, False, False, False]
    page = schedule(recorder_site)
    assert page.count("No video arrived") == 2  # Late, and Old (never mailed: it ended days ago)
    assert (
        "capture finished No video arrived after the recording ended (last state reported: capture finished)." in page
    )
    assert "No video arrived after the recording ended; the capture agent reported nothing." in page
    assert "No video arrived" not in schedule(recorder_site, folder_id)
    # A shorter grace period (a setting) reports the recent one too.
    monkeypatch.setitem(app.registry.settings, "amphi.recorder.missing_after_minutes", "5")
    report_missing_videos()
    assert [m["Subject"] for m in smtp_sink.messages][1:] == ["No video arrived from amphi-c: Recent"]
    assert reported(recent)


def test_the_scheduled_owner_is_told_too_in_their_language(recorder_site, smtp_sink):
    with worker_request(recorder_site["site_id"]) as request:
        prof = create_user(request, "prof", role="staff", password=PASSWORD, email="prof@example.org")
        prof.locale = "fr"
        prof_id = prof.id
    event_id = add_event(recorder_site["recorder_id"], "Optique", timedelta(hours=2), state="capture_error")
    with worker_request() as request:
        request.dbsession.get(RecorderEvent, event_id).owner_id = prof_id
    report_missing_videos()
    by_address = {m["To"]: m for m in smtp_sink.messages}
    assert sorted(by_address) == ["manager@example.org", "prof@example.org"]
    assert by_address["prof@example.org"]["Subject"] == "Aucune vidéo n’est arrivée de amphi-c : Optique"
    assert "l’agent de capture a signalé échec de l'enregistrement" in by_address["prof@example.org"].get_content()


def test_states_are_shown_in_the_readers_language(recorder_site):
    add_event(recorder_site["recorder_id"], "Cours 1", timedelta(minutes=5), state="upload_error")
    add_event(recorder_site["recorder_id"], "Cours 2", timedelta(minutes=-30), state="capturing")
    french = schedule(recorder_site, language="fr")
    assert "échec de l&#39;envoi" in french and "enregistre" in french
    assert "upload_error —" not in french and " capturing " not in french
    english = schedule(recorder_site)
    assert "upload failed" in english and "capturing" in english
