"""Live, end to end: an owner schedules an event in Chromium, an encoder (ffmpeg) publishes with the key
through real nginx-rtmp with an interpreter in English, an anonymous viewer watches it live (the video's time
advances) and switches to English, the stream stops, and the recording becomes a draft video offered on the
event page."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import time
from datetime import timedelta

import pytest

from core.models import utcnow
from core.testing import free_port, run_amphi, serving, shoot, sign_in, temporary_database, visit, write_ini
from plugins.live.callbacks import callback_secret
from plugins.live.segments import link_secret
from plugins.live.testing import running_nginx

PROF_PASSWORD = "prof password 1"


class Secret:
    """What the key derivations read: the installation's secret."""

    def __init__(self, secret: str):
        self.settings = {"amphi.session_secret": secret}


@pytest.fixture
def live_site(tmp_path):
    """``amphi serve`` (embedded worker) and nginx-rtmp calling it back, sharing folders and secrets."""
    secret = secrets.token_hex(32)
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "session_secret").write_text(secret)
    port = free_port()
    app_url = f"http://127.0.0.1:{port}"
    registry = Secret(secret)
    hls, recordings = str(tmp_path / "var" / "live" / "hls"), str(tmp_path / "var" / "live" / "recordings")
    with (
        running_nginx(
            tmp_path / "nginx",
            app_url=app_url,
            callback_secret=callback_secret(registry),
            link_secret=link_secret(registry.settings),
            hls_folder=hls,
            recordings_folder=recordings,
        ) as nginx,
        temporary_database(tmp_path) as url,
    ):
        ini = write_ini(
            tmp_path,
            url,
            **{
                "amphi.worker.embedded": "true",
                "amphi.live.rtmp_pull": nginx.rtmp_pull,
                "amphi.live.hls_base_url": nginx.http_url,
                "amphi.live.hls_folder": hls,
                "amphi.live.recordings_folder": recordings,
                "amphi.live.resume_grace_seconds": "0",
                "amphi.live.ladder": "240",
                "amphi.live.segment_seconds": "1",
                "amphi.live.x264_preset": "ultrafast",
                "amphi.live.ingest_url": nginx.publish_url("").rstrip("/"),
            },
        )
        run_amphi(ini, "init", "--admin-password", "browser admin password")
        run_amphi(ini, "user", "add", "default", "prof", "--role", "staff", "--password", PROF_PASSWORD)
        with serving(ini, tmp_path, port=port) as base:
            yield base, nginx


def publish(url: str, seconds: int, video: bool) -> subprocess.Popen:
    """An encoder (video and sound) or an interpreter (sound only) publishing for ``seconds``."""
    inputs = ["-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25"] if video else []
    inputs += ["-re", "-f", "lavfi", "-i", f"sine=frequency={440 if video else 880}:sample_rate=48000"]
    codecs = ["-c:v", "libx264", "-preset", "ultrafast", "-g", "25"] if video else []
    return subprocess.Popen(
        ["ffmpeg", "-loglevel", "error", *inputs, "-t", str(seconds), *codecs, "-c:a", "aac", "-f", "flv", url]
    )


def local_input(moment) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("Europe/Paris")).strftime("%Y-%m-%dT%H:%M")


def test_schedule_publish_watch_stop_replay(live_site, chromium, page, tmp_path):
    base, nginx = live_site
    sign_in(page, base, "prof", PROF_PASSWORD)
    visit(page, base + "/live/new")
    page.get_by_label("Title").fill("Soutenance en direct")
    page.get_by_label("Start").fill(local_input(utcnow() + timedelta(minutes=2)))
    page.get_by_label("End").fill(local_input(utcnow() + timedelta(minutes=62)))
    page.get_by_label("Everyone").check()
    shoot(page, "live-event-form-desktop", full_page=True)
    page.get_by_role("button", name="Schedule").click()
    page.wait_for_load_state()
    audit_url = page.url
    assert re.search(r"/live/events/\d+$", audit_url)
    visit(page, audit_url)
    assert page.locator("[data-countdown]").is_visible()
    shoot(page, "live-waiting-owner-desktop")
    key = page.locator("#stream-key").input_value()
    page.get_by_label("Language code (en, es, pt-BR…)").fill("en")
    page.get_by_label("Name shown to viewers (English, Español…)").fill("English")
    page.get_by_role("button", name="Add an interpreter").click()
    page.wait_for_load_state()
    interpreter_key = page.locator("input[id^=audio-key-]").input_value()
    event_id = audit_url.rsplit("/", 1)[1]
    master = os.path.join(nginx.hls_folder, f"e{event_id}", "master.m3u8")

    encoder = publish(nginx.publish_url(key), 45, video=True)
    interpreter = None
    try:
        deadline = time.monotonic() + 30
        while not os.path.exists(master):  # on air, packaged
            assert time.monotonic() < deadline, "the event's master playlist never came"
            time.sleep(0.5)
        viewer = chromium.new_context(locale="en-GB").new_page()  # a viewer comes before the interpreter
        visit(viewer, audit_url)
        viewer.wait_for_function("() => document.querySelector('video').currentTime > 2", timeout=25_000)
        audio = viewer.locator("[data-audio]")
        assert not audio.is_visible()  # one language so far
        interpreter = publish(nginx.publish_url(interpreter_key), 35, video=False)
        deadline = time.monotonic() + 30
        while not (os.path.exists(master) and 'LANGUAGE="en"' in open(master).read()):  # the interpreter joined
            assert time.monotonic() < deadline, "the interpreter's language never reached the master playlist"
            time.sleep(0.5)
        # the player finds the new language in the master playlist by itself (no reload) and keeps playing
        viewer.wait_for_function("() => document.querySelectorAll('[data-audio] option').length === 2", timeout=30_000)
        position = viewer.evaluate("() => document.querySelector('video').currentTime")
        viewer.wait_for_function(f"() => document.querySelector('video').currentTime > {position} + 1", timeout=25_000)
        assert audio.is_visible()
        # Choosing the other language makes the player fetch that rendition (a{index}/ in the master
        # playlist): proven by its segments arriving, as playback itself may stall on a busy machine.
        viewer.wait_for_function("() => document.querySelector('[data-audio]').value !== ''")  # the one playing
        other = 1 - int(audio.input_value())
        with viewer.expect_response(
            lambda r: r.ok and f"/a{other}/" in r.url and not r.url.split("?")[0].endswith(".m3u8"), timeout=20_000
        ):
            audio.select_option(str(other))
        shoot(viewer, "live-on-air-desktop")
        viewer.set_viewport_size({"width": 390, "height": 844})
        shoot(viewer, "live-on-air-phone")
        viewer.emulate_media(color_scheme="dark")
        shoot(viewer, "live-on-air-phone-dark")
        visit(viewer, base + "/")  # the home page opens with what is on air
        assert viewer.get_by_role("heading", name="Live now").is_visible()
        assert (
            viewer.get_by_role("link", name="Soutenance en direct")
            .get_attribute("href")
            .endswith(f"/live/events/{event_id}")
        )
        shoot(viewer, "home-live-now-phone")
        viewer.context.close()
    finally:
        assert encoder.wait(timeout=60) == 0, nginx.log()
        assert interpreter is None or interpreter.wait(timeout=60) == 0, nginx.log()

    deadline = time.monotonic() + 90
    while True:
        page.goto(audit_url)
        if page.locator("a[href*='/videos/']").count():
            break
        assert time.monotonic() < deadline, "no replay video: " + page.locator("main").inner_text()[:500]
        time.sleep(1)
    visit(page, audit_url)
    assert "The replay is a draft" in page.locator("main").inner_text()
    (source,) = tmp_path.glob("var/media/sites/*/videos/*/source")
    streams = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type:stream_tags=language,title", "-of", "csv=p=0",
         str(source)], capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert streams.stdout.split() == ["video", "audio", "audio,en,English"] and not streams.stderr
    visit(page, base + "/live")
    assert "Soutenance en direct" in page.locator("main").inner_text()
