"""Every page of the core shell, in English and French, passes axe-core and works by keyboard."""

import pytest

from tests.browser.browsing import ADMIN_PASSWORD, audit, open_account_menu, sign_in, visit

ANONYMOUS_PAGES = ["/", "/login", "/videos", "/this-page-does-not-exist"]
ADMIN_PAGES = [
    "/",
    "/admin/site",
    "/admin/site/plugins/auth_local",
    "/admin/users",
    "/admin/identity-rules",
    "/auth/local/password",
    "/account/tokens",
    "/account/sessions",
    "/stats",
    "/admin/sites",
]


@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_anonymous_pages_are_accessible(page, live_server, path):
    response = visit(page, live_server + path)
    assert response.status == (404 if "does-not-exist" in path else 200)


def test_admin_pages_are_accessible(page, live_server):
    from core.testing import http_sign_in

    http_sign_in(live_server, "admin", ADMIN_PASSWORD)  # another session: /account/sessions lists two
    sign_in(page, live_server, "admin", ADMIN_PASSWORD)
    for path in ADMIN_PAGES:
        assert visit(page, live_server + path).status == 200, path
    assert visit(page, live_server + "/stats?start=not-a-date").status == 400  # the error state passes too


def test_french_pages_are_accessible(chromium, live_server):
    context = chromium.new_context(locale="fr-FR")
    page = context.new_page()
    try:
        visit(page, live_server + "/login")
        assert page.locator("html").get_attribute("lang") == "fr"
        assert page.get_by_role("heading", name="Se connecter").is_visible()
    finally:
        context.close()


def test_the_skip_link_is_the_first_stop_and_reaches_the_content(page, live_server):
    visit(page, live_server + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => [document.activeElement.className, document.activeElement.textContent]")
    assert focused == ["skip-link", "Skip to content"]
    assert page.locator(".skip-link").bounding_box()["x"] >= 0  # visible once focused
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"


def test_signing_in_with_the_keyboard_only(page, live_server):
    visit(page, live_server + "/login")
    page.get_by_label("Username").focus()
    page.keyboard.type("prof")
    page.keyboard.press("Tab")
    page.keyboard.type("prof password 1")
    page.keyboard.press("Enter")
    page.wait_for_url(live_server + "/")
    audit(page)
    open_account_menu(page)
    assert page.get_by_role("button", name="Sign out").is_visible()


def test_a_wrong_password_is_announced(page, live_server):
    sign_in(page, live_server, "prof", "not the password")
    alert = page.get_by_role("alert")
    assert alert.text_content().strip() == "Wrong username or password."


def test_the_language_switch(page, live_server):
    visit(page, live_server + "/login")
    page.get_by_label("Language").select_option("fr")
    page.get_by_role("button", name="Change").click()
    page.wait_for_load_state()
    audit(page)
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.url.endswith("/login")


def test_the_audit_does_catch_violations(page):
    page.set_content('<html><body><input type="text"><img src="x.png"></body></html>')
    with pytest.raises(AssertionError, match="label"):
        audit(page)
