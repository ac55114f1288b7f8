"""The recorder pages: site admins manage recorders and schedules; managers claim pending recordings."""

from datetime import UTC, datetime

import pytest
from recorder_helpers import PASSWORD, csrf

from core.models import Channel, MediaFile, Video
from plugin_recorder.auth import REALM
from plugin_recorder.models import DropFile, PendingRecording, Recorder, RecorderEvent
from plugin_recorder.recordings import apply_policy
from plugins.opencast_ingest.api import digest_ha1


@pytest.fixture
def admin(testapp, people):
    testapp.sign_in("admin", PASSWORD)
    return testapp


def recorder_form(page, **fields):
    values = {
        "csrf_token": csrf(page),
        "name": "amphi-c",
        "type": "opencast",
        "username": "",
        "password": "a long agent password",
        "drop_folder": "",
        "stable_seconds": "60",
        "manager": "manager",
        "default_owner": "",
        "access": "public",
        "language": "fr",
    }
    values.update(fields)
    return values


def test_a_site_admin_adds_and_edits_a_recorder(admin, dbsession, site):
    page = admin.get("/admin/recorders/new")
    answer = admin.post("/admin/recorders/new", recorder_form(page, manager="nobody", password="short"), status=400)
    assert "No account of this site has this username." in answer.text
    assert "at least 12 characters" in answer.text
    admin.post("/admin/recorders/new", recorder_form(page, auto_publish="1"), status=302)
    recorder = dbsession.query(Recorder).filter_by(site_id=site.id, name="amphi-c").one()
    assert (recorder.username, recorder.access, recorder.language, recorder.auto_publish) == (
        "amphi-c",
        "public",
        "fr",
        True,
    )
    assert recorder.digest_ha1 == digest_ha1("amphi-c", REALM, "a long agent password")
    page = admin.get(f"/admin/recorders/{recorder.id}")
    assert 'value="amphi-c"' in page.text and "a long agent password" not in page.text
    admin.post(f"/admin/recorders/{recorder.id}", recorder_form(page, password="", access="signed-in"), status=302)
    assert recorder.access == "signed-in" and recorder.digest_ha1 == digest_ha1(
        "amphi-c", REALM, "a long agent password"
    )
    assert "amphi-c" in admin.get("/admin/recorders").text
    page = admin.get("/admin/recorders/new")
    answer = admin.post("/admin/recorders/new", recorder_form(page, type="folder"), status=400)
    assert "Drop folders are turned off on this server" in answer.text


def test_a_drop_folder_must_lie_inside_the_drop_root(admin, drop_root, dbsession, site):
    page = admin.get("/admin/recorders/new")
    answer = admin.post("/admin/recorders/new", recorder_form(page, type="folder", drop_folder="/etc"), status=400)
    assert "Give a folder inside" in answer.text
    admin.post("/admin/recorders/new", recorder_form(page, type="folder", drop_folder=f"{drop_root}/b12"), status=302)
    assert dbsession.query(Recorder).filter_by(site_id=site.id).one().drop_folder == f"{drop_root}/b12"


def test_only_site_admins_reach_the_recorder_admin(testapp, people):
    testapp.sign_in("manager", PASSWORD)
    testapp.get("/admin/recorders", status=403)
    testapp.get("/admin/recorders/new", status=403)


def test_the_schedule_is_edited_in_the_sites_time_zone(admin, make_recorder, site, dbsession, people):
    recorder = make_recorder(site)
    page = admin.get(f"/admin/recorders/{recorder.id}/schedule")
    form = {
        "csrf_token": csrf(page),
        "title": "Thermodynamique <3>",
        "room": "Amphi B",
        "start": "2027-01-11T08:15",
        "end": "2027-01-11T10:00",
        "owner": "prof",
    }
    admin.post(f"/admin/recorders/{recorder.id}/schedule", form, status=302)
    event = dbsession.query(RecorderEvent).filter_by(recorder_id=recorder.id).one()
    assert event.start == datetime(2027, 1, 11, 7, 15, tzinfo=UTC)  # Europe/Paris in winter
    assert event.owner_id == people["prof"].id
    page = admin.get(f"/admin/recorders/{recorder.id}/schedule")
    assert "Thermodynamique &lt;3&gt;" in page.text and "2027-01-11 08:15" in page.text
    answer = admin.post(
        f"/admin/recorders/{recorder.id}/schedule",
        {**form, "start": "2027-01-11T09:00", "end": "2027-01-11T11:00"},
        status=400,
    )
    assert "Another recording of this recorder is scheduled at that time." in answer.text
    answer = admin.post(f"/admin/recorders/{recorder.id}/schedule", {**form, "end": "2027-01-11T07:00"}, status=400)
    assert "The end must come after the start" in answer.text
    page = admin.get(f"/admin/recorders/{recorder.id}/schedule/{event.id}")
    assert 'value="2027-01-11T08:15"' in page.text
    admin.post(
        f"/admin/recorders/{recorder.id}/schedule/{event.id}",
        {**form, "start": "2027-01-11T09:00", "end": "2027-01-11T11:00"},
        status=302,
    )
    assert event.start == datetime(2027, 1, 11, 8, 0, tzinfo=UTC)  # moving it does not collide with itself
    admin.post(f"/admin/recorders/{recorder.id}/schedule/{event.id}/delete", {"csrf_token": csrf(page)}, status=302)
    assert dbsession.query(RecorderEvent).filter_by(recorder_id=recorder.id).count() == 0


def test_a_push_token_is_shown_once(admin, make_recorder, site):
    recorder = make_recorder(site, name="push-1", type="push")
    page = admin.get(f"/admin/recorders/{recorder.id}")
    answer = admin.post(f"/admin/recorders/{recorder.id}/token", {"csrf_token": csrf(page)})
    assert "amphirec_" in answer.text
    assert "amphirec_" not in admin.get(f"/admin/recorders/{recorder.id}").text


@pytest.fixture
def pending(make_recorder, make_video, make_request, site, people, dbsession):
    recorder = make_recorder(site, access="public")
    video = make_video(site, people["manager"], "Recording of Amphi A")
    apply_policy(make_request(site), recorder, video)
    return dbsession.query(PendingRecording).filter_by(video_id=video.id).one()


def test_the_manager_claims_a_pending_recording(pending, make_testapp, dbsession, people):
    manager = make_testapp("a.test")
    manager.sign_in("manager", PASSWORD)
    assert "Pending recordings (1)" in manager.get("/").text
    page = manager.get("/recorder/pending")
    assert "Recording of Amphi A" in page.text
    page = manager.get(f"/recorder/pending/{pending.id}")
    answer = manager.post(
        f"/recorder/pending/{pending.id}",
        {"csrf_token": csrf(page), "title": "", "owner": "ghost", "access": "public", "action": "publish"},
        status=400,
    )
    assert "Give a title." in answer.text
    manager.post(
        f"/recorder/pending/{pending.id}",
        {"csrf_token": csrf(page), "title": "Thermo 1", "owner": "prof", "access": "public", "action": "publish"},
        status=302,
    )
    video = dbsession.get(Video, pending.video_id)
    assert (video.title, video.owner_id, video.access) == ("Thermo 1", people["prof"].id, "public")
    assert dbsession.query(PendingRecording).count() == 0
    assert "Pending recordings" not in manager.get("/").text


def test_the_claim_charges_the_new_owners_quota(pending, make_testapp, make_video, dbsession, people, site):
    dbsession.add(MediaFile(video_id=pending.video_id, kind="source", key="k", size=600))
    site.upload_user_quota = 1000
    dbsession.add(MediaFile(video_id=make_video(site, people["prof"], "Earlier").id, kind="source", key="j", size=500))
    dbsession.flush()
    manager = make_testapp("a.test")
    manager.sign_in("manager", PASSWORD)
    page = manager.get(f"/recorder/pending/{pending.id}")
    form = {"csrf_token": csrf(page), "title": "Thermo 1", "owner": "prof", "access": "public", "action": "publish"}
    answer = manager.post(f"/recorder/pending/{pending.id}", form, status=400)
    assert "past its storage quota" in answer.text
    manager.post(f"/recorder/pending/{pending.id}", {**form, "owner": "student"}, status=302)
    assert dbsession.get(Video, pending.video_id).owner_id == people["student"].id


def test_the_scheduled_owner_may_delete_it_and_nobody_else_sees_it(pending, make_testapp, dbsession, people):
    event = RecorderEvent(
        recorder_id=pending.recorder_id,
        uid="u-1",
        title="T",
        owner_id=people["prof"].id,
        start=datetime(2027, 1, 1, tzinfo=UTC),
        end=datetime(2027, 1, 1, 1, tzinfo=UTC),
    )
    dbsession.add(event)
    dbsession.flush()
    pending.event_id = event.id
    student = make_testapp("a.test")
    student.sign_in("student", PASSWORD)
    student.get(f"/recorder/pending/{pending.id}", status=404)
    assert "Recording of Amphi A" not in student.get("/recorder/pending").text
    prof = make_testapp("a.test")
    prof.sign_in("prof", PASSWORD)
    page = prof.get(f"/recorder/pending/{pending.id}")
    video_id = pending.video_id
    prof.post(f"/recorder/pending/{pending.id}", {"csrf_token": csrf(page), "action": "delete"}, status=302)
    dbsession.expire_all()
    assert dbsession.get(Video, video_id) is None


def test_the_manager_may_watch_a_pending_recording_of_another_owner(pending, make_testapp, dbsession, people):
    video = dbsession.get(Video, pending.video_id)
    video.owner_id, video.status = people["prof"].id, "ready"
    dbsession.flush()
    manager, student = make_testapp("a.test"), make_testapp("a.test")
    manager.sign_in("manager", PASSWORD)
    student.sign_in("student", PASSWORD)
    assert manager.get(f"/videos/{video.id}").status_int == 200
    student.get(f"/videos/{video.id}", status=404)
    dbsession.delete(pending)
    dbsession.flush()
    manager.get(f"/videos/{video.id}", status=404)  # claimed: the core's rules alone again


def test_a_folder_recorders_page_lists_its_latest_files(admin, make_recorder, site, dbsession):
    recorder = make_recorder(site, name="folder-1", type="folder", drop_folder="/srv/drops/folder-1")
    dbsession.add_all(
        [
            DropFile(
                recorder_id=recorder.id,
                name="<b>cours</b>.mp4",
                size=5,
                mtime_ns=1,
                status="failed",
                error="ValueError: no owner",
            ),
            DropFile(recorder_id=recorder.id, name="td.mp4", size=5, mtime_ns=1),
        ]
    )
    dbsession.flush()
    page = admin.get(f"/admin/recorders/{recorder.id}")
    assert "&lt;b&gt;cours&lt;/b&gt;.mp4" in page.text and "failed: ValueError: no owner" in page.text
    assert "waiting until its size stays the same" in page.text


def channel(dbsession, site, slug, **fields):
    made = Channel(site_id=site.id, slug=slug, title=slug.title(), **fields)
    dbsession.add(made)
    dbsession.flush()
    return made


def test_a_recorder_publishes_into_a_channel_of_its_site(admin, dbsession, site, make_site):
    physics, elsewhere = channel(dbsession, site, "physique"), channel(dbsession, make_site("b"), "autre")
    page = admin.get("/admin/recorders/new")
    assert ">Physique</option>" in page.text and "Autre" not in page.text
    answer = admin.post("/admin/recorders/new", recorder_form(page, channel=str(elsewhere.id)), status=400)
    assert "Choose a channel from the list." in answer.text
    admin.post("/admin/recorders/new", recorder_form(page, channel=str(physics.id)), status=302)
    assert dbsession.query(Recorder).filter_by(site_id=site.id).one().channel_id == physics.id


def test_the_claim_puts_the_recording_into_the_chosen_channel(pending, make_testapp, dbsession, site):
    recorder_channel, open_channel = (
        channel(dbsession, site, "amphi-a"),
        channel(dbsession, site, "open", open_to_all=True),
    )
    closed = channel(dbsession, site, "closed")
    pending.recorder.channel_id = recorder_channel.id
    dbsession.flush()
    manager = make_testapp("a.test")
    manager.sign_in("manager", PASSWORD)
    page = manager.get(f"/recorder/pending/{pending.id}")
    assert f'<option value="{recorder_channel.id}" selected>' in page.text and "Open</option>" in page.text
    assert "Closed</option>" not in page.text
    form = {"csrf_token": csrf(page), "title": "T", "owner": "manager", "access": "public", "action": "publish"}
    manager.post(f"/recorder/pending/{pending.id}", {**form, "channel": str(closed.id)}, status=400)
    manager.post(f"/recorder/pending/{pending.id}", {**form, "channel": str(open_channel.id)}, status=302)
    assert dbsession.get(Video, pending.video_id).channels == [open_channel]
