"""HTTP push: a box POSTs a recording with its recorder's token."""

import os

import pytest

from core.models import Channel, Video
from core.pipeline.storage import get_storage, upload_key
from plugin_recorder.auth import new_push_token
from plugin_recorder.models import PendingRecording


@pytest.fixture
def pusher(site, make_recorder, people):
    recorder = make_recorder(site, name="epiphan-1", type="push", language="en", default_owner_id=people["prof"].id)
    return recorder, new_push_token(recorder)


def test_a_pushed_file_becomes_a_pending_video_of_the_default_owner(pusher, testapp, dbsession, people):
    recorder, token = pusher
    answer = testapp.post(
        "/recorder/push",
        {"title": "Amphi B <live>"},
        headers={"X-Recorder-Token": token},
        upload_files=[("file", "capture.mp4", b"recorded bytes")],
        status=201,
    )
    video = dbsession.get(Video, answer.json["video"])
    assert (video.title, video.owner_id, video.language, video.access) == (
        "Amphi B <live>",
        people["prof"].id,
        "en",
        "draft",
    )
    assert answer.json["pending"] is True
    assert dbsession.query(PendingRecording).filter_by(video_id=video.id).count() == 1


def test_raw_bytes_with_a_file_name_and_auto_publish(pusher, testapp, dbsession, site):
    recorder, token = pusher
    physics = Channel(site_id=site.id, slug="physique", title="Physique")
    dbsession.add(physics)
    dbsession.flush()
    recorder.auto_publish, recorder.access, recorder.channel_id = True, "signed-in", physics.id
    answer = testapp.post(
        "/recorder/push?filename=TD%203.mp4",
        b"raw recorded bytes",
        headers={"X-Recorder-Token": token, "Content-Type": "video/mp4"},
        status=201,
    )
    video = dbsession.get(Video, answer.json["video"])
    assert (video.title, video.access, video.channels) == ("TD 3", "signed-in", [physics])
    assert dbsession.query(PendingRecording).filter_by(video_id=video.id).count() == 0


def test_bad_tokens_missing_files_and_big_files_are_refused(pusher, make_recorder, site, testapp, dbsession):
    recorder, token = pusher
    files = [("file", "capture.mp4", b"bytes")]
    assert testapp.post("/recorder/push", upload_files=files, status=401).json["error"] == "unauthorized"
    testapp.post("/recorder/push", upload_files=files, headers={"X-Recorder-Token": "amphirec_wrong"}, status=401)
    agent = make_recorder(site, name="agent-2", type="opencast")
    agent_token = new_push_token(agent)  # a token of a recorder that is not a push recorder opens nothing
    testapp.post("/recorder/push", upload_files=files, headers={"X-Recorder-Token": agent_token}, status=401)
    assert (
        testapp.post("/recorder/push", {"title": "x"}, headers={"X-Recorder-Token": token}, status=400).json["error"]
        == "no-file"
    )
    site.upload_max_size = 10
    testapp.post(
        "/recorder/push",
        upload_files=[("file", "big.mp4", b"x" * 100)],
        headers={"X-Recorder-Token": token},
        status=413,
    )
    assert dbsession.query(Video).count() == 0


def test_a_new_token_replaces_the_old_one(pusher, testapp):
    recorder, token = pusher
    new_push_token(recorder)
    testapp.post(
        "/recorder/push", upload_files=[("file", "a.mp4", b"bytes")], headers={"X-Recorder-Token": token}, status=401
    )


def test_a_recording_past_its_owners_quota_is_refused_and_not_kept(pusher, testapp, dbsession, site, app, monkeypatch):
    recorder, token = pusher
    site.upload_user_quota = 10
    answer = testapp.post(
        "/recorder/push",
        upload_files=[("file", "capture.mp4", b"recorded bytes")],
        headers={"X-Recorder-Token": token},
        status=413,
    )
    assert answer.json["error"] == "quota-exceeded" and "storage quota" in answer.json["message"]
    assert dbsession.query(Video).count() == 0
    uploads = os.path.dirname(get_storage(app.registry, site).local_path(upload_key(site.id, "any")))
    assert (
        not [name for name in os.listdir(uploads) if name.startswith("recorder-")] if os.path.isdir(uploads) else True
    )
