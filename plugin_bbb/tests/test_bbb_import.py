"""Recordings imported as videos, for real, with committed rows (the task opens its own transactions) against
the fake server: the ``video`` file (as a URL or BigBlueButton's playback page), the ``presentation`` filmed by
the capture worker, the ``podcast`` as audio; files missing, a capture that crashes, two workers at once, a
worker killed midway. Each import ends in the core's ingest (a draft video, its encoding queued)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.models import Channel, Notification, Site, User, Video, utcnow
from core.plugin_api import create_user, get_storage, upload_key, worker_request
from plugin_bbb.importing import Heartbeat, claim, fail, import_recording, publish
from plugin_bbb.models import BbbMeeting, BbbRecording, BbbServer
from plugin_bbb.reconcile import requeue_imports
from plugin_bbb.recordings import recordings_ready
from plugin_bbb.sources import ImportFailure, Media


@dataclass
class Recorded:
    site_id: int
    owner_id: int
    colleague_id: int
    server_id: int
    meeting_id: int
    external_id: str
    channel_id: int


@pytest.fixture
def recorded(app, committed_site, fake_bbb) -> Recorded:
    """A committed site with the fake server and a recorded meeting owned by two people, in a channel; films
    at 640x360."""
    site_id, owner_id = committed_site
    with worker_request(site_id) as request:
        request.site.plugin_settings = {**(request.site.plugin_settings or {}), "bbb": {"capture_size": "640x360"}}
        colleague = create_user(request, "colleague", role="staff", password="colleague password 1")
        colleague.locale = "fr"
        channel = Channel(site_id=site_id, slug="meetings", title="Meetings")
        server = BbbServer(site_id=site_id, name="Fake", url=fake_bbb.url, secret=fake_bbb.secret)
        request.dbsession.add_all([channel, server])
        request.dbsession.flush()
        meeting = BbbMeeting(
            site_id=site_id, server_id=server.id, name="Optics <live>", description="Lenses.", always_open=True
        )
        meeting.owners = [request.dbsession.get(User, owner_id), colleague]
        meeting.channel = channel
        request.dbsession.add(meeting)
        request.dbsession.flush()
        ids = Recorded(site_id, owner_id, colleague.id, server.id, meeting.id, meeting.meeting_id, channel.id)
    return ids


def report(ids: Recorded, record_id: str, recording=None) -> int:
    """The server reports a recording (as the callback does); its import runs once this commits (huey runs
    tasks at once in the tests)."""
    with worker_request(ids.site_id) as request:
        server = request.dbsession.get(BbbServer, ids.server_id)
        meeting = request.dbsession.get(BbbMeeting, ids.meeting_id)
        row, created = recordings_ready(request, server, meeting, record_id, "callback", recording)
        assert created
        return row.id


def listed_row(ids: Recorded, record_id: str) -> int:
    """A listed row whose import is not queued (to run the task by hand)."""
    with worker_request(ids.site_id) as request:
        row = BbbRecording(
            site_id=ids.site_id, server_id=ids.server_id, meeting_id=ids.meeting_id, record_id=record_id, formats=[]
        )
        request.dbsession.add(row)
        request.dbsession.flush()
        return row.id


def row_of(row_id: int) -> dict:
    with worker_request() as request:
        row = request.dbsession.get(BbbRecording, row_id)
        return {c.name: getattr(row, c.name) for c in BbbRecording.__table__.columns}


def videos(site_id: int) -> list[dict]:
    with worker_request(site_id) as request:
        rows = request.dbsession.scalars(select(Video).where(Video.site_id == site_id).order_by(Video.id))
        return [
            {
                "id": v.id,
                "title": v.title,
                "description": v.description,
                "access": v.access,
                "owner_id": v.owner_id,
                "others": [u.id for u in v.additional_owners],
                "channels": [c.id for c in v.channels],
                "date_recorded": v.date_recorded,
                "jobs": sorted(j.kind for j in v.jobs),
                "status": v.status,
                "source": next((f.key for f in v.files if f.kind == "source"), None),
            }
            for v in rows
        ]


def probe_source(key: str) -> dict:
    with worker_request() as request:
        site = request.dbsession.scalar(
            select(Site).join(Video).where(Video.id == int(key.split("/videos/")[1].split("/")[0]))
        )
        path = get_storage(request.registry, site).local_path(key)
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", path],
        capture_output=True,
        text=True,
        check=True,
    )
    info = json.loads(out.stdout)
    video = next((s for s in info["streams"] if s["codec_type"] == "video"), None)
    return {
        "duration": float(info["format"]["duration"]),
        "size": (video["width"], video["height"]) if video else None,
        "audio": any(s["codec_type"] == "audio" for s in info["streams"]),
    }


@pytest.mark.parametrize("layout", ["file", "page"])
def test_the_video_format_becomes_one_draft_video_of_the_owners(recorded, fake_bbb, layout):
    fake_bbb.video_layout = layout
    seeded = fake_bbb.add_recording(recorded.external_id, formats=("presentation", "video", "podcast"), duration=2)
    row_id = report(recorded, seeded.record_id)
    row = row_of(row_id)
    assert (row["state"], row["error"], row["attempts"], row["worker"]) == ("imported", "", 1, "")
    (video,) = videos(recorded.site_id)
    assert row["video_id"] == video["id"]
    assert video["title"].startswith("Optics <live> (") and video["description"] == "Lenses."
    assert video["access"] == "draft" and video["owner_id"] == recorded.owner_id
    assert video["others"] == [recorded.colleague_id] and video["channels"] == [recorded.channel_id]
    assert video["date_recorded"] is not None and video["jobs"] == ["encode"] and video["status"] == "ready"
    source = probe_source(video["source"])
    assert source["size"] == (320, 240) and source["audio"] and 1.5 <= source["duration"] <= 2.6
    with worker_request(recorded.site_id) as request:
        told = request.dbsession.execute(
            select(Notification.user_id, Notification.title, Notification.link).where(
                Notification.kind == "bbb.recording_imported"
            )
        ).all()
    assert sorted(user for user, _, _ in told) == sorted([recorded.owner_id, recorded.colleague_id])
    french = next(title for user, title, _ in told if user == recorded.colleague_id)
    assert french == "L’enregistrement de « Optics <live> » est devenu une vidéo"
    assert {link for _, _, link in told} == {f"/videos/{video['id']}"}
    import_recording.call_local(row_id)  # a second import (a duplicate message) makes nothing
    with worker_request(recorded.site_id) as request:
        server = request.dbsession.get(BbbServer, recorded.server_id)
        meeting = request.dbsession.get(BbbMeeting, recorded.meeting_id)
        assert recordings_ready(request, server, meeting, seeded.record_id, "reconcile")[1] is False
    assert len(videos(recorded.site_id)) == 1


def test_a_podcast_alone_becomes_an_audio_only_video(recorded, fake_bbb):
    seeded = fake_bbb.add_recording(recorded.external_id, formats=("podcast",), duration=2)
    row = row_of(report(recorded, seeded.record_id))
    assert row["state"] == "imported"
    (video,) = videos(recorded.site_id)
    source = probe_source(video["source"])
    assert source["size"] is None and source["audio"] and 1.5 <= source["duration"] <= 2.6
    assert video["status"] == "ready"  # the core's encoder took it as audio only (tasks run at once here)


def test_the_presentation_is_filmed_into_a_video_with_picture_and_sound(recorded, fake_bbb):
    seeded = fake_bbb.add_recording(recorded.external_id, formats=("presentation", "podcast"), duration=3)
    row = row_of(report(recorded, seeded.record_id))
    assert (row["state"], row["error_detail"]) == ("imported", "")
    (video,) = videos(recorded.site_id)
    source = probe_source(video["source"])
    assert source["size"] == (640, 360) and source["audio"]
    assert 2.5 <= source["duration"] <= 4.5  # the playback's 3 s, from the press of play to its end


def test_missing_files_fail_in_words_and_are_retried_a_bounded_number_of_times(recorded, fake_bbb):
    seeded = fake_bbb.add_recording(recorded.external_id, formats=("video",), duration=2)
    seeded.files_missing = True
    row_id = report(recorded, seeded.record_id)
    for attempt in (1, 2, 3):
        row = row_of(row_id)
        assert (row["state"], row["attempts"]) == ("failed", attempt)
        assert row["error"] == "The recording's files are missing on the server."
        assert "HTTP 404" in row["error_detail"]
        if attempt < 3:
            assert row["retry_at"] > utcnow()
            with worker_request() as request:
                assert requeue_imports(request, now=utcnow())["retried"] == 0  # not yet
            with worker_request() as request:
                assert requeue_imports(request, now=row["retry_at"] + timedelta(seconds=1))["retried"] == 1
    assert row_of(row_id)["retry_at"] is None  # the last attempt: no more by itself
    with worker_request() as request:
        assert requeue_imports(request, now=utcnow() + timedelta(days=30))["retried"] == 0
    assert videos(recorded.site_id) == []


def kill_ffmpeg_once_filming(scratch_root: str, killed: list) -> None:
    """Kill the capture's ffmpeg once its partial file grows in an import's scratch folder."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        partials = [
            os.path.join(folder, name)
            for folder, _, names in os.walk(scratch_root)
            for name in names
            if ".capturing-" in name
        ]
        growing = [p for p in partials if os.path.exists(p) and os.path.getsize(p) > 0]
        if growing:
            time.sleep(0.5)
            for pid in os.listdir("/proc"):
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as handle:
                        command = handle.read()
                except OSError:
                    continue
                if command.startswith(b"ffmpeg") or b"/ffmpeg\0" in command:
                    if any(p.encode() in command for p in growing):
                        os.kill(int(pid), signal.SIGKILL)
                        killed.append(int(pid))
            return
        time.sleep(0.1)


def test_a_capture_that_crashes_halfway_is_retried_and_never_half_published(app, recorded, fake_bbb):
    scratch_root = os.path.join(app.registry.settings["amphi.var_dir"], "tmp")
    seeded = fake_bbb.add_recording(recorded.external_id, formats=("presentation",), duration=60)
    killed: list = []
    killer = threading.Thread(target=kill_ffmpeg_once_filming, args=(scratch_root, killed))
    killer.start()
    row_id = report(recorded, seeded.record_id)
    killer.join()
    assert killed, "ffmpeg was not found filming"
    row = row_of(row_id)
    assert (row["state"], row["error"]) == ("failed", "The presentation could not be filmed.")
    assert "ffmpeg" in row["error_detail"] and row["retry_at"] is not None
    assert videos(recorded.site_id) == []
    leftovers = [name for _, _, names in os.walk(scratch_root) for name in names if "presentation" in name]
    assert leftovers == []
    seeded.duration = 3.0  # the next attempt films to the end
    with worker_request() as request:
        assert requeue_imports(request, now=row["retry_at"] + timedelta(seconds=1))["retried"] == 1
    row = row_of(row_id)
    assert (row["state"], row["attempts"], row["error"]) == ("imported", 2, "")
    (video,) = videos(recorded.site_id)
    assert 2.5 <= probe_source(video["source"])["duration"] <= 4.5


def test_two_workers_claim_a_recording_once(recorded, fake_bbb):
    seeded = fake_bbb.add_recording(recorded.external_id, formats=("video",), duration=2)
    row_id = listed_row(recorded, seeded.record_id)
    start = threading.Barrier(2)
    plans, errors = [], []

    def claimer(name):
        try:
            start.wait()
            plans.append(claim(row_id, name))
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    workers = [threading.Thread(target=claimer, args=(f"worker-{n}",)) for n in (1, 2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert sum(plan is not None for plan in plans) == 1
    assert row_of(row_id)["worker"] == next(plan.worker for plan in plans if plan is not None)


def test_two_imports_at_once_make_one_video(recorded, fake_bbb):
    seeded = fake_bbb.add_recording(recorded.external_id, formats=("video",), duration=2)
    row_id = listed_row(recorded, seeded.record_id)
    start = threading.Barrier(2)

    def run():
        start.wait()
        import_recording.call_local(row_id)

    workers = [threading.Thread(target=run) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert row_of(row_id)["state"] == "imported"
    assert len(videos(recorded.site_id)) == 1
    assert len(fake_bbb.calls_of("getRecordings")) == 1  # the loser stopped at its claim


def test_a_killed_worker_is_taken_back_by_the_reconciliation(recorded, fake_bbb, tmp_path):
    seeded = fake_bbb.add_recording(recorded.external_id, formats=("video",), duration=2)
    row_id = listed_row(recorded, seeded.record_id)
    dead = claim(row_id, "dead-host:1:0")  # claimed, then its worker was killed: no more heartbeat
    assert row_of(row_id)["state"] == "importing"
    with worker_request() as request:
        assert requeue_imports(request)["reclaimed"] == 0  # its heartbeat is still fresh
    with worker_request() as request:
        assert requeue_imports(request, now=utcnow() + timedelta(minutes=6))["reclaimed"] == 1
    row = row_of(row_id)
    assert (row["state"], row["attempts"]) == ("imported", 2)
    assert row["worker"] == "" and row["error"] == ""
    # The lost worker, had it only been slow, can neither publish nor fail the row now.
    media = tmp_path / "late.mp4"
    media.write_bytes(b"late")
    key = "late-key"
    with pytest.raises(Exception) as refused:
        publish(dead, stored(dead, key, str(media)), Media(str(media), "video", "late.mp4", "video/mp4"), None)
    assert type(refused.value).__name__ == "Abandoned" and not dead.storage.exists(key)
    fail(dead, ImportFailure("late", retry=True))
    assert row_of(row_id)["state"] == "imported"
    assert len(videos(recorded.site_id)) == 1


def stored(plan, key: str, path: str) -> str:
    full = upload_key(plan.site_id, key)
    with open(path, "rb") as handle:
        plan.storage.save(full, handle)
    return full


def test_a_worker_lost_too_often_is_given_up_in_words(recorded, fake_bbb):
    seeded = fake_bbb.add_recording(recorded.external_id, formats=("video",), duration=2)
    row_id = listed_row(recorded, seeded.record_id)
    with worker_request() as request:
        request.dbsession.get(BbbRecording, row_id).attempts = 2
    claim(row_id, "dead-host:2:0")  # the third attempt, lost too
    with worker_request() as request:
        assert requeue_imports(request, now=utcnow() + timedelta(minutes=6))["given_up"] == 1
    row = row_of(row_id)
    assert (row["state"], row["retry_at"]) == ("failed", None)
    assert row["error"] == "The import stopped midway (its worker was lost)."


def test_the_heartbeat_beats_and_notices_a_row_taken_back(recorded, fake_bbb):
    seeded = fake_bbb.add_recording(recorded.external_id, formats=("video",), duration=2)
    row_id = listed_row(recorded, seeded.record_id)
    plan = claim(row_id, "beating:1:0")
    first = row_of(row_id)["heartbeat_at"]
    with Heartbeat(plan, interval=0.05) as heartbeat:
        deadline = time.monotonic() + 10
        while row_of(row_id)["heartbeat_at"] == first and time.monotonic() < deadline:
            time.sleep(0.05)
        assert row_of(row_id)["heartbeat_at"] > first
        with worker_request() as request:
            request.dbsession.get(BbbRecording, row_id).worker = "someone-else"
        assert heartbeat.lost.wait(10)


def test_a_recording_of_nobody_or_unpublished_is_not_imported(recorded, fake_bbb):
    from plugin_bbb.client import client_for

    seeded = fake_bbb.add_recording(recorded.external_id, formats=("video",), duration=2, published=False)
    with worker_request(recorded.site_id) as request:
        server = request.dbsession.get(BbbServer, recorded.server_id)
        (recording,) = client_for(server).get_recordings(record_ids=[seeded.record_id])
        meeting = request.dbsession.get(BbbMeeting, recorded.meeting_id)
        row, _ = recordings_ready(request, server, meeting, seeded.record_id, "reconcile", recording)
        orphan, _ = recordings_ready(request, server, None, "orphan-1", "webhook")
        row_id, orphan_id = row.id, orphan.id
    assert row_of(row_id)["state"] == "listed" and row_of(orphan_id)["state"] == "listed"  # nothing queued
    import_recording.call_local(orphan_id)
    assert row_of(orphan_id)["state"] == "failed"
    assert row_of(orphan_id)["error"] == "The recording belongs to no meeting of this site."
    import_recording.call_local(row_id)
    row = row_of(row_id)
    assert row["state"] == "failed" and row["retry_at"] is None
    assert row["error"] == "The recording is unpublished on the server: publish it, then import it again."
    assert videos(recorded.site_id) == []


def test_a_site_that_turned_the_plugin_off_imports_nothing(recorded, fake_bbb):
    seeded = fake_bbb.add_recording(recorded.external_id, formats=("video",), duration=2)
    row_id = listed_row(recorded, seeded.record_id)
    with worker_request(recorded.site_id) as request:
        request.site.enabled_plugins = [name for name in request.site.enabled_plugins if name != "bbb"]
    with worker_request() as request:
        assert requeue_imports(request, now=utcnow() + timedelta(days=1)) == {
            "reclaimed": 0,
            "given_up": 0,
            "retried": 0,
            "requeued": 0,
        }
    import_recording.call_local(row_id)  # a message sent before it was turned off
    row = row_of(row_id)
    assert (row["state"], row["error"]) == ("failed", "BigBlueButton is turned off on this site.")
    assert videos(recorded.site_id) == [] and fake_bbb.calls_of("getRecordings") == []
