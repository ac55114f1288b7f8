"""Watched drop folders: stable files only, hidden and partial ones left alone, never twice, moved aside."""

import os
import shutil
import time

import pytest

from core.models import User, Video
from core.platform.tasks import worker_request
from plugin_recorder import folder as folder_module
from plugin_recorder.folder import scan_drop_folders, scan_recorder
from plugin_recorder.models import DropFile, PendingRecording, Recorder


@pytest.fixture
def folder_recorder(committed_site, drop_root, smtp_sink):
    site_id, user_id = committed_site
    folder = drop_root / "amphi-b12"
    folder.mkdir()
    with worker_request() as request:
        request.dbsession.get(User, user_id).email = "owner@example.org"
        recorder = Recorder(
            site_id=site_id,
            name="amphi-b12",
            type="folder",
            username="amphi-b12",
            drop_folder=str(folder),
            stable_seconds=1,
            manager_id=user_id,
            language="fr",
        )
        request.dbsession.add(recorder)
        request.dbsession.flush()
        recorder_id = recorder.id
    return recorder_id, folder


def videos_of(recorder_id):
    with worker_request() as request:
        site_id = request.dbsession.get(Recorder, recorder_id).site_id
        return [
            (v.title, v.status, v.language, v.access)
            for v in request.dbsession.query(Video).filter(Video.site_id == site_id).order_by(Video.id)
        ]


def folder_recorder_host(recorder_id):
    with worker_request() as request:
        return request.dbsession.get(Recorder, recorder_id).site.domains[0].domain


def test_a_file_is_taken_once_its_size_is_stable_and_only_once(folder_recorder, smtp_sink, tiny_clip):
    recorder_id, folder = folder_recorder
    (folder / ".hidden.mp4").write_bytes(b"hidden")
    (folder / "upload.mp4.part").write_bytes(b"in transfer")
    growing = folder / "Cours 12.mp4"
    with open(growing, "wb") as handle:
        handle.write(tiny_clip[:1000])
        handle.flush()
        assert scan_recorder(recorder_id) == 0  # first seen: its stable time starts
        time.sleep(1.2)
        handle.write(tiny_clip[1000:])  # still being written
        handle.flush()
        assert scan_recorder(recorder_id) == 0  # it changed: waits again
    time.sleep(1.2)
    assert scan_recorder(recorder_id) == 1
    assert videos_of(recorder_id) == [("Cours 12", "ready", "fr", "draft")]
    assert sorted(os.listdir(folder)) == [".hidden.mp4", "processed", "upload.mp4.part"]
    assert (folder / "processed" / "Cours 12.mp4").read_bytes() == tiny_clip
    # Put back as it was (same name, size and time): it is not taken a second time.
    shutil.move(folder / "processed" / "Cours 12.mp4", growing)
    assert scan_recorder(recorder_id) == 0
    time.sleep(1.2)
    assert scan_recorder(recorder_id) == 0
    assert len(videos_of(recorder_id)) == 1
    with worker_request() as request:
        pending = request.dbsession.query(PendingRecording).filter_by(recorder_id=recorder_id).one()
        assert pending.video.title == "Cours 12"
        pending_id = pending.id
        assert request.dbsession.query(DropFile).filter_by(recorder_id=recorder_id, status="done").count() == 1
    # The owner is told the video is ready too (the core's notification): the recorder's own is the one that waits.
    [message] = [m for m in smtp_sink.messages if "waits" in m["Subject"]]
    assert sorted(m["Subject"] for m in smtp_sink.messages if m is not message) == ["Your video “Cours 12” is ready"]
    assert message["To"] == "owner@example.org" and "Cours 12" in message["Subject"]
    assert f"https://{folder_recorder_host(recorder_id)}/recorder/pending/{pending_id}" in message.get_content()


def test_the_periodic_job_scans_folder_recorders_of_enabled_sites_only(folder_recorder, tiny_clip):
    recorder_id, folder = folder_recorder
    (folder / "td.mp4").write_bytes(tiny_clip)
    scan_drop_folders()  # first sight (huey runs the per-recorder task at once in tests)
    time.sleep(1.2)
    with worker_request() as request:
        site = request.dbsession.get(Recorder, recorder_id).site
        site.enabled_plugins = [name for name in site.enabled_plugins if name != "recorder"]
    scan_drop_folders()
    assert videos_of(recorder_id) == []
    with worker_request() as request:
        site = request.dbsession.get(Recorder, recorder_id).site
        site.enabled_plugins = [*site.enabled_plugins, "recorder"]
    scan_drop_folders()
    assert videos_of(recorder_id) == [("td", "ready", "fr", "draft")]


def test_a_folder_outside_the_drop_root_is_never_read(folder_recorder, tmp_path):
    recorder_id, _folder = folder_recorder
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.mp4").write_bytes(b"not for the recorder")
    with worker_request() as request:
        request.dbsession.get(Recorder, recorder_id).drop_folder = str(outside)
    assert scan_recorder(recorder_id) == 0
    time.sleep(1.1)
    assert scan_recorder(recorder_id) == 0
    assert os.listdir(outside) == ["secret.mp4"]


def test_a_file_that_cannot_be_ingested_is_moved_to_failed_with_its_reason(folder_recorder):
    recorder_id, folder = folder_recorder
    with worker_request() as request:
        request.dbsession.get(Recorder, recorder_id).manager_id = None  # nobody to own it
    (folder / "orphan.mp4").write_bytes(b"bytes")
    scan_recorder(recorder_id)
    time.sleep(1.2)
    assert scan_recorder(recorder_id) == 1
    assert os.listdir(folder / "failed") == ["orphan.mp4"] and "orphan.mp4" not in os.listdir(folder)
    with worker_request() as request:
        drop = request.dbsession.query(DropFile).filter_by(recorder_id=recorder_id).one()
        assert (drop.status, drop.error) == (
            "failed",
            "ValueError: the recorder has neither a manager nor a default owner",
        )


def test_a_file_past_its_owners_quota_fails_with_the_reason_and_is_kept(folder_recorder, tiny_clip):
    recorder_id, folder = folder_recorder
    with worker_request() as request:
        request.dbsession.get(Recorder, recorder_id).site.upload_user_quota = 100
    (folder / "big.mp4").write_bytes(tiny_clip)
    scan_recorder(recorder_id)
    time.sleep(1.2)
    assert scan_recorder(recorder_id) == 1
    assert (folder / "failed" / "big.mp4").read_bytes() == tiny_clip and videos_of(recorder_id) == []
    with worker_request() as request:
        drop = request.dbsession.query(DropFile).filter_by(recorder_id=recorder_id).one()
        assert drop.status == "failed" and "storage quota (0 MB)" in drop.error


def test_a_file_left_by_a_crash_after_the_commit_is_moved_aside_not_ingested_again(
    folder_recorder, tiny_clip, monkeypatch
):
    recorder_id, folder = folder_recorder
    (folder / "crash.mp4").write_bytes(tiny_clip)
    scan_recorder(recorder_id)
    time.sleep(1.2)

    def worker_dies(path, subfolder):
        raise SystemExit("killed between the commit and the move")

    move_aside = folder_module.move_aside
    monkeypatch.setattr(folder_module, "move_aside", worker_dies)
    with pytest.raises(SystemExit):
        scan_recorder(recorder_id)
    monkeypatch.setattr(folder_module, "move_aside", move_aside)
    assert os.listdir(folder) == ["crash.mp4"] and len(videos_of(recorder_id)) == 1  # committed, not moved
    assert scan_recorder(recorder_id) == 0
    assert (
        sorted(os.listdir(folder)) == ["processed"] and (folder / "processed" / "crash.mp4").read_bytes() == tiny_clip
    )
    assert len(videos_of(recorder_id)) == 1
    with worker_request() as request:
        assert request.dbsession.query(DropFile).filter_by(recorder_id=recorder_id).one().status == "done"


def test_a_file_whose_worker_stopped_before_its_commit_is_taken_again_later(folder_recorder, tiny_clip, monkeypatch):
    recorder_id, folder = folder_recorder
    (folder / "stopped.mp4").write_bytes(tiny_clip)
    scan_recorder(recorder_id)
    time.sleep(1.2)
    process = folder_module.process
    monkeypatch.setattr(folder_module, "process", lambda recorder_id, drop_id: None)  # claimed, then the worker dies
    assert scan_recorder(recorder_id) == 1
    monkeypatch.setattr(folder_module, "process", process)
    assert scan_recorder(recorder_id) == 0  # a recent claim: someone may still be at work on it
    assert videos_of(recorder_id) == [] and os.listdir(folder) == ["stopped.mp4"]
    with worker_request() as request:
        drop = request.dbsession.query(DropFile).filter_by(recorder_id=recorder_id).one()
        assert drop.status == "processing"
        drop.seen_at -= folder_module.STALE_CLAIM
    assert scan_recorder(recorder_id) == 1
    assert [title for title, *_ in videos_of(recorder_id)] == ["stopped"]
    assert sorted(os.listdir(folder)) == ["processed"]
