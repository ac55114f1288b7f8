"""The replay: recorded FLV parts joined without re-encoding, an interpreter's audio added in its language,
aligned by its publish time, then ingested as a draft video of the owners (real ffmpeg, small clips)."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core import hookimpl
from core.models import Channel, Job, Site, User, Video, utcnow
from core.plugin_api import worker_request
from plugins.live import packaging
from plugins.live.models import LiveAudio, LiveEvent, LiveRecording
from plugins.live.replay import ReplayError, assemble, make_replay, plan_of, store_replay

PASSWORD = "a long password 1"


def flv(path: str, seconds: float, video: bool = True, frequency: int = 440) -> str:
    inputs = ["-f", "lavfi", "-i", f"testsrc2=size=320x240:rate=25:duration={seconds}"] if video else []
    inputs += ["-f", "lavfi", "-i", f"sine=frequency={frequency}:duration={seconds}"]
    codecs = ["-c:v", "libx264", "-preset", "ultrafast", "-g", "25"] if video else []
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", *inputs, *codecs, "-c:a", "aac", "-shortest", "-f", "flv", path], check=True
    )
    return path


def probe(path: str) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", path],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


@pytest.fixture
def recorded(app, site, make_user, dbsession):
    """An event whose main stream dropped once (two parts) with an English interpreter starting 1 s later."""
    root = packaging.recordings_folder(app.registry)
    os.makedirs(root, exist_ok=True)
    prof = make_user(site, "prof", role="staff", password=PASSWORD)
    start = utcnow() - timedelta(minutes=30)
    event = LiveEvent(
        site_id=site.id,
        title="Soutenance de thèse",
        description="Jury",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )
    event.owners = [prof]
    event.access, event.state, event.ended_at = "signed-in", "ended", utcnow() - timedelta(minutes=5)
    event.audios.append(LiveAudio(language="en", name="English"))
    dbsession.add(event)
    dbsession.flush()
    tag = f"{event.id}-{os.getpid()}"
    parts = [flv(os.path.join(root, f"e{tag}-{n}.flv"), 2) for n in range(2)]
    english = flv(os.path.join(root, f"e{tag}_en.flv"), 2, video=False, frequency=880)
    event.recordings = [
        LiveRecording(language="", stream=f"e{event.id}", started_at=start, path=parts[0]),
        LiveRecording(language="", stream=f"e{event.id}", started_at=start + timedelta(seconds=10), path=parts[1]),
        LiveRecording(language="en", stream=f"e{event.id}_en", started_at=start + timedelta(seconds=1), path=english),
    ]
    dbsession.flush()
    yield event
    for path in [*parts, english]:
        if os.path.exists(path):
            os.unlink(path)


def test_parts_are_joined_and_the_interpreter_is_a_tagged_audio_stream(app, recorded, tmp_path):
    plan = plan_of(recorded, packaging.recordings_folder(app.registry))
    assert len(plan.main) == 2 and plan.audios[0].offset == 1.0
    info = probe(assemble(plan, str(tmp_path)))
    kinds = [s["codec_type"] for s in info["streams"]]
    assert kinds == ["video", "audio", "audio"]
    english = info["streams"][2]["tags"]
    assert english["language"] == "en" and english["title"] == "English"
    assert 3.5 <= float(info["format"]["duration"]) <= 5.0  # two 2 s parts, copied
    assert info["streams"][0]["codec_name"] == "h264"


def test_a_recording_outside_the_recordings_folder_is_never_read(app, recorded, dbsession):
    for recording in recorded.recordings:
        if not recording.language:
            recording.path = "/etc/passwd"
    dbsession.flush()
    with pytest.raises(ReplayError):
        plan_of(recorded, packaging.recordings_folder(app.registry))


def test_the_replay_becomes_a_draft_video_of_the_owners(app, recorded, make_request, site, dbsession, tmp_path):
    channel = Channel(site_id=site.id, slug="theses", title="Thèses")
    dbsession.add(channel)
    recorded.channel = channel
    recorded.replay_state = "running"
    dbsession.flush()
    path = assemble(plan_of(recorded, packaging.recordings_folder(app.registry)), str(tmp_path))
    video = store_replay(make_request(site, recorded.owners[0]), recorded, path)
    dbsession.flush()
    assert video.title == "Soutenance de thèse" and video.description == "Jury"
    assert video.access == "draft" and video.owner_id == recorded.owners[0].id
    assert channel in video.channels
    assert recorded.state == "replay_ready" and recorded.replay_video_id == video.id
    assert [job.kind for job in dbsession.query(Job).filter(Job.video_id == video.id)] == ["encode"]


def test_the_event_page_offers_the_replay_to_its_owners(
    app, recorded, make_request, make_testapp, site, dbsession, tmp_path
):
    recorded.replay_state = "running"
    dbsession.flush()
    path = assemble(plan_of(recorded, packaging.recordings_folder(app.registry)), str(tmp_path))
    video = store_replay(make_request(site, recorded.owners[0]), recorded, path)
    dbsession.flush()
    owner = make_testapp("a.test")
    owner.sign_in("prof", PASSWORD)
    page = owner.get(f"/live/events/{recorded.id}")
    assert f"/videos/{video.id}" in page.text
    stranger = make_testapp("a.test")
    assert f"/videos/{video.id}" not in stranger.get(f"/live/events/{recorded.id}", status="*").text


def test_a_broadcast_without_recording_says_so(app, recorded, make_request, site, dbsession):
    recorded.recordings = []
    recorded.replay_state = "queued"
    dbsession.flush()
    with pytest.raises(ReplayError, match="No recording"):
        plan_of(recorded, packaging.recordings_folder(app.registry))


def test_the_sweep_requeues_an_assembly_whose_worker_died(app, recorded, make_request, site, dbsession):
    from plugins.live.replay import sweep

    recorded.replay_state = "running"
    dbsession.flush()
    sweep(make_request(site))
    assert recorded.replay_state == "running"  # still fresh
    sweep(make_request(site), now=utcnow() + timedelta(hours=4))
    assert recorded.replay_state == "queued"


class ReplayWitness:
    """A plugin told of replays (what the chat plugin does with ``amphi_live_replay``)."""

    def __init__(self):
        self.replays = []

    @hookimpl
    def amphi_live_replay(self, request, event, video_id):
        self.replays.append((event["id"], event["room"], video_id))


def test_the_replay_task_claims_assembles_ingests_and_tells_the_plugins(app, committed_site, register_plugin):
    site_id, user_id = committed_site
    witness = ReplayWitness()
    register_plugin(witness, "replay_witness")
    root = packaging.recordings_folder(app.registry)
    os.makedirs(root, exist_ok=True)
    part = flv(os.path.join(root, f"e-task-{os.getpid()}.flv"), 2)
    with worker_request(site_id) as request:
        site = request.dbsession.get(Site, site_id)
        site.enabled_plugins = [*site.enabled_plugins, "replay_witness"]
        start = utcnow() - timedelta(minutes=20)
        event = LiveEvent(site_id=site_id, title="Conférence", starts_at=start, ends_at=start + timedelta(hours=1))
        event.owners = [request.dbsession.get(User, user_id)]
        event.state, event.ended_at, event.replay_state = "ended", utcnow() - timedelta(minutes=5), "queued"
        event.recordings = [LiveRecording(stream="e0", started_at=start, path=part)]
        request.dbsession.add(event)
        request.dbsession.flush()
        event_id = event.id
    make_replay.call_local(event_id)
    with worker_request(site_id) as request:
        event = request.dbsession.get(LiveEvent, event_id)
        assert (event.state, event.replay_state, event.replay_error) == ("replay_ready", "done", "")
        video = event.replay_video
        assert video.title == "Conférence" and video.owner_id == user_id and video.access == "draft"
        video_id = video.id
    assert witness.replays == [(event_id, f"event-{event_id}", video_id)]
    assert not os.path.exists(part)  # kept in the video's storage, the recording is removed
    make_replay.call_local(event_id)  # a second run (a duplicate message) does nothing
    with worker_request(site_id) as request:
        assert request.dbsession.scalar(select(func.count()).select_from(Video).where(Video.site_id == site_id)) == 1
