"""In Chromium: a note written while the video plays appears in the panel at its time, and seeks;
a chapter and a note both show beside the playing video."""

import pytest

from tests.browser.browsing import ADMIN_PASSWORD, audit, sign_in, visit
from tests.browser.test_playback import import_and_wait
from tests.mediafiles import make_clip


@pytest.fixture(scope="module")
def lecture(live_server, tmp_path_factory):
    clip = make_clip(tmp_path_factory.mktemp("clips"), "notes.mp4", seconds=8, size="320x240")
    return import_and_wait(live_server, clip, title="Cours annoté")


def test_a_note_added_while_playing_shows_in_the_panel(page, live_server, lecture):
    video_id = lecture
    sign_in(page, live_server, "admin", ADMIN_PASSWORD)
    visit(page, f"{live_server}/videos/{video_id}")
    page.wait_for_function(
        "() => window.Amphi && window.Amphi.player && document.querySelector('video').readyState > 0"
    )
    page.evaluate("() => { const v = document.querySelector('video'); v.muted = true; return v.play(); }")
    page.wait_for_function("() => document.querySelector('video').currentTime > 2", timeout=20000)
    page.get_by_role("tab", name="Notes and comments").click()  # the panels are tabs
    assert page.get_by_role("button", name="Use the current time").is_visible()

    # Writing starts at the current moment; the note joins the panel without leaving the page.
    page.get_by_label("Your note").click()
    written_at = page.get_by_label("At (minutes:seconds)").input_value()
    assert written_at != "0:00"
    page.get_by_label("Your note").fill("Le graphique <b>important</b>")
    page.get_by_role("button", name="Add the note").click()
    note = page.locator("[data-notes-list] > li").filter(has_text="Le graphique <b>important</b>")
    note.wait_for()
    assert note.locator("a[data-seek]").text_content() == written_at
    assert page.locator("[data-notes-status]").text_content() == "Added."
    assert page.evaluate("() => document.activeElement.id") == "note-text"
    assert not page.evaluate("() => document.querySelector('video').paused")  # playback went on
    audit(page)

    # Its time seeks the player, and the note of the moment is highlighted.
    page.evaluate("() => document.querySelector('video').pause()")
    page.evaluate("() => { document.querySelector('video').currentTime = 0.2; }")
    page.wait_for_function("() => !document.querySelector('[data-notes-list] > li.current')")
    note.locator("a[data-seek]").click()
    seconds = float(note.get_attribute("data-time"))
    page.wait_for_function("(t) => Math.abs(document.querySelector('video').currentTime - t) < 1", arg=seconds)
    page.evaluate("() => document.querySelector('video').dispatchEvent(new Event('timeupdate'))")
    page.wait_for_function("() => document.querySelector('[data-notes-list] > li.current[aria-current=time]')")

    # The note is kept: after a reload it is still there, and in the text export.
    visit(page, f"{live_server}/videos/{video_id}")
    assert page.locator("[data-notes-list] > li").filter(has_text="Le graphique").count() == 1
    export = page.request.get(f"{live_server}/videos/{video_id}/notes.txt")
    assert f"[{written_at}] (private note) Le graphique <b>important</b>" in export.text()
    visit(page, f"{live_server}/notes")  # My notes, audited too
    assert page.get_by_role("link", name=written_at).is_visible()


def test_a_chapter_and_a_note_beside_the_playing_video(page, live_server, lecture):
    sign_in(page, live_server, "admin", ADMIN_PASSWORD)
    visit(page, f"{live_server}/videos/{lecture}/chapters")
    page.get_by_label("Title").first.fill("Introduction")
    page.get_by_label("Start time").first.fill("0:01")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    visit(page, f"{live_server}/videos/{lecture}")
    page.wait_for_function("() => document.querySelector('video').readyState >= 1", timeout=20000)
    page.evaluate(
        "() => { window.Amphi.player.seek(0); const v = document.querySelector('video'); v.muted = true;"
        " return v.play(); }"
    )
    page.get_by_role("tab", name="Notes and comments").click()
    page.get_by_label("Your note").fill("Question pour le TD")
    page.get_by_label("At (minutes:seconds)").fill("0:02")
    page.get_by_role("button", name="Add the note").click()
    page.locator("[data-notes-list] > li", has_text="Question pour le TD").wait_for()
    page.wait_for_function("() => document.querySelector('video').currentTime > 2.5", timeout=20000)
    assert "Introduction" in page.locator("[data-chapter-list]").text_content()
    page.wait_for_function("() => document.querySelector('[data-chapter-list] li.current') !== null")
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-notes-list] > li.current')]"
        ".some(li => li.textContent.includes('Question pour le TD'))"
    )
    audit(page)
