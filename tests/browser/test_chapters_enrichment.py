"""Chapters and enrichments in Chromium: a chapter added at the current time of a playing video shows in
the chapter panel (highlighted while it plays); an enrichment appears beside the player at its time."""

import pytest

from tests.browser.browsing import ADMIN_PASSWORD, audit, sign_in, visit
from tests.browser.test_playback import import_and_wait
from tests.mediafiles import make_clip


@pytest.fixture(scope="module")
def lecture(live_server, tmp_path_factory):
    clip = make_clip(tmp_path_factory.mktemp("clips"), "chapters.mp4", seconds=12, size="320x240")
    return import_and_wait(live_server, clip, title="Cours chapitré")


def play(page, until: float) -> None:
    """Play the page's video, muted, until it is past ``until`` seconds."""
    page.wait_for_function("() => document.querySelector('video').readyState >= 1", timeout=20000)
    page.evaluate("async () => { const v = document.querySelector('video'); v.muted = true; await v.play(); }")
    page.wait_for_function("(t) => document.querySelector('video').currentTime > t", arg=until, timeout=20000)


def test_a_chapter_added_at_the_current_time_shows_beside_the_playing_video(page, live_server, lecture):
    sign_in(page, live_server, "admin", ADMIN_PASSWORD)
    visit(page, f"{live_server}/videos/{lecture}/chapters")
    play(page, 2)
    page.get_by_label("Title").first.fill("Au milieu")
    with page.expect_navigation():
        page.get_by_role("button", name="Add a chapter at the current time").click()
    chapter = page.locator(".chapter-edit-list li")
    assert chapter.count() == 1 and chapter.get_by_label("Title").input_value() == "Au milieu"
    assert chapter.get_by_label("Start time").input_value().startswith("0:02")
    audit(page)
    # The keyboard alone adds a second chapter at 0:00.
    page.get_by_label("Title").first.focus()
    page.keyboard.type("Début")
    page.keyboard.press("Tab")
    page.keyboard.type("0")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".chapter-edit-list li").count() == 2

    visit(page, f"{live_server}/videos/{lecture}")
    panel = page.locator("#panel-chapters + ol, [data-chapter-list]")
    assert panel.locator("li").all_text_contents()[0].split() == ["0:00", "Début"]
    assert "Au milieu" in panel.locator("li").nth(1).text_content()
    assert page.locator("track[kind=chapters]").count() == 1
    play(page, 0.5)
    page.wait_for_function("() => document.querySelector('[data-chapter-list] li.current') !== null")
    assert "Début" in page.locator("[data-chapter-list] li.current").text_content()
    # A click on a chapter seeks there, and it becomes the current one.
    panel.get_by_role("link", name="Au milieu").click()
    page.wait_for_function(
        "() => document.querySelector('[data-chapter-list] li.current a').textContent.includes('Au milieu')"
    )
    assert page.evaluate("() => document.querySelector('video').currentTime") >= 2
    audit(page)


def test_an_enrichment_appears_at_its_time(page, live_server, lecture):
    sign_in(page, live_server, "admin", ADMIN_PASSWORD)
    visit(page, f"{live_server}/videos/{lecture}/enrichments")
    page.get_by_label("Kind").select_option("text")
    assert page.get_by_label("Web address (for a link)").is_hidden()  # the form follows the kind
    page.get_by_label("Title").fill("Formule clé")
    page.get_by_label("Start time").fill("0:03")
    page.get_by_label("End time").fill("0:08")
    page.get_by_label("Text (for a text; Markdown)").fill("**E = mc²**")
    with page.expect_navigation():
        page.get_by_role("button", name="Add the enrichment").click()
    assert page.get_by_role("link", name="Formule clé, 0:03 to 0:08").is_visible()  # on the timeline
    audit(page)

    visit(page, f"{live_server}/videos/{lecture}")
    item = page.locator("[data-enrichments] li", has_text="Formule clé")
    # The player may resume where the first test left it: go back to the start first.
    page.wait_for_function("() => document.querySelector('video').readyState >= 1", timeout=20000)
    page.evaluate("() => window.Amphi.player.seek(0)")
    page.wait_for_function("() => document.querySelector('[data-enrichments] li').hidden")
    page.get_by_role("tab", name="Enrichments").click()  # the panels are tabs
    assert item.is_hidden() and page.get_by_text("No enrichment at this moment of the video.").is_visible()
    play(page, 3.2)
    page.wait_for_function("() => !document.querySelector('[data-enrichments] li').hidden")
    assert item.locator("strong").text_content() == "E = mc²"
    audit(page)
    page.get_by_label("Show all the enrichments, not only those of the moment").check()
    assert item.is_visible()
    visit(page, f"{live_server}/videos")
    assert page.locator(".badge-enriched").count() == 1
