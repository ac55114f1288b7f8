"""Live, end to end: an owner schedules an event in Chromium, an encoder (ffmpeg) publishes with the key
through real nginx-rtmp, an anonymous viewer watches it live (the video's time advances), the stream
stops, and the recording becomes a draft video offered on the event page."""

from __future__ import annotations

import re
import secrets
import subprocess
import time
from datetime import timedelta

import pytest

from core.models import utcnow
from core.testing import free_port, run_amphi, serving, sign_in, temporary_database, visit, write_ini
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


def local_input(moment) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("Europe/Paris")).strftime("%Y-%m-%dT%H:%M")


def test_schedule_publish_watch_stop_replay(live_site, chromium, page):
    base, nginx = live_site
    sign_in(page, base, "prof", PROF_PASSWORD)
    visit(page, base + "/live/new")
    page.get_by_label("Title").fill("Soutenance en direct")
    page.get_by_label("Start").fill(local_input(utcnow() + timedelta(minutes=2)))
    page.get_by_label("End").fill(local_input(utcnow() + timedelta(minutes=62)))
    page.get_by_label("Everyone").check()
    page.get_by_role("button", name="Schedule").click()
    page.wait_for_load_state()
    audit_url = page.url
    assert re.search(r"/live/events/\d+$", audit_url)
    visit(page, audit_url)
    assert page.locator("[data-countdown]").is_visible()
    key = page.locator("#stream-key").input_value()

    encoder = subprocess.Popen(
        ["ffmpeg", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
         "-re", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "14",
         "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-c:a", "aac", "-f", "flv", nginx.publish_url(key)]
    )  # fmt: skip
    try:
        viewer = chromium.new_context(locale="en-GB").new_page()
        deadline = time.monotonic() + 20
        while True:  # the page shows the player once nginx-rtmp's on_publish was admitted
            viewer.goto(audit_url)
            if viewer.locator("[data-live-player]").count():
                break
            assert time.monotonic() < deadline, "the event never went on air"
            time.sleep(0.5)
        visit(viewer, audit_url)
        viewer.wait_for_function("() => document.querySelector('video').currentTime > 2", timeout=25_000)
        viewer.context.close()
    finally:
        assert encoder.wait(timeout=40) == 0, nginx.log()

    deadline = time.monotonic() + 90
    while True:
        page.goto(audit_url)
        if page.locator("a[href*='/videos/']").count():
            break
        assert time.monotonic() < deadline, "no replay video: " + page.locator("main").inner_text()[:500]
        time.sleep(1)
    visit(page, audit_url)
    assert "The replay is a draft" in page.locator("main").inner_text()
    visit(page, base + "/live")
    assert "Soutenance en direct" in page.locator("main").inner_text()
