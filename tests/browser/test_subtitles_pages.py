"""Subtitles in Chromium: upload a file, edit a cue beside the player and save, then watch the
transcript follow playback, seek from it and search it (axe-core on every page)."""

from tests.browser.browsing import ADMIN_PASSWORD, audit, sign_in, visit
from tests.browser.test_playback import import_and_wait
from tests.mediafiles import make_clip

VTT = """WEBVTT

00:00:00.000 --> 00:00:02.000
Premier passage

00:00:02.000 --> 00:00:04.000
Deuxième passage

00:00:04.000 --> 00:00:06.000
Troisième passage
"""


def current_cue(page) -> str:
    return page.evaluate("() => (document.querySelector('.transcript a[aria-current]') || {}).textContent || ''")


def test_upload_edit_and_follow_the_transcript(page, live_server, tmp_path):
    video_id = import_and_wait(
        live_server, make_clip(tmp_path, "cours.mp4", seconds=6, size="320x240"), title="Cours sous-titré"
    )
    sign_in(page, live_server, "admin", ADMIN_PASSWORD)
    visit(page, f"{live_server}/videos/{video_id}")
    page.get_by_role("link", name="Subtitles", exact=True).click()
    audit(page)
    (tmp_path / "cours.vtt").write_text(VTT, encoding="utf-8")
    page.get_by_label("WebVTT or SRT file").set_input_files(str(tmp_path / "cours.vtt"))
    page.get_by_label("Language of the text").select_option("fr")
    page.get_by_label("Subtitles", exact=True).check()
    page.get_by_role("button", name="Add the file").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").text_content() == "The track was saved: 3 cues."
    audit(page)

    page.get_by_role("link", name="Edit Français").click()
    page.wait_for_selector("li.cue")
    audit(page)
    cue = page.get_by_role("group", name="Cue 2")
    cue.get_by_label("Text").fill("Deuxième passage, <corrigé>")
    cue.get_by_label("End").fill("00:00:03.900")
    cue.get_by_label("End").press("Tab")
    page.get_by_role("button", name="Play from 00:00:02.000").click()  # seeks the player
    page.wait_for_function("() => Math.abs(document.querySelector('video').currentTime - 2) < 0.5")
    # Split the first cue and merge it back, with the keyboard only; focus stays in the editor.
    page.get_by_role("group", name="Cue 1").get_by_role("button", name="Split at the current time").focus()
    page.keyboard.press("Enter")
    assert page.locator("li.cue").count() == 4
    assert page.evaluate("() => document.activeElement.id") == "cue-1-text"
    assert page.get_by_role("group", name="Cue 2").get_by_label("Start").input_value() == "00:00:01.000"
    page.get_by_role("group", name="Cue 1").get_by_role("button", name="Merge with the next cue").focus()
    page.keyboard.press("Enter")
    assert page.locator("li.cue").count() == 3
    assert page.get_by_role("status").text_content() == "Cues merged."
    page.get_by_role("group", name="Cue 2").get_by_label("Text").press("Control+s")
    page.wait_for_function("() => document.querySelector('[data-status]').textContent === 'Saved: 3 cues.'")
    audit(page)

    visit(page, f"{live_server}/videos/{video_id}")
    transcript = page.locator(".transcript")
    assert "Deuxième passage, <corrigé>" in transcript.text_content()
    page.evaluate("""async () => { const v = document.querySelector('video'); v.muted = true; await v.play(); }""")
    page.wait_for_function("() => document.querySelector('video').currentTime > 0.3", timeout=20000)
    page.wait_for_function(
        "() => (document.querySelector('.transcript a[aria-current]') || {}).textContent"
        " && document.querySelector('.transcript a[aria-current]').textContent.includes('Deuxième')",
        timeout=20000,
    )
    page.wait_for_function(
        "() => (document.querySelector('.transcript a[aria-current]') || {textContent: ''})"
        ".textContent.includes('Troisième')",
        timeout=20000,
    )
    assert "0:04" in current_cue(page)

    page.evaluate("() => document.querySelector('video').pause()")
    page.get_by_role("tab", name="Transcript").click()  # the panels are tabs
    page.get_by_role("link", name="0:00 Premier passage").click()
    page.wait_for_function("() => document.querySelector('video').currentTime < 1")
    page.get_by_label("Search the transcript").fill("passage, <corr")
    assert page.locator(".transcript li:not([hidden])").count() == 1
    assert page.locator(".transcript mark").text_content() == "passage, <corr"
    assert page.get_by_text("1 matching line.").is_visible()
    audit(page)
