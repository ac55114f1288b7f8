"""The users and groups pages in Chromium, audited with axe-core; the storage measure on /stats."""

from tests.browser.browsing import ADMIN_PASSWORD, audit, sign_in, visit


def test_users_and_groups_pages(page, live_server):
    sign_in(page, live_server, "admin", ADMIN_PASSWORD)
    visit(page, live_server + "/admin/users")
    page.get_by_label("Username", exact=True).fill("browser-temp")
    page.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_load_state()
    audit(page)
    assert "This account has no password" in page.locator("[role=status]").first.text_content()
    page.get_by_label("Username, name or email").fill("browser-t")
    page.get_by_role("button", name="Find").click()
    page.wait_for_load_state()
    audit(page)
    assert page.get_by_text("1 user found.").is_visible()
    page.get_by_role("link", name="browser-temp").click()
    page.wait_for_load_state()
    audit(page)
    page.get_by_role("button", name="Disable this account").click()
    page.wait_for_load_state()
    audit(page)
    assert "browser-temp is disabled" in page.locator("[role=status]").first.text_content()
    page.get_by_role("button", name="Enable this account again").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="New password").click()
    page.wait_for_load_state()
    audit(page)
    assert len(page.get_by_label("Temporary password").input_value()) == 16

    visit(page, live_server + "/admin/groups")
    page.get_by_label("Short name").fill("browser-group")
    page.get_by_label("Name shown").fill("Groupe du navigateur")
    page.get_by_role("button", name="Create").click()
    page.wait_for_load_state()
    audit(page)
    page.get_by_label("Usernames").fill("browser-temp prof")
    page.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_load_state()
    audit(page)
    assert page.get_by_text("2 members added.").is_visible()
    page.get_by_role("button", name="Remove prof").click()
    page.wait_for_load_state()
    assert page.get_by_text("1 member.").is_visible()
    page.get_by_role("link", name="Delete this group…").click()
    page.wait_for_load_state()
    audit(page)
    page.get_by_role("button", name="Delete the group Groupe du navigateur for good").click()
    page.wait_for_load_state()
    assert page.get_by_text("No group yet.").is_visible()

    visit(page, live_server + "/admin/users?q=browser-temp")
    page.get_by_role("link", name="browser-temp").click()
    page.get_by_role("link", name="Delete this account…").click()
    page.wait_for_load_state()
    audit(page)
    page.get_by_role("button", name="Delete browser-temp for good").click()
    page.wait_for_load_state()
    assert page.get_by_text("The account browser-temp was deleted.").is_visible()


def test_the_storage_is_measured_when_an_admin_asks(page, live_server):
    sign_in(page, live_server, "admin", ADMIN_PASSWORD)
    visit(page, live_server + "/stats")
    page.get_by_role("button", name="Measure the storage now").click()
    page.wait_for_load_state()
    audit(page)
    for _ in range(60):  # the embedded worker walks the storage
        if page.locator('[data-part="total"]').count():
            break
        page.wait_for_timeout(500)
        page.reload()
    assert page.locator('[data-part="total"]').count() == 1
    audit(page)


def test_the_account_and_people_pages_fit_a_phone(page, live_server):
    """Nothing makes the page wider than a phone's screen (a wide table scrolls within itself)."""
    sign_in(page, live_server, "admin", ADMIN_PASSWORD)
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/upload", "/admin/users", "/admin/groups", "/account/sessions", "/admin/site"):
        visit(page, live_server + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
