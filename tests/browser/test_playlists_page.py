"""In Chromium: a playlist built from video pages and reordered with the keyboard alone."""

import re

from tests.browser.browsing import ADMIN_PASSWORD, audit, sign_in, visit
from tests.browser.test_playback import import_and_wait
from tests.mediafiles import make_clip


def order(page) -> list[str]:
    return page.locator("[data-playlist-items] > li a").all_text_contents()


def test_reorder_a_playlist_with_the_keyboard(page, live_server, tmp_path):
    ids = [
        import_and_wait(live_server, make_clip(tmp_path, f"p{n}.mp4", seconds=2, size="320x240"), title=f"Séance {n}")
        for n in (1, 2, 3)
    ]
    sign_in(page, live_server, "admin", ADMIN_PASSWORD)
    visit(page, f"{live_server}/videos/{ids[0]}")
    page.get_by_role("tab", name="Playlists").click()  # the panels are tabs
    page.get_by_text("New playlist with this video").click()
    page.get_by_label("Title", exact=True).fill("Partiel")
    page.get_by_role("button", name="Create", exact=True).click()
    page.wait_for_load_state()
    for video_id in ids[1:]:
        visit(page, f"{live_server}/videos/{video_id}")
        page.get_by_role("tab", name="Playlists").click()
        page.get_by_label("Add to the playlist").select_option(label="Partiel")
        page.get_by_role("button", name="Add", exact=True).click()
        page.wait_for_load_state()
    assert page.get_by_text("Added to “Partiel”.").is_visible()
    audit(page)
    visit(page, f"{live_server}/playlists")
    page.get_by_role("link", name="Edit Partiel").click()
    page.wait_for_load_state()
    audit(page)
    assert order(page) == ["Séance 1", "Séance 2", "Séance 3"]

    # Keyboard only: focus "Move down" of the first video, press Enter twice; the focus stays with it.
    page.get_by_role("button", name=re.compile(r"^Move down\W+Séance 1$")).focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('[data-playlist-status]').textContent.includes('position 2 of 3')"
    )
    assert order(page) == ["Séance 2", "Séance 1", "Séance 3"]
    assert page.evaluate("() => document.activeElement.textContent") == "Move down: Séance 1"
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('[data-playlist-status]').textContent.includes('position 3 of 3')"
    )
    assert order(page) == ["Séance 2", "Séance 3", "Séance 1"]
    assert page.evaluate("() => document.activeElement.textContent") == "Move up: Séance 1"  # now last: no Move down
    audit(page)

    # Drag and drop does the same with the mouse: Séance 1 dropped on the first video goes first.
    page.locator("[data-playlist-items] > li", has_text="Séance 1").drag_to(
        page.locator("[data-playlist-items] > li", has_text="Séance 2")
    )
    page.wait_for_function(
        "() => document.querySelector('[data-playlist-status]').textContent.includes('position 1 of 3')"
    )
    assert order(page) == ["Séance 1", "Séance 2", "Séance 3"]

    # Kept on the server, and played in that order.
    visit(page, page.url)
    assert order(page) == ["Séance 1", "Séance 2", "Séance 3"]
    visit(page, f"{live_server}/playlists")
    page.get_by_role("link", name="Partiel", exact=True).click()
    page.get_by_role("link", name="Play all").click()
    page.wait_for_load_state()
    audit(page)
    player = page.locator("[data-playlist-player]")
    assert "Video 1 of 3" in player.text_content()
    assert page.url.split("?")[0].endswith(f"/videos/{ids[0]}")
    assert player.get_attribute("data-next-url").split("?")[0].endswith(f"/videos/{ids[1]}")
    assert page.get_by_role("link", name="Next: Séance 2").is_visible()
