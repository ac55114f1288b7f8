"""A meeting broadcast for real in capture mode: the streamer joins the fake meeting as a viewer (its
"client" a page with a moving picture and a tone), Xvfb, PulseAudio, Chromium and ffmpeg publish it over
RTMP into nginx-rtmp, which the live plugin admits with the event's key: the event goes on air. The
owner's Stop ends the capture, then the event; nginx's recording of it has picture and sound. A worker
killed while it streams is noticed, and the broadcast resumes into the same event."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta

import pytest
import requests
from live_site import live_bbb  # noqa: F401  (the fixture)
from sqlalchemy import select

from core.models import utcnow
from core.plugin_api import worker_request
from core.testing import write_ini
from plugin_bbb import broadcasts, streamer
from plugin_bbb.broadcast_models import BbbBroadcast
from plugins.live import segments
from plugins.live.callbacks import callback_secret
from plugins.live.models import LiveEvent, LiveRecording
from plugins.live.testing import live_nginx  # noqa: F401  (the fixture)


@pytest.fixture(autouse=True)
def programs():
    for program in ("Xvfb", "pulseaudio", "ffmpeg", "chromium"):
        if shutil.which(program) is None:
            pytest.fail(f"{program} is missing (scripts/bootstrap.sh installs it)")


def small_settings(nginx) -> dict:
    """Publish into the test nginx, small and quick."""
    return {
        "amphi.live.ingest_url": f"rtmp://127.0.0.1:{nginx.rtmp_port}/live",
        "amphi.bbb.capture_width": "640",
        "amphi.bbb.capture_height": "360",
        "amphi.bbb.capture_fps": "15",
        "amphi.bbb.capture_video_kbps": "500",
    }


@pytest.fixture
def streaming(app, live_bbb, live_nginx, monkeypatch):
    """nginx-rtmp calling the served application back; captures small and quick; the worker's task run in
    a thread of this process (``launch``), as a worker's thread runs it."""
    nginx = live_nginx(
        app_url=live_bbb.base,
        callback_secret=callback_secret(app.registry),
        link_secret=segments.link_secret(app.registry.settings),
    )
    for key, value in small_settings(nginx).items():
        monkeypatch.setitem(app.registry.settings, key, value)
    monkeypatch.setattr(streamer, "POLL_SECONDS", 0.5)
    workers: list[threading.Thread] = []

    def launch(broadcast_id, mode, delay=0):
        worker = threading.Thread(target=streamer.run_capture.call_local, args=(broadcast_id,), daemon=True)
        worker.start()
        workers.append(worker)

    monkeypatch.setattr(broadcasts, "launch", launch)
    yield nginx, workers
    for worker in workers:
        worker.join(timeout=60)


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while not (value := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)
    return value


def rows(live) -> tuple:
    """The meeting's broadcast and its event, as they are now."""
    with live.request() as request:
        broadcast = request.dbsession.scalar(select(BbbBroadcast).where(BbbBroadcast.meeting_id == live.meeting_row))
        event = request.dbsession.get(LiveEvent, broadcast.event_id) if broadcast else None
        recordings = list(
            request.dbsession.scalars(select(LiveRecording).where(LiveRecording.event_id == (event.id if event else 0)))
        )
        for row in (broadcast, event, *recordings):
            if row is not None:
                request.dbsession.expunge(row)
        return broadcast, event, recordings


def probe(path) -> dict:
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type,codec_name,width,height:format=duration",
         "-of", "json", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    info = json.loads(result.stdout)
    return {"duration": float(info["format"]["duration"]), **{s["codec_type"]: s for s in info["streams"]}}


def test_a_meeting_is_captured_into_a_live_event_that_goes_on_air_and_ends_with_the_stop(live_bbb, streaming):
    live = live_bbb
    nginx, workers = streaming
    owner = live.sign_in("owner")
    meeting = f"{live.base}/bbb/meetings/{live.meeting_row}"
    page = requests.post(
        f"{meeting}/broadcast/start", data={"event": "new", "access": "public"}, headers=owner, timeout=30
    )
    assert "The broadcast is starting" in page.text
    wait_for(lambda: rows(live)[0].state == "on_air", 90, "the streamer to publish")
    broadcast, event = wait_for(lambda: (r := rows(live)) and r[1].state == "on_air" and r[:2], 30, "the event on air")
    assert event.on_air_at is not None and broadcast.attempts == 1 and broadcast.lease_owner
    streamer_in = [a for a in live.fake.meeting(live.meeting_id).attendees if a.full_name == "Amphi live"]
    assert [(a.role, a.user_id) for a in streamer_in] == [("VIEWER", f"amphi-live-{broadcast.id}")]
    joined = live.fake.calls_of("join")[-1].params
    assert joined["userdata-bbb_listen_only_mode"] == "true" and "guest" not in joined
    lease = broadcast.lease_expires_at
    wait_for(lambda: rows(live)[0].lease_expires_at > lease, 10, "the lease to be renewed")
    time.sleep(3)  # a few seconds on air
    page = requests.get(meeting, headers=owner, timeout=30).text
    assert "Broadcast: on air." in page and nginx.publish_url("") not in page
    stopped = requests.post(f"{meeting}/broadcast/stop", headers=owner, timeout=30)
    assert "The broadcast is stopping" in stopped.text
    broadcast = wait_for(lambda: (b := rows(live)[0]).state == "ended" and b, 60, "the broadcast to end")
    assert (broadcast.stop_reason, broadcast.error, broadcast.lease_owner) == ("owner", "", "")
    for worker in workers:
        worker.join(timeout=30)
        assert not worker.is_alive()
    _, event, recordings = wait_for(lambda: (r := rows(live)) and all(x.path for x in r[2]) and r, 20, "the recording")
    assert (event.state, event.closed) == ("ended", True) and event.ended_at is not None  # the replay follows
    (recording,) = recordings
    found = probe(recording.path)
    assert (found["video"]["width"], found["video"]["height"]) == (640, 360)
    assert found["audio"]["codec_name"] == "aac" and found["duration"] >= 3
    assert "Broadcast: ended." in requests.get(meeting, headers=owner, timeout=30).text


#: A worker process of its own: the application bootstrapped from an ini file, the streamer's task run.
WORKER = """
import sys
from pyramid.paster import bootstrap
with bootstrap(sys.argv[1]):
    from plugin_bbb import streamer
    streamer.POLL_SECONDS = 0.5
    streamer.run_capture.call_local(int(sys.argv[2]))
"""


@pytest.fixture
def short_tmp():
    """A temporary folder with a short path (Chromium's sockets there must fit 107 characters)."""
    folder = tempfile.mkdtemp(prefix="amphi-k")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_a_killed_worker_is_noticed_and_the_broadcast_resumes_into_the_same_event(
    amphi_settings, live_bbb, streaming, tmp_path, short_tmp
):
    live = live_bbb
    nginx, workers = streaming
    settings = {"amphi.session_secret": amphi_settings["amphi.session_secret"], **small_settings(nginx)}
    ini = write_ini(tmp_path, amphi_settings["amphi.database_url"], **settings)
    broadcast = live.broadcast(state="starting", lease_owner="", lease_expires_at=None, attempts=0)
    environment = {**os.environ, "TMPDIR": str(short_tmp)}  # what a killed capture leaves stays in there
    with open(tmp_path / "worker.log", "wb") as log:
        argv = [sys.executable, "-c", WORKER, str(ini), str(broadcast.id)]
        worker = subprocess.Popen(argv, stdout=log, stderr=log, env=environment)
    try:
        first = wait_for(
            lambda: (r := rows(live)) and r[0].state == r[1].state == "on_air" and r, 90, "the worker to publish"
        )
    finally:
        worker.kill()  # as the OOM killer or a lost machine would
        worker.wait()
    assert first[0].attempts == 1 and first[0].state == "on_air"
    wait_for(lambda: rows(live)[1].state == "ended", 30, "nginx to see the stream go")  # its capture died with it
    with worker_request(live.site_id) as request:
        assert broadcasts.watch_leases(request) == {"restarted": 0, "failed": 0, "ended": 0}  # its lease still runs
    with worker_request(live.site_id) as request:
        later = utcnow() + broadcasts.LEASE + timedelta(seconds=1)
        assert broadcasts.watch_leases(request, later) == {"restarted": 1, "failed": 0, "ended": 0}
    broadcast, event, _ = wait_for(
        lambda: (r := rows(live)) and r[0].state == "on_air" and r[1].state == "on_air" and r, 90, "the resumption"
    )
    assert broadcast.attempts == 2 and "worker stopped" not in broadcast.error  # on air again: no error shown
    assert (event.id, event.on_air_at) == (first[1].id, first[1].on_air_at)  # the same event goes on
    owner = live.sign_in("owner")
    requests.post(f"{live.base}/bbb/meetings/{live.meeting_row}/broadcast/stop", headers=owner, timeout=30)
    wait_for(lambda: rows(live)[0].state == "ended", 60, "the broadcast to end")
    for thread in workers:
        thread.join(timeout=30)
    _, event, recordings = wait_for(lambda: (r := rows(live)) and all(x.path for x in r[2]) and r, 20, "the recordings")
    assert (event.state, event.closed, len(recordings)) == ("ended", True, 2)  # two parts, joined in the replay
