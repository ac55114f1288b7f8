"""A video imported on a running server is encoded by its worker and plays in Chromium through hls.js."""

import subprocess
import sys
import time

from sqlalchemy import select

from core.db import make_engine
from core.models import Video
from plugins.stats.models import VideoDay
from tests.browser.browsing import ADMIN_PASSWORD, audit, sign_in, visit
from tests.mediafiles import make_clip


def import_and_wait(live_server, path, seconds=120, title="Cours de test") -> int:
    out = subprocess.run([sys.executable, "-m", "core.cli", "-c", live_server.ini, "video", "import", "default",
                          "admin", str(path), "--title", title], check=True, capture_output=True, text=True)
    video_id = int(out.stdout.split()[1])
    engine = make_engine(live_server.database_url)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                status = connection.scalar(select(Video.status).where(Video.id == video_id))
            if status in ("ready", "failed"):
                assert status == "ready"
                return video_id
            time.sleep(0.5)
    finally:
        engine.dispose()
    raise AssertionError(f"video {video_id} is still {status}")


def test_an_encoded_video_plays(page, live_server, tmp_path):
    video_id = import_and_wait(live_server, make_clip(tmp_path, "lecture.mp4", seconds=6, size="640x360"))
    sign_in(page, live_server, "admin", ADMIN_PASSWORD)
    visit(page, f"{live_server}/my/videos")
    assert page.get_by_role("link", name="Cours de test", exact=True).is_visible()
    visit(page, f"{live_server}/videos/{video_id}")
    page.wait_for_function("() => document.querySelector('[data-quality]').options.length > 1")  # hls.js levels
    started = page.evaluate("""async () => {
        const video = document.querySelector('video');
        video.muted = true;
        await video.play();
        return video.currentTime;
    }""")
    page.wait_for_function("(t) => document.querySelector('video').currentTime > t + 2", arg=started, timeout=20000)
    assert page.evaluate("() => document.querySelector('video').videoHeight") == 360
    audit(page)
    page.get_by_label("Speed").select_option("1.5")
    assert page.evaluate("() => document.querySelector('video').playbackRate") == 1.5

    # The player reports the time played (here on pause); the stats page counts the view and that time.
    with page.expect_response(lambda r: r.url.endswith(f"/api/videos/{video_id}/position")
                              and r.request.method == "POST") as reported:
        page.evaluate("() => document.querySelector('video').pause()")
    assert reported.value.ok
    visit(page, f"{live_server}/videos/{video_id}/stats")
    assert page.locator('[data-total="all-views"]').text_content() == "1"
    assert page.get_by_role("img", name="Views per day").is_visible()
    engine = make_engine(live_server.database_url)
    try:
        with engine.connect() as connection:
            assert connection.scalar(select(VideoDay.watch_seconds).where(VideoDay.video_id == video_id)) >= 1
    finally:
        engine.dispose()
