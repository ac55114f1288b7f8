"""The meeting's recordings for its owners: the server's list beside Amphi's rows, publish / unpublish /
delete on the server (delete asks first), import now and retry; nobody else sees or does any of it. And
the callbacks: a genuine one queues one import, a replayed or forged one none."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from bbb_helpers import browser_for, csrf, post_to

from plugin_bbb.importing import import_recording
from plugin_bbb.models import BbbRecording


def queued_imports(tm) -> list[int]:
    """The recordings whose import waits for the commit of the test's transaction."""
    return [args[1] for _hook, args, _kw in tm.get().getAfterCommitHooks() if args and args[0] is import_recording]


@pytest.fixture
def meeting(make_meeting, people):
    return make_meeting(owners=[people["prof"]], moderators=[people["colleague"]], attendees=[people["student"]])


@pytest.fixture
def prof(make_testapp, site, people):
    return browser_for(make_testapp, site, "prof")


def row(dbsession, meeting, record_id, **fields) -> BbbRecording:
    recording = BbbRecording(
        site_id=meeting.site_id, server_id=meeting.server_id, meeting_id=meeting.id, record_id=record_id, **fields
    )
    dbsession.add(recording)
    dbsession.flush()
    return recording


def act(browser, meeting, action, record_id, status=303, **extra):
    token = csrf(browser.get(f"/bbb/meetings/{meeting.id}"))
    form = {"csrf_token": token, "record_id": record_id, **extra}
    return browser.post(f"/bbb/meetings/{meeting.id}/recordings/{action}", form, status=status)


def test_owners_see_the_recordings_with_their_state_and_what_they_may_do(
    dbsession, site, people, fake_bbb, meeting, prof, make_video
):
    fresh = fake_bbb.add_recording(meeting.meeting_id, formats=("presentation", "video"), duration=125, record_id="r-1")
    hidden = fake_bbb.add_recording(meeting.meeting_id, formats=("presentation",), record_id="r-2", published=False)
    broken = fake_bbb.add_recording(meeting.meeting_id, formats=("podcast",), record_id="r-3")
    done = fake_bbb.add_recording(meeting.meeting_id, formats=("video",), record_id="r-4")
    fake_bbb.add_recording("another-meeting", formats=("video",), record_id="r-5")
    for hours, recording in enumerate((fresh, hidden, broken, done)):
        recording.start_time -= hours * 3600_000  # an hour apart, r-1 the latest
    row(
        dbsession,
        meeting,
        broken.record_id,
        state="failed",
        error="The recording's files are missing on the server.",
        error_detail="HTTP 404: http://bbb.test/podcast/r-3/audio.ogg",
    )
    video = make_video(site, people["prof"], "Optics (imported)")
    row(dbsession, meeting, done.record_id, state="imported", video_id=video.id)
    page = prof.get(f"/bbb/meetings/{meeting.id}")
    panel = page.html.find(id="bbb-recordings")
    lines = panel.find("tbody").find_all("tr")
    by_record = {tr.find("input", attrs={"name": "record_id"})["value"]: tr for tr in lines}
    assert list(by_record) == ["r-1", "r-2", "r-3", "r-4"]  # latest first; the other meeting's is not there
    when = datetime.fromtimestamp(fresh.start_time / 1000, UTC).astimezone(ZoneInfo("Europe/Paris"))
    assert by_record["r-1"].find("th").get_text() == when.strftime("%Y-%m-%d %H:%M")
    cells = [td.get_text(" ", strip=True) for td in by_record["r-1"].find_all("td")]
    assert cells[0] == "2:05" and cells[1] == "presentation, video" and cells[2] == "Published"
    assert "Not imported" in by_record["r-1"].get_text() and "Import now" in by_record["r-1"].get_text()
    assert "Unpublished" in by_record["r-2"].get_text() and "Import now" not in by_record["r-2"].get_text()
    assert "The import failed: The recording's files are missing on the server." in by_record["r-3"].get_text()
    assert "HTTP 404" in by_record["r-3"].get_text() and "Retry" in by_record["r-3"].get_text()
    assert by_record["r-4"].find("a")["href"].endswith(f"/videos/{video.id}")
    assert fake_bbb.secret not in page.text and hidden.record_id in page.text
    french = prof.get(f"/bbb/meetings/{meeting.id}", headers={"Accept-Language": "fr"}).text
    assert "Importer maintenant" in french and "Les fichiers de l’enregistrement manquent sur le serveur." in french


def test_a_server_that_does_not_answer_leaves_the_rows_shown(dbsession, fake_bbb, meeting, prof):
    row(dbsession, meeting, "known-1", state="listed", formats=["video"])
    fake_bbb.behaviour = "http-error"
    page = prof.get(f"/bbb/meetings/{meeting.id}")
    panel = page.html.find(id="bbb-recordings").get_text(" ", strip=True)
    assert "The server could not list its recordings" in panel and "Waiting to be imported" in panel


@pytest.mark.parametrize("who", ["colleague", "student", "outsider"])
def test_only_the_owners_see_the_recordings_and_act_on_them(make_testapp, site, fake_bbb, meeting, who, tm):
    fake_bbb.add_recording(meeting.meeting_id, formats=("video",), record_id="r-1")
    browser = browser_for(make_testapp, site, who)
    page = browser.get(f"/bbb/meetings/{meeting.id}", status="*")
    assert "bbb-recordings" not in page.text
    token = csrf(browser.get("/"))
    for action in ("publish", "unpublish", "delete", "import", "retry"):
        browser.post(
            f"/bbb/meetings/{meeting.id}/recordings/{action}", {"csrf_token": token, "record_id": "r-1"}, status=403
        )
    assert fake_bbb.recordings["r-1"].state == "published" and queued_imports(tm) == []


def test_a_site_admin_acts_as_an_owner_and_another_meeting_reaches_nothing(
    make_testapp, site, fake_bbb, meeting, make_meeting, people
):
    fake_bbb.add_recording(meeting.meeting_id, formats=("video",), record_id="r-1")
    admin = browser_for(make_testapp, site, "admin")
    assert "bbb-recordings" in admin.get(f"/bbb/meetings/{meeting.id}").text
    act(admin, meeting, "unpublish", "r-1")
    assert fake_bbb.recordings["r-1"].state == "unpublished"
    own = make_meeting(owners=[people["colleague"]])
    colleague = browser_for(make_testapp, site, "colleague")
    act(colleague, own, "delete", "r-1", status=404, confirm="yes")  # not a recording of the colleague's meeting
    assert fake_bbb.recordings["r-1"].state == "unpublished"


def test_publish_unpublish_and_delete_act_on_the_server(dbsession, site, people, fake_bbb, meeting, prof, make_video):
    fake_bbb.add_recording(meeting.meeting_id, formats=("video",), record_id="r-1")
    video = make_video(site, people["prof"], "Optics (imported)")
    known = row(dbsession, meeting, "r-1", state="imported", video_id=video.id)
    act(prof, meeting, "unpublish", "r-1")
    assert fake_bbb.recordings["r-1"].state == "unpublished" and known.published is False
    page = prof.get(f"/bbb/meetings/{meeting.id}")
    assert "The recording is unpublished on the server." in page.text
    act(prof, meeting, "publish", "r-1")
    assert fake_bbb.recordings["r-1"].state == "published" and known.published is True
    asked = act(prof, meeting, "delete", "r-1", status=200)  # first: are you sure?
    assert "Delete it from the server" in asked.text and "The video made of it stays in Amphi." in asked.text
    assert fake_bbb.recordings["r-1"].state == "published"
    form = next(f for f in asked.forms.values() if f.action.endswith("/recordings/delete"))
    assert form["confirm"].value == "yes" and form["record_id"].value == "r-1"
    form.submit(status=303)
    assert fake_bbb.recordings["r-1"].state == "deleted" and known.deleted_at is not None
    (line,) = prof.get(f"/bbb/meetings/{meeting.id}").html.find(id="bbb-recordings").find("tbody").find_all("tr")
    assert "Deleted" in line.get_text() and line.find("button") is None  # nothing left to do on the server


def test_a_post_without_the_csrf_token_is_refused(fake_bbb, meeting, prof):
    fake_bbb.add_recording(meeting.meeting_id, formats=("video",), record_id="r-1")
    prof.get(f"/bbb/meetings/{meeting.id}")
    answer = prof.post(f"/bbb/meetings/{meeting.id}/recordings/unpublish", {"record_id": "r-1"}, status="*")
    assert answer.status_int in (400, 403) and fake_bbb.recordings["r-1"].state == "published"


def test_import_now_and_retry_queue_the_import(dbsession, fake_bbb, meeting, prof, tm):
    fake_bbb.add_recording(meeting.meeting_id, formats=("video",), record_id="r-1")
    fake_bbb.add_recording(meeting.meeting_id, formats=("video",), record_id="r-2", published=False)
    fake_bbb.add_recording(meeting.meeting_id, formats=("video",), record_id="r-3")
    act(prof, meeting, "import", "r-1")
    listed = dbsession.query(BbbRecording).filter_by(record_id="r-1").one()
    assert (listed.state, listed.source, listed.formats) == ("listed", "owner", ["video"])
    assert queued_imports(tm) == [listed.id]
    act(prof, meeting, "import", "r-2")
    assert dbsession.query(BbbRecording).filter_by(record_id="r-2").count() == 0
    assert "Publish the recording on the server first" in prof.get(f"/bbb/meetings/{meeting.id}").text
    failed = row(dbsession, meeting, "r-3", state="failed", error="The presentation could not be filmed.")
    act(prof, meeting, "retry", "r-3")
    dbsession.refresh(failed)
    assert failed.state == "listed" and queued_imports(tm) == [listed.id, failed.id]
    act(prof, meeting, "retry", "r-1")  # not failed: nothing to retry
    assert queued_imports(tm) == [listed.id, failed.id]
    waiting = row(dbsession, meeting, "r-2", state="listed", published=False)  # listed while unpublished
    act(prof, meeting, "publish", "r-2")
    assert waiting.published is True and queued_imports(tm) == [listed.id, failed.id, waiting.id]
    act(prof, meeting, "import", "no-such-recording", status=404)


def test_a_genuine_callback_queues_one_import_and_a_replayed_or_forged_one_none(
    dbsession, make_testapp, site, server, fake_bbb, make_meeting, tm
):
    meeting = make_meeting(record=True)
    machine = browser_for(make_testapp, site)
    url = f"http://{site.domains[0].domain}/bbb/recording-ready/{server.id}"
    recording = fake_bbb.add_recording(meeting.meeting_id, formats=("video",))
    genuine = fake_bbb.recording_ready_delivery(url, meeting.meeting_id, recording.record_id)
    forged = fake_bbb.recording_ready_delivery(url, meeting.meeting_id, "forged-1", secret="guessed")
    post = post_to(machine)
    assert post(forged).status_int == 403
    assert queued_imports(tm) == []
    assert post(genuine).status_int == 200
    (listed,) = dbsession.query(BbbRecording).filter_by(server_id=server.id).all()
    assert queued_imports(tm) == [listed.id]
    replayed = post(genuine)
    assert replayed.status_int == 200 and replayed.text == "already known"
    assert queued_imports(tm) == [listed.id]
