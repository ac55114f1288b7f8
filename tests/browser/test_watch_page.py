"""The video page and the embed in Chromium, on a phone (390x844) and a desktop (1366x768), audited by
axe in both colour schemes: the player first, the panels as keyboard tabs, the description collapsed,
controls over the picture (chapter marks, the current chapter, captions by "c", speed by < and >),
theatre mode kept per viewer, and the embed's controls inside a 640x360 and a 400x225 frame."""

import re

import pytest
from sqlalchemy import update

from core.models import Video
from core.platform.db import make_engine
from tests.browser.browsing import ADMIN_PASSWORD, audit, sign_in, visit
from tests.browser.test_playback import import_and_wait
from tests.mediafiles import make_clip

CHAPTERS = "WEBVTT\n\n00:00:00.000 --> 00:00:05.000\nOuverture\n\n00:00:05.000 --> 00:00:12.000\nDeuxième partie\n"
CAPTIONS = "WEBVTT\n\n00:00:00.000 --> 00:00:12.000\nBonjour à tous\n"
DESCRIPTION = "Les notes du cours sont sur https://example.org/cours?page=2 et ailleurs.\n\n" + "\n\n".join(
    f"Paragraphe {n} : une phrase assez longue pour occuper une ligne entière de la description." for n in range(8)
)


def post_form(page, base: str, form_page: str, action: str, fields: dict, file: tuple[str, str]) -> None:
    """POST a multipart form as the signed-in page would (its CSRF token read from ``form_page``)."""
    html = page.request.get(base + form_page).text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    name, text = file
    multipart = {"csrf_token": token, **fields, "file": {"name": name, "mimeType": "text/vtt", "buffer": text.encode()}}
    assert page.request.post(base + action, multipart=multipart, max_redirects=0).status in (200, 302)


@pytest.fixture(scope="module")
def lecture(live_server, tmp_path_factory, chromium):
    clip = make_clip(tmp_path_factory.mktemp("clips"), "watch.mp4", seconds=12, size="320x240")
    video_id = import_and_wait(live_server, clip, title="Cours à regarder")
    engine = make_engine(live_server.database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                update(Video).where(Video.id == video_id).values(description=DESCRIPTION, access="public")
            )
    finally:
        engine.dispose()
    context = chromium.new_context(locale="en-GB")
    page = context.new_page()
    sign_in(page, live_server, "admin", ADMIN_PASSWORD)
    base = f"/videos/{video_id}"
    post_form(page, live_server, base + "/chapters", base + "/chapters/import", {}, ("chapters.vtt", CHAPTERS))
    post_form(
        page,
        live_server,
        base + "/subtitles",
        base + "/subtitles",
        {"language": "fr", "kind": "captions", "label": "Français"},
        ("fr.vtt", CAPTIONS),
    )
    context.close()
    return video_id


def ready(page) -> None:
    page.wait_for_function("() => document.querySelector('video').readyState >= 1", timeout=20000)


def test_on_a_phone_the_player_comes_first_and_the_description_collapses(page, live_server, lecture):
    page.set_viewport_size({"width": 390, "height": 844})
    visit(page, f"{live_server}/videos/{lecture}")
    header = page.locator(".site-header").bounding_box()
    video = page.locator("video").bounding_box()
    assert video["y"] - (header["y"] + header["height"]) < 90
    assert video["width"] >= 389  # the whole width of the phone
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    title = page.get_by_role("heading", level=1, name="Cours à regarder").bounding_box()
    assert title["y"] > video["y"] + video["height"]
    # The description: plain URLs are links (nofollow), the text is collapsed after a few lines.
    link = page.get_by_role("link", name="https://example.org/cours?page=2")
    assert link.get_attribute("rel") == "nofollow noopener"
    toggle = page.get_by_role("button", name="Show more")
    assert toggle.get_attribute("aria-expanded") == "false"
    description = page.locator("[data-description]")
    collapsed = description.bounding_box()["height"]
    assert collapsed < 8 * 24
    toggle.click()
    assert page.get_by_role("button", name="Show less").get_attribute("aria-expanded") == "true"
    assert description.bounding_box()["height"] > 2 * collapsed
    # The panels come below the description on a phone, as tabs.
    assert page.get_by_role("tab", name="Chapters").bounding_box()["y"] > description.bounding_box()["y"]
    # Every player control is at least 44 px and inside the phone's width.
    for box in page.locator(".player-bar button:visible").evaluate_all(
        "(buttons) => buttons.map((b) => b.getBoundingClientRect().toJSON())"
    ):
        assert box["width"] >= 44 and box["height"] >= 44 and box["right"] <= 390
    audit(page)
    # At 320 px: no horizontal scroll, every control still inside the player.
    page.set_viewport_size({"width": 320, "height": 640})
    page.wait_for_timeout(200)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    rights = page.locator(".player-bar button:visible").evaluate_all(
        "(buttons) => buttons.map((b) => b.getBoundingClientRect().right)"
    )
    assert len(rights) >= 4 and max(rights) <= 320


def test_the_panels_are_tabs_the_keyboard_walks(page, live_server, lecture):
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server, "admin", ADMIN_PASSWORD)
    visit(page, f"{live_server}/videos/{lecture}")
    tabs = page.get_by_role("tablist", name="Learning panels").get_by_role("tab")
    names = tabs.all_text_contents()
    assert names[0] == "Chapters" and "Transcript" in names and len(names) >= 3
    chapters = page.get_by_role("tabpanel", name="Chapters")
    assert chapters.is_visible() and tabs.nth(0).get_attribute("aria-selected") == "true"
    # The panels sit beside the description, in a column that scrolls by itself.
    aside = page.locator(".watch-panels").bounding_box()
    assert aside["x"] > page.locator("[data-description]").bounding_box()["x"] + 400
    assert aside["height"] <= 768
    tabs.nth(0).focus()
    page.keyboard.press("ArrowRight")
    assert (
        tabs.nth(1).get_attribute("aria-selected") == "true"
        and page.evaluate("() => document.activeElement.getAttribute('role')") == "tab"
    )
    assert chapters.is_hidden() and page.get_by_role("tabpanel", name=names[1]).is_visible()
    page.keyboard.press("End")
    assert tabs.nth(len(names) - 1).get_attribute("aria-selected") == "true"
    page.keyboard.press("ArrowRight")  # wraps round
    assert tabs.nth(0).get_attribute("aria-selected") == "true"
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Home")
    assert tabs.nth(0).get_attribute("aria-selected") == "true" and chapters.is_visible()
    # The action row: share opens a disclosure (Escape closes it), the owner's Edit is there.
    page.get_by_text("Share", exact=True).click()
    assert page.get_by_label("Link", exact=True).input_value().endswith(f"/videos/{lecture}")
    audit(page)
    page.keyboard.press("Escape")
    assert page.get_by_label("Link", exact=True).is_hidden()
    assert page.locator(".watch-actions").get_by_role("link", name="Edit", exact=True).is_visible()
    # "Save" in the row opens the Playlists tab (favourite, add to a playlist).
    page.locator(".watch-actions").get_by_role("link", name="Save", exact=True).click()
    assert page.get_by_role("tab", name="Playlists").get_attribute("aria-selected") == "true"
    assert page.get_by_role("button", name="Favourite").is_visible()


def test_the_player_controls_chapters_captions_and_keys(page, live_server, lecture):
    page.set_viewport_size({"width": 1366, "height": 768})
    visit(page, f"{live_server}/videos/{lecture}")
    ready(page)
    # Chapter marks on the seek bar (one where the second chapter starts), the current title in the bar.
    page.wait_for_function("() => document.querySelectorAll('.player-mark').length === 1")
    mark = page.locator(".player-mark").evaluate("(m) => m.style.left")
    assert abs(float(mark.rstrip("%")) - 5 / 12 * 100) < 3
    chapter = page.locator("[data-chapter-title]")
    assert chapter.text_content() == "Ouverture"
    page.evaluate(
        "() => { window.toggles = []; const v = document.querySelector('video'); v.muted = true;"
        " v.addEventListener('play', () => toggles.push('play'));"
        " v.addEventListener('pause', () => toggles.push('pause')); }"
    )
    page.locator("video").focus()
    page.keyboard.press("Space")
    page.wait_for_timeout(400)
    page.keyboard.press("k")
    page.wait_for_timeout(400)
    assert page.evaluate("() => [document.querySelector('video').paused, window.toggles]") == [True, ["play", "pause"]]
    page.keyboard.press("6")  # 60 %
    page.wait_for_function("() => Math.abs(document.querySelector('video').currentTime - 7.2) < 0.3")
    page.wait_for_function("() => document.querySelector('[data-chapter-title]').textContent === 'Deuxième partie'")
    seek = page.get_by_role("slider", name="Seek")
    assert seek.get_attribute("aria-valuetext") == "0:07 of 0:12"
    # Hovering the seek bar previews that moment (the storyboard's picture and the time).
    seek.hover()
    page.locator(".storyboard-preview").wait_for(state="visible")
    assert page.locator(".storyboard-preview span").text_content() in ("0:05", "0:06")  # the middle
    # Captions: c shows them, c again hides them; the button says which.
    modes = "() => Array.from(document.querySelector('video').textTracks).filter((t) => t.kind === 'captions').map((t) => t.mode)"
    assert page.evaluate(modes) == ["disabled"]
    page.keyboard.press("c")
    assert page.evaluate(modes) == ["showing"]
    assert page.get_by_role("button", name="Hide captions").get_attribute("aria-pressed") == "true"
    page.keyboard.press("c")
    assert page.evaluate(modes) == ["disabled"]
    # Speed by < and >, the menu follows.
    page.keyboard.press(">")
    assert page.evaluate("() => document.querySelector('video').playbackRate") == 1.25
    page.keyboard.press("<")
    page.keyboard.press("<")
    assert page.evaluate("() => document.querySelector('video').playbackRate") == 0.75
    page.get_by_role("button", name="Settings").click()
    assert page.get_by_label("Speed").input_value() == "0.75"
    page.get_by_label("Caption size").select_option("150")
    audit(page)
    page.keyboard.press("Escape")
    assert page.get_by_label("Speed").is_hidden()
    # Theatre mode widens the player to the window and is kept for the next page.
    page.get_by_role("button", name="Theatre mode").click()
    assert page.locator("video").bounding_box()["width"] > 1300
    page.reload()
    assert page.get_by_role("button", name="Theatre mode").get_attribute("aria-pressed") == "true"
    assert page.get_by_label("Caption size").input_value() == "150"  # caption style kept too


@pytest.mark.parametrize("size", [(640, 360), (400, 225)])
def test_the_embed_shows_every_control_inside_its_frame(page, live_server, lecture, size):
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    visit(page, f"{live_server}/videos/{lecture}/embed")
    ready(page)
    assert page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]") == [
        width,
        height,
    ]
    boxes = page.locator(".player-chrome button:visible, .player-chrome input:visible").evaluate_all(
        "(els) => els.map((e) => e.getBoundingClientRect().toJSON())"
    )
    names = page.locator(".player-chrome button:visible").evaluate_all("(els) => els.map((e) => e.dataset)")
    assert len(boxes) >= 5, names
    for box in boxes:
        assert 0 <= box["left"] and box["right"] <= width and 0 <= box["top"] and box["bottom"] <= height, (box, size)
    assert (
        page.get_by_role("button", name="Play").is_visible()
        and page.get_by_role("button", name="Full screen").is_visible()
    )
    page.get_by_role("button", name="Settings").click()
    settings = page.locator("[data-settings-panel]").bounding_box()
    assert settings["y"] >= 0 and settings["y"] + settings["height"] <= height
    assert page.get_by_label("Quality").is_visible() or page.get_by_label("Quality").count() == 1


def test_a_small_player_docks_while_reading_below(page, live_server, lecture):
    page.set_viewport_size({"width": 1024, "height": 480})
    visit(page, f"{live_server}/videos/{lecture}")
    ready(page)
    page.evaluate(
        "async () => { const v = document.querySelector('video'); v.muted = true; v.loop = true; await v.play(); }"
    )
    # The controls hide after 3 s without the pointer during playback, and come back when it moves.
    page.mouse.move(500, 300)
    page.wait_for_function("() => document.querySelector('.player').classList.contains('idle')", timeout=6000)
    page.mouse.move(520, 320)
    assert not page.evaluate("() => document.querySelector('.player').classList.contains('idle')")
    page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_function("() => document.querySelector('.player').classList.contains('docked')")
    box = page.locator(".player").bounding_box()
    assert 300 <= box["width"] <= 340 and box["x"] + box["width"] > 1024 - 40 and box["y"] + box["height"] > 480 - 40
    audit(page)
    page.get_by_role("button", name="Close the small player").click()
    assert page.evaluate(
        "() => [document.querySelector('.player').classList.contains('docked'), document.querySelector('video').paused]"
    ) == [False, True]
    # Not on a phone: there the player simply scrolls away.
    page.set_viewport_size({"width": 390, "height": 844})
    page.evaluate("() => { window.scrollTo(0, 0); }")
    page.evaluate(
        "async () => { await document.querySelector('video').play(); window.scrollTo(0, document.documentElement.scrollHeight); }"
    )
    page.wait_for_timeout(500)
    assert not page.evaluate("() => document.querySelector('.player').classList.contains('docked')")
