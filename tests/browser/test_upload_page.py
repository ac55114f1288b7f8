"""The whole job in Chromium: sign in, upload through the page (tus-js-client), wait for ready, play."""

import os
import re

from sqlalchemy import select

from core.models import Upload
from core.platform.db import make_engine
from tests.browser.browsing import audit, sign_in, visit
from tests.mediafiles import make_clip


def test_upload_encode_and_play(page, live_server, tmp_path):
    clip = make_clip(tmp_path, "Amphi <test>.mp4", seconds=4, size="320x240")
    sign_in(page, live_server, "prof", "prof password 1")
    visit(page, live_server + "/upload")
    page.set_input_files("#upload-files", str(clip))
    title = page.get_by_label("Title")
    title.fill("Premier cours")  # typed while the file uploads
    link = page.get_by_role("link", name="Open the video")
    link.wait_for(timeout=30000)
    assert page.locator("progress").first.evaluate("p => p.value") == 100
    audit(page)
    video_url = link.get_attribute("href")
    page.wait_for_timeout(1500)  # the details are sent after typing settles
    for _ in range(120):  # the embedded worker encodes it
        visit(page, video_url)
        if page.locator("[data-player]").count():
            break
        page.wait_for_timeout(1000)
    assert page.get_by_role("heading", name="Premier cours").is_visible()
    page.wait_for_function("() => document.querySelector('[data-quality]').options.length > 1")
    started = page.evaluate("""async () => {
        const video = document.querySelector('video'); video.muted = true; await video.play(); return video.currentTime;
    }""")
    page.wait_for_function("(t) => document.querySelector('video').currentTime > t + 1", arg=started, timeout=20000)
    visit(page, live_server + "/my/videos")
    assert re.search(r"Premier cours", page.content())


def test_the_upload_page_refuses_an_empty_file_before_sending(page, live_server, tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    sign_in(page, live_server, "prof", "prof password 1")
    visit(page, live_server + "/upload")
    page.set_input_files("#upload-files", str(empty))
    assert page.get_by_text("The file is empty.").is_visible()
    audit(page)


def test_an_upload_resumes_after_the_page_is_reloaded(page, live_server, tmp_path):
    """Half-way through, the page reloads; choosing the same file again continues at the server's offset."""
    size = 24 * 1024 * 1024  # three of the page's 8 MiB chunks
    data = tmp_path / "long lecture.mp4"
    data.write_bytes(os.urandom(size))
    sign_in(page, live_server, "prof", "prof password 1")
    network = page.context.new_cdp_session(page)
    network.send("Network.enable")
    network.send(
        "Network.emulateNetworkConditions",
        {  # about 3 s per chunk, so the reload lands mid-way
            "offline": False,
            "latency": 5,
            "downloadThroughput": -1,
            "uploadThroughput": 3 * 1024 * 1024,
        },
    )
    visit(page, live_server + "/upload")
    page.set_input_files("#upload-files", str(data))
    page.wait_for_function("() => document.querySelector('progress').value >= 45", timeout=60000)
    received = upload_offsets(live_server.database_url)
    assert len(received) == 1 and 0 < received[0] < size  # the first chunk is stored, the rest is not

    page.reload()
    network.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    page.evaluate("""() => { window.announced = [];
        const live = document.querySelector('[data-announce]');
        new MutationObserver(() => window.announced.push(live.textContent)).observe(live, {childList: true}); }""")
    page.set_input_files("#upload-files", str(data))
    page.get_by_role("link", name="Open the video").wait_for(timeout=60000)
    assert "Resuming an earlier upload of this file." in page.evaluate("() => window.announced")
    assert upload_offsets(live_server.database_url) == [size]  # the same upload finished: no second one began
    audit(page)


def upload_offsets(database_url: str) -> list[int]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(connection.scalars(select(Upload.offset).where(Upload.filename == "long lecture.mp4")))
    finally:
        engine.dispose()
