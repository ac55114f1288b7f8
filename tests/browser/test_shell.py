"""The site's frame in Chromium, on a phone (390×844, 320 wide) and a desktop (1366×768): the compact header and
its menu by keyboard, the account menu, the theme and reading-comfort switches kept across pages, the site's
colour on the header, no horizontal scroll on any page type; every page audited by axe-core in both schemes."""

import re
from contextlib import contextmanager

import pytest

from tests.browser.browsing import ADMIN_PASSWORD, audit, sign_in, visit
from tests.browser.test_playback import import_and_wait
from tests.mediafiles import make_clip

PHONE, SMALL_PHONE, DESKTOP = (390, 844), (320, 640), (1366, 768)


@contextmanager
def browser_page(chromium, size, locale="en-GB"):
    context = chromium.new_context(locale=locale, viewport={"width": size[0], "height": size[1]})
    try:
        yield context.new_page()
    finally:
        context.close()


def header_height(page) -> float:
    return page.locator("header.site-header").bounding_box()["height"]


def expanded(locator) -> str:
    return locator.get_attribute("aria-expanded")


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_the_phone_header_is_compact_and_its_menu_works_by_keyboard(chromium, live_server):
    with browser_page(chromium, PHONE) as page:
        visit(page, live_server + "/")
        assert header_height(page) <= 64  # it was 374 px
        menu = page.get_by_role("button", name="Menu")
        assert expanded(menu) == "false" and menu.get_attribute("aria-controls") == "site-menu"
        all_videos = page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="All videos")
        assert not all_videos.is_visible()
        page.keyboard.press("Tab")  # the skip link, then the brand, the search box and its button, the menu
        for _ in range(4):
            page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.classList.contains('menu-button')")
        box = menu.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44
        page.keyboard.press("Enter")
        assert expanded(menu) == "true" and all_videos.is_visible()
        assert page.get_by_label("Language").is_visible()  # the account region is in the menu
        assert page.get_by_role("link", name="Sign in").is_visible()
        audit(page)  # the open menu too
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.textContent") == "Home"
        page.keyboard.press("Escape")
        assert expanded(menu) == "false" and not all_videos.is_visible()
        assert page.evaluate("() => document.activeElement.classList.contains('menu-button')")
        page.keyboard.press("Space")
        assert expanded(menu) == "true"
        page.locator("main").click()  # a click elsewhere folds it
        assert expanded(menu) == "false"
        page.locator("#site-menu").evaluate("(menu) => menu.classList.add('open')")
        for size in (PHONE, SMALL_PHONE):
            page.set_viewport_size({"width": size[0], "height": size[1]})
            assert no_horizontal_scroll(page), size


def test_the_phone_menu_holds_the_account_menu(chromium, live_server):
    with browser_page(chromium, PHONE) as page:
        sign_in(page, live_server, "prof", "prof password 1")
        assert header_height(page) <= 64
        page.get_by_role("button", name="Menu").click()
        assert page.get_by_role("button", name="Sign out").is_visible()
        assert page.get_by_role("link", name="API tokens").is_visible()
        assert page.get_by_role("link", name="Upload").is_visible()
        for control in ("link", "button"):
            for box in (
                e.bounding_box() for e in page.locator(f".site-menu {'a' if control == 'link' else 'button'}").all()
            ):
                if box:
                    assert box["height"] >= 44, control
        audit(page)


def test_the_desktop_header_shows_the_navigation_and_folds_the_account_menu(chromium, live_server):
    with browser_page(chromium, DESKTOP) as page:
        sign_in(page, live_server, "prof", "prof password 1")
        assert not page.get_by_role("button", name="Menu").is_visible()
        nav = page.get_by_role("navigation", name="Main navigation")
        assert nav.get_by_role("link", name="My videos").is_visible()
        assert nav.get_by_role("link", name="Home").get_attribute("aria-current") == "page"
        assert header_height(page) <= 120
        account = page.locator(".account-button")
        sign_out = page.get_by_role("button", name="Sign out")
        assert expanded(account) == "false" and not sign_out.is_visible()
        account.focus()
        page.keyboard.press("Enter")
        assert expanded(account) == "true" and sign_out.is_visible()
        audit(page)
        page.keyboard.press("Tab")
        page.keyboard.press("Escape")
        assert expanded(account) == "false" and not sign_out.is_visible()
        assert page.evaluate("() => document.activeElement.classList.contains('account-button')")
        account.click()
        page.get_by_role("button", name="Display").click()  # one menu at a time
        assert expanded(account) == "false"
        page.locator("main").click()
        assert expanded(page.get_by_role("button", name="Display")) == "false"


def test_the_theme_switch_is_kept_across_pages(chromium, live_server):
    with browser_page(chromium, DESKTOP) as page:
        visit(page, live_server + "/")
        html = page.locator("html")
        assert html.get_attribute("data-theme") is None  # the system's choice
        page.get_by_role("button", name="Display").click()
        assert page.get_by_label("Same as the system").is_checked()
        page.get_by_label("Dark").check()
        assert html.get_attribute("data-theme") == "dark"
        assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") == "rgb(18, 20, 23)"
        visit(page, live_server + "/videos")  # set before the first paint, from this browser's choice
        assert html.get_attribute("data-theme") == "dark"
        page.get_by_role("button", name="Display").click()
        assert page.get_by_label("Dark").is_checked()
        page.get_by_label("Light").check()
        page.emulate_media(color_scheme="dark")
        assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
        page.get_by_label("Same as the system").check()
        assert html.get_attribute("data-theme") is None
        assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") == "rgb(18, 20, 23)"


def test_reading_comfort_is_kept_across_pages(chromium, live_server):
    with browser_page(chromium, PHONE) as page:
        visit(page, live_server + "/login")
        page.get_by_role("button", name="Menu").click()
        page.get_by_label("Larger text").check()
        page.get_by_label("Wider spacing (easier with dyslexia)").check()
        visit(page, live_server + "/")
        html = page.locator("html")
        assert html.get_attribute("data-text") == "large" and html.get_attribute("data-spacing") == "wide"
        style = page.evaluate("""() => { const s = getComputedStyle(document.querySelector('main p'));
            return [parseFloat(s.fontSize), parseFloat(s.letterSpacing), parseFloat(s.wordSpacing),
                    parseFloat(s.lineHeight)]; }""")
        size, letters, words, line = style
        assert size == 20  # 125 %
        assert letters >= 0.12 * size - 0.01 and words >= 0.16 * size - 0.01 and line >= 1.5 * size  # WCAG 1.4.12
        assert header_height(page) <= 80 and no_horizontal_scroll(page)
        page.get_by_role("button", name="Menu").click()
        page.get_by_label("Larger text").uncheck()
        assert html.get_attribute("data-text") is None


def test_the_site_colour_and_a_readable_header_text(chromium, live_server):
    from sqlalchemy import text

    from core.platform.db import make_engine

    engine = make_engine(live_server.database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE sites SET theme_color = '#ffdd00' WHERE is_default = :yes"), {"yes": True})
        with browser_page(chromium, DESKTOP) as page:
            visit(page, live_server + "/?colour")  # axe checks the header in both themes
            header = page.evaluate("""() => { const s = getComputedStyle(document.querySelector('.site-header'));
                return [s.backgroundColor, s.color]; }""")
            assert header == ["rgb(255, 221, 0)", "rgb(0, 0, 0)"]  # black text on a yellow site colour
            page.emulate_media(color_scheme="dark")
            header = page.evaluate("() => getComputedStyle(document.querySelector('.site-header')).backgroundColor")
            assert header == "rgb(255, 221, 0)"  # the site's colour in both themes
    finally:
        with engine.begin() as connection:
            connection.execute(text("UPDATE sites SET theme_color = '#1f4e8c' WHERE is_default = :yes"), {"yes": True})
        engine.dispose()


ANONYMOUS_PAGES = ["/", "/videos", "/channels", "/login", "/search?q=cours", "/this-page-does-not-exist"]
SIGNED_IN_PAGES = [
    "/",
    "/upload",
    "/my/videos",
    "/admin/site",
    "/admin/site/plugins/auth_local",
    "/admin/users",
    "/admin/groups",
    "/admin/identity-rules",
    "/admin/channels",
    "/admin/sites",
    "/account/tokens",
    "/account/sessions",
    "/stats",
]


@pytest.fixture(scope="module")
def sample(live_server, tmp_path_factory):
    """A published video and a channel, for their pages."""
    folder = tmp_path_factory.mktemp("shell")
    video_id = import_and_wait(
        live_server, make_clip(folder, "shell.mp4", seconds=2, size="320x180"), title="Cours shell"
    )
    return {"video": f"/videos/{video_id}", "edit": f"/videos/{video_id}/edit"}


def make_channel(page, live_server) -> str:
    visit(page, f"{live_server}/admin/channels")
    page.get_by_label("Name", exact=True).fill("Chaîne du cadre")
    page.get_by_role("button", name="Create the channel").click()
    page.wait_for_load_state()
    visit(page, f"{live_server}/channels")
    return page.get_by_role("link", name="Chaîne du cadre").first.get_attribute("href")


def test_no_page_scrolls_sideways_on_a_phone(chromium, live_server, sample):
    """On the narrowest phone (320 px): the style sheets have no breakpoint below 40rem, so a page that
    fits there fits every phone up to it (a 390 px pass found nothing the 320 px one did not)."""
    size = SMALL_PHONE
    with browser_page(chromium, size) as page:
        wide = []
        for path in ANONYMOUS_PAGES + [sample["video"]]:
            visit(page, live_server + path)
            if not no_horizontal_scroll(page):
                wide.append(path)
        sign_in(page, live_server, "admin", ADMIN_PASSWORD)
        channel = make_channel(page, live_server)
        for path in SIGNED_IN_PAGES + [sample["video"], sample["edit"], re.sub(r"^https?://[^/]+", "", channel)]:
            visit(page, live_server + path)
            assert header_height(page) <= 64, path
            if not no_horizontal_scroll(page):
                wide.append(path)
        assert not wide, f"wider than {size[0]} px: {wide}"


def test_without_javascript_the_menus_are_unfolded(chromium, live_server):
    context = chromium.new_context(locale="en-GB", viewport={"width": 390, "height": 844}, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server + "/")  # not audited: axe-core needs JavaScript
        assert not page.get_by_role("button", name="Menu").is_visible()
        assert page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Channels").is_visible()
        assert page.get_by_role("link", name="Sign in").is_visible() and page.get_by_label("Language").is_visible()
        assert not page.get_by_role("button", name="Display").is_visible()  # the display options need JavaScript
        assert no_horizontal_scroll(page)
    finally:
        context.close()
