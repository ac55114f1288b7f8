"""The site's pages, the API documentation and the token confirmation in a browser: axe in both schemes, phone width."""

import pytest

from tests.browser.browsing import ADMIN_PASSWORD, audit, sign_in, visit

SITE_PAGES = ["/accessibility", "/legal", "/privacy", "/contact"]


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")


@pytest.mark.parametrize("path", SITE_PAGES)
def test_site_pages_are_accessible_on_a_phone(page, live_server, path):
    page.set_viewport_size({"width": 320, "height": 800})
    assert visit(page, live_server + path).status == 200
    assert no_horizontal_scroll(page)


def test_the_api_documentation_is_accessible(page, live_server):
    page.goto(live_server + "/api/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15000)
    audit(page)
    page.locator(".opblock-summary-control").first.click()
    page.wait_for_selector(".opblock-body", timeout=5000)
    audit(page)
    page.set_viewport_size({"width": 390, "height": 844})
    assert no_horizontal_scroll(page)


def test_the_admin_edits_a_page_and_revokes_a_token_after_confirming(page, live_server):
    sign_in(page, live_server, "admin", ADMIN_PASSWORD)
    visit(page, live_server + "/admin/site/pages")
    visit(page, live_server + "/admin/site/pages/accessibility")
    page.get_by_label("Compliance rate (%)").fill("64")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    audit(page)
    visit(page, live_server + "/accessibility")
    assert "64 %" in page.locator("dl.facts").inner_text()
    visit(page, live_server + "/account/tokens")
    page.get_by_label("Name").fill("Browser test")
    page.get_by_role("button", name="Create").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Revoke: Browser test").click()
    page.wait_for_load_state()
    audit(page)
    page.get_by_role("button", name="Revoke this token").click()
    page.wait_for_load_state()
    assert page.get_by_text("The token was revoked.").is_visible()
