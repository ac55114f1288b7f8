"""The whole job in Chromium: sign in, upload through the page (tus-js-client), wait for ready, play."""

import re

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
