"""A video imported on a running server is encoded by its worker and plays in Chromium through hls.js."""

import json
import subprocess
import sys
import time
from contextlib import contextmanager

from sqlalchemy import delete, select, update

from core.models import Site, Video
from core.platform.db import make_engine
from core.testing import free_port, shoot
from plugins.stats.models import VideoDay
from plugins.xapi.models import Outbox
from plugins.xapi.statements import VERBS
from tests.browser.browsing import ADMIN_PASSWORD, audit, sign_in, visit
from tests.mediafiles import make_clip


def import_and_wait(live_server, path, seconds=120, title="Cours de test") -> int:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "core.cli",
            "-c",
            live_server.ini,
            "video",
            "import",
            "default",
            "admin",
            str(path),
            "--title",
            title,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
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
    with xapi_on(live_server) as xapi_statements:
        played_and_reported(page, live_server, video_id)
        # The player reported the viewing to the xapi plugin (batched, the rest with sendBeacon on pagehide,
        # when the stats page opened): its statements wait in the outbox (the LRS here does not answer).
        kept = xapi_statements(until="terminated")
        visit(page, f"{live_server}/admin/xapi")  # the site admin's page: waiting statements, connection test
        assert page.locator("#xapi-waiting").text_content() == str(len(kept))
        page.get_by_role("button", name="Test the connection").click()
        assert "The LRS cannot be reached" in page.get_by_role("alert").text_content()
        audit(page)
        shoot(page, "xapi-admin")
    assert kept[0] in ("initialized", "interacted") and kept[-1] == "terminated", kept
    assert set(kept) == {"initialized", "interacted", "played", "paused", "completed", "terminated"}, kept
    assert kept.index("paused") < kept.index("completed") and kept.count("completed") == 1, kept


@contextmanager
def xapi_on(live_server):
    """The default site sends xAPI statements (to an LRS that does not answer) until the block ends; yields a
    function that waits until the verb ``until`` is kept, then lists the verbs kept, in order."""
    engine = make_engine(live_server.database_url)
    verbs = {iri: name for name, (iri, _display) in VERBS.items()}

    def kept(until: str) -> list[str]:
        deadline, names = time.monotonic() + 15, []
        while until not in names and time.monotonic() < deadline:
            time.sleep(0.2)
            with engine.connect() as connection:
                rows = connection.scalars(select(Outbox.statement).where(Outbox.site_id == site_id).order_by(Outbox.id))
                names = [verbs[json.loads(row)["verb"]["id"]] for row in rows]
        return names

    with engine.begin() as connection:
        site_id, settings = connection.execute(select(Site.id, Site.plugin_settings).where(Site.is_default)).one()
        lrs = {"send": True, "endpoint": f"http://127.0.0.1:{free_port()}/xAPI/"}
        connection.execute(update(Site).where(Site.id == site_id).values(plugin_settings={**settings, "xapi": lrs}))
    try:
        yield kept
    finally:
        with engine.begin() as connection:
            connection.execute(delete(Outbox).where(Outbox.site_id == site_id))
            connection.execute(update(Site).where(Site.id == site_id).values(plugin_settings=settings))
        engine.dispose()


def played_and_reported(page, live_server, video_id):
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
    # The player reports the time played (here on pause, before the 6 s clip can end on a busy machine);
    # the stats page counts the view and that time.
    with page.expect_response(
        lambda r: r.url.endswith(f"/api/videos/{video_id}/position") and r.request.method == "POST"
    ) as reported:
        page.evaluate("() => document.querySelector('video').pause()")
    assert reported.value.ok
    audit(page)
    page.get_by_role("button", name="Settings").click()  # quality and speed are in the player's settings
    page.get_by_label("Speed").select_option("1.5")
    assert page.evaluate("() => document.querySelector('video').playbackRate") == 1.5
    page.evaluate("""async () => {
        const video = document.querySelector('video');
        await video.play();
        await new Promise((resolve) => video.addEventListener('ended', resolve, { once: true }));
    }""")
    visit(page, f"{live_server}/videos/{video_id}/stats")
    assert page.locator('[data-total="all-views"]').text_content() == "1"
    assert page.get_by_role("img", name="Views per day").is_visible()
    engine = make_engine(live_server.database_url)
    try:
        with engine.connect() as connection:
            assert connection.scalar(select(VideoDay.watch_seconds).where(VideoDay.video_id == video_id)) >= 1
    finally:
        engine.dispose()


def test_the_focused_player_answers_space_once_and_arrow_keys(page, live_server, tmp_path):
    """Space toggles once (not pause then play again); left/right seek 5 s, up/down change the volume."""
    video_id = import_and_wait(live_server, make_clip(tmp_path, "keys.mp4", seconds=12, size="320x240"), title="Keys")
    sign_in(page, live_server, "admin", ADMIN_PASSWORD)
    visit(page, f"{live_server}/videos/{video_id}")
    page.wait_for_function("() => document.querySelector('[data-quality]').options.length > 1")
    page.evaluate("""async () => {
        const video = document.querySelector('video');
        window.toggles = [];
        video.addEventListener('play', () => window.toggles.push('play'));
        video.addEventListener('pause', () => window.toggles.push('pause'));
        video.muted = true;
        await video.play();
        window.toggles = [];
    }""")
    page.locator("video").focus()
    page.keyboard.press("Space")
    page.wait_for_timeout(500)
    assert page.evaluate("() => [document.querySelector('video').paused, window.toggles]") == [True, ["pause"]]
    page.keyboard.press("Space")
    page.wait_for_timeout(500)
    assert page.evaluate("() => [document.querySelector('video').paused, window.toggles]") == [False, ["pause", "play"]]
    page.evaluate("""async () => {
        const video = document.querySelector('video');
        video.pause();
        video.currentTime = 3;
        await new Promise((resolve) => video.addEventListener('seeked', resolve, { once: true }));
    }""")

    def after(key):
        page.keyboard.press(key)
        page.wait_for_timeout(300)
        return page.evaluate(
            "() => [document.querySelector('video').currentTime, document.querySelector('video').volume]"
        )

    assert after("ArrowRight") == [8, 1]
    assert after("ArrowLeft") == [3, 1]
    assert after("ArrowLeft") == [0, 1]
    time_now, volume = after("ArrowDown")
    assert time_now == 0 and abs(volume - 0.9) < 1e-6
    assert after("ArrowUp")[1] == 1
    assert page.evaluate("() => document.querySelector('video').paused")  # no key played it again
    assert "the left and right arrows go back and forward 5 s" in page.locator(".player-controls .help").text_content()
