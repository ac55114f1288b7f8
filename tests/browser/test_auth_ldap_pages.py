"""auth_ldap's pages in a browser: its settings, the sign-in form beside the local one, Directory status."""

from tests.browser.browsing import ADMIN_PASSWORD, audit, open_account_menu, sign_in, visit
from tests.ldap_directory import ADMIN_DN, BASE, PASSWORDS, slapd  # noqa: F401
from tests.ldap_directory import ADMIN_PASSWORD as DIRECTORY_PASSWORD


def save_settings(page, base, **fields):
    visit(page, base + "/admin/site/plugins/auth_ldap")
    for key, value in fields.items():
        field = page.locator(f"#setting-{key}")
        if isinstance(value, bool):
            field.set_checked(value)
        else:
            field.fill(value)
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").text_content().strip() == "Saved."


def test_the_ldap_form_and_the_directory_status_page(chromium, live_server, slapd):
    admin = chromium.new_context(locale="en-GB").new_page()
    visitor = chromium.new_context(locale="en-GB").new_page()
    sign_in(admin, live_server, "admin", ADMIN_PASSWORD)
    try:
        save_settings(
            admin,
            live_server,
            server_uris=slapd.uri,
            bind_dn=ADMIN_DN,
            bind_password=DIRECTORY_PASSWORD,
            user_base=f"ou=people,{BASE}",
            password_form=True,
            create_users=True,
        )
        visit(visitor, live_server + "/login")
        form = visitor.get_by_role("region", name="University account (directory)")
        form.get_by_label("Username").fill("lea")
        form.get_by_label("Password").fill(PASSWORDS["lea"])
        form.get_by_role("button", name="Sign in").click()
        visitor.wait_for_url(live_server + "/")
        audit(visitor)
        open_account_menu(visitor)
        assert visitor.get_by_role("button", name="Sign out").is_visible()

        admin.get_by_role("link", name="Directory status").click()
        admin.wait_for_load_state()
        audit(admin)
        assert "Never" not in admin.locator("dl").text_content()  # the sign-in was a success
        slapd.stop()
        admin.get_by_role("button", name="Check the connection now").click()
        admin.wait_for_load_state()
        audit(admin)
        assert admin.get_by_role("alert").is_visible()
        assert "cannot connect to " + slapd.uri in admin.locator("#ldap-last-error").text_content()
    finally:  # the live server is shared: leave the site as it was
        save_settings(admin, live_server, server_uris="", password_form=False, create_users=False)
        admin.context.close()
        visitor.context.close()
