"""Video cards in Chromium: one column on a phone, four or more on a laptop, a small poster copy, no sideways
scroll, the filters folded away with removable chips; audited by axe-core in both colour schemes.

``AMPHI_SCREENSHOTS=folder`` keeps a screenshot of each page and size there (to look at them).
"""

from core.testing import shoot
from tests.browser.browsing import ADMIN_PASSWORD, audit, sign_in, visit
from tests.browser.test_playback import import_and_wait
from tests.mediafiles import make_clip

PHONE, LAPTOP, NARROW = (390, 844), (1366, 768), (320, 640)


def columns(page, selector: str = ".video-grid") -> int:
    return page.evaluate(
        f"() => getComputedStyle(document.querySelector('{selector}')).gridTemplateColumns.split(' ').length"
    )


def no_sideways_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_cards_grid_on_a_phone_and_a_laptop(page, live_server, tmp_path):
    for n in range(2):
        import_and_wait(live_server, make_clip(tmp_path, f"card{n}.mp4", seconds=2, size="640x360"), title=f"Carte {n}")
    sign_in(page, live_server, "admin", ADMIN_PASSWORD)
    for (width, height), name in ((PHONE, "phone"), (LAPTOP, "laptop")):
        page.set_viewport_size({"width": width, "height": height})
        for path, shot in (("/videos", "videos"), ("/", "home"), ("/my/videos", "my-videos"), ("/users/admin", "user")):
            visit(page, live_server + path)
            assert no_sideways_scroll(page), (path, name)
            grid = columns(page)
            assert grid == 1 if name == "phone" else grid >= 4, (path, name, grid)
            shoot(page, f"{shot}-{name}")
        image = page.locator(".video-card img").first
        image.scroll_into_view_if_needed()
        page.wait_for_function(
            "() => { const i = document.querySelector('.video-card img'); return i.complete && i.naturalWidth > 0; }"
        )
        assert "/cards/" in image.get_attribute("src")
        assert page.evaluate("() => document.querySelector('.video-card img').naturalWidth") <= 400

    # All videos: the filters are one line until opened; the chips remove a filter each.
    page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    visit(page, live_server + "/videos")
    assert page.locator("details.filters-panel").bounding_box()["height"] < 80
    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Duration").select_option("short")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    audit(page)
    shoot(page, "videos-filtered-phone")
    chip = page.get_by_role("link", name="Remove filter: Duration: Under 5 minutes")
    # this test's two clips are among the short videos (the shared server may hold other tests' clips)
    titles = page.locator(".video-card").all_inner_texts()
    assert chip.is_visible() and all(any(f"Carte {n}" in t for t in titles) for n in range(2))
    chip.click()
    page.wait_for_load_state()
    assert page.locator(".chips").count() == 0

    # The whole card is the video's link; the owner's name is a link of its own.
    card = page.locator(".video-card").first
    card.scroll_into_view_if_needed()
    box = card.locator(".card-media").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url("**/videos/*")
    page.go_back()
    page.locator(".card-owner").first.click()
    page.wait_for_url("**/users/admin")

    page.set_viewport_size({"width": NARROW[0], "height": NARROW[1]})
    for path in ("/videos", "/", "/channels", "/my/videos"):
        visit(page, live_server + path)
        assert no_sideways_scroll(page), path
