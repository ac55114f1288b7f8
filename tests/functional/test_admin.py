"""The site-admin and user-admin pages."""

import pytest


@pytest.fixture
def admin_browser(testapp, site, make_user):
    make_user(site, "boss", role="site-admin", password="boss password 1")
    testapp.sign_in("boss", "boss password 1")
    return testapp


def test_only_site_admins_reach_the_admin_pages(testapp, site, make_user):
    make_user(site, "prof", role="staff", password="prof password 1")
    testapp.sign_in("prof", "prof password 1")
    testapp.get("/admin/site", status=403)
    testapp.get("/admin/users", status=403)
    testapp.post("/admin/site", {"csrf_token": testapp.csrf_token("/")}, status=403)


def test_the_admin_page_lists_plugins_and_toggles_them(admin_browser, site):
    page = admin_browser.get("/admin/site")
    assert "auth_local" in page.text and "hello" in page.text
    assert 'id="plugin-hello" name="plugins" value="hello" checked' in page.text
    form = page.forms["plugins-form"]
    form["plugins"] = ["auth_local", "storage_local"]  # hello (and the encoder) off
    form.submit().follow()
    assert site.enabled_plugins == ["auth_local", "storage_local"]
    admin_browser.get("/hello", status=404)


def test_plugin_settings_form_is_built_from_declarations(admin_browser, site):
    page = admin_browser.get("/admin/site/plugins/auth_local")
    assert '<label for="setting-min_password_length">Minimum password length</label>' in page.text
    form = page.forms["plugin-settings-form"]
    form["min_password_length"] = "many"
    refused = form.submit()
    assert refused.status_int == 200
    assert 'aria-invalid="true" aria-describedby="setting-min_password_length-error"' in refused.text
    assert "a whole number is expected" in refused.text
    form = refused.forms["plugin-settings-form"]
    form["min_password_length"] = "14"
    form["signup"] = True
    form.submit().follow()
    assert site.plugin_settings["auth_local"] == {
        "signup": True,
        "min_password_length": 14,
        "max_failures": 5,
        "failure_window": 900,
    }


def test_unknown_plugin_settings_page_is_404(admin_browser):
    admin_browser.get("/admin/site/plugins/nothing", status=404)


def last_form(page):
    return page.forms[max(key for key in page.forms if isinstance(key, int))]


def test_creating_a_user_and_changing_roles(admin_browser, site, make_testapp, dbsession):
    from core.access.users import find_user

    form = last_form(admin_browser.get("/admin/users"))
    form["username"], form["display_name"], form["password"], form["role"] = (
        "tina",
        "Tina T.",
        "tina password 1",
        "staff",
    )
    created = form.submit().follow()
    assert "User tina created." in created.text
    tina_browser = make_testapp("a.test")
    tina_browser.sign_in("tina", "tina password 1")
    assert tina_browser.get("/api/me").json["role"] == "staff"
    tina = find_user(dbsession, site.id, "tina")
    token = admin_browser.csrf_token("/admin/users")
    admin_browser.post(f"/admin/users/{tina.id}", {"role": "site-admin", "csrf_token": token}, status=302)
    assert tina_browser.get("/api/me").json["role"] == "site-admin"
    refused = admin_browser.post(f"/admin/users/{tina.id}", {"role": "superuser", "csrf_token": token}, status=400)
    assert "Only a superuser can make a superuser." in refused.text
    assert tina.role == "site-admin"


def test_another_sites_user_cannot_be_changed(admin_browser, make_site, make_user):
    stranger = make_user(make_site("b"), "stranger")
    token = admin_browser.csrf_token("/admin/users")
    admin_browser.post(f"/admin/users/{stranger.id}", {"role": "site-admin", "csrf_token": token}, status=404)
    assert stranger.role == "user"


def test_invalid_new_user_shows_errors_beside_fields(admin_browser):
    form = last_form(admin_browser.get("/admin/users"))
    form["username"] = "bad name/../"
    page = form.submit(status=400)
    assert 'aria-describedby="new-username-error"' in page.text


def test_the_site_name_colour_and_logo(admin_browser, site):
    form = admin_browser.get("/admin/site").forms["identity-form"]
    form["name"], form["theme_color"], form["logo_url"] = "Université Exemple", "yellow", "javascript:alert(1)"
    refused = form.submit(status=400)
    assert "A colour such as #1f4e8c is expected." in refused.text and "https:// or /" in refused.text
    assert site.theme_color == "#1f4e8c"
    form = refused.forms["identity-form"]
    form["theme_color"], form["logo_url"] = "#7A1F3D", "/static/logo.svg"
    page = form.submit().follow()
    assert "Université Exemple" in page.text and "--brand: #7a1f3d" in page.text
    assert '<img src="/static/logo.svg" alt="" height="32">' in page.text


def test_a_site_admin_cannot_create_or_touch_superusers_nor_demote_themselves(
    admin_browser, site, make_user, dbsession
):
    from core.access.users import find_user

    root = make_user(site, "root", role="superuser")
    token = admin_browser.csrf_token("/admin/users")
    refused = admin_browser.post(
        "/admin/users",
        {"csrf_token": token, "username": "sneaky", "role": "superuser", "password": "sneaky password 1"},
        status=400,
    )
    assert "Only a superuser can make a superuser." in refused.text and find_user(dbsession, site.id, "sneaky") is None
    admin_browser.post(f"/admin/users/{root.id}", {"role": "user", "csrf_token": token}, status=400)
    admin_browser.post(f"/admin/users/{root.id}", {"role": "superuser", "active": "0", "csrf_token": token}, status=400)
    assert root.role == "superuser" and root.is_active
    boss = find_user(dbsession, site.id, "boss")
    admin_browser.post(f"/admin/users/{boss.id}", {"role": "user", "csrf_token": token}, status=400)
    assert boss.role == "site-admin"


def test_pages_cannot_be_framed_by_other_sites(testapp):
    response = testapp.get("/login")
    assert response.headers["Content-Security-Policy"] == "frame-ancestors 'self'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_failing_plugin_does_not_break_the_page(testapp, site, register_plugin):
    from core import hookimpl
    from core.platform.ui import NavItem

    class Broken:
        @hookimpl
        def amphi_nav_items(self, request):
            raise RuntimeError("the directory is down")

    class Fine:
        @hookimpl
        def amphi_nav_items(self, request):
            return [NavItem("Still here", "/still")]

    register_plugin(Broken(), "broken_nav")
    register_plugin(Fine(), "fine_nav")
    site.enabled_plugins = site.enabled_plugins + ["broken_nav", "fine_nav"]
    assert "Still here" in testapp.get("/").text


def test_a_site_sets_its_own_upload_limits_within_the_servers(
    admin_browser, site, app, monkeypatch, make_user, make_testapp, make_site
):
    monkeypatch.setitem(app.registry.settings, "amphi.uploads.max_size", str(2000 * 1_000_000))
    form = admin_browser.get("/admin/site").forms["uploads-form"]
    form["upload_max_size"], form["upload_user_quota"] = "3000", "-1"
    refused = form.submit(status=400)
    assert "At most 2000 MB on this server." in refused.text
    assert "0 for no quota" in refused.text and site.upload_max_size is None
    form = refused.forms["uploads-form"]
    form["upload_max_size"], form["upload_user_quota"] = "500", "800"
    page = form.submit().follow()
    assert (site.upload_max_size, site.upload_user_quota) == (500_000_000, 800_000_000)
    assert "files up to 500 MB; quota per user: 800 MB" in page.text

    make_user(site, "prof", role="staff", password="prof password 1")
    prof = make_testapp("a.test")
    prof.sign_in("prof", "prof password 1")
    token = prof.csrf_token("/")
    tus = {"Tus-Resumable": "1.0.0", "X-CSRF-Token": token}
    assert prof.options("/api/uploads/", status=204).headers["Tus-Max-Size"] == "500000000"
    assert 'data-max-size="500000000"' in prof.get("/upload").text
    refused = prof.post("/api/uploads/", headers={**tus, "Upload-Length": "500000001"}, status=413)
    assert "500 MB" in refused.text
    prof.post("/api/uploads/", headers={**tus, "Upload-Length": "500000000"}, status=201)
    assert "quota" in prof.post("/api/uploads/", headers={**tus, "Upload-Length": "400000000"}, status=413).text

    other = make_site("other")  # another site keeps the server's limits
    make_user(other, "prof", role="staff", password="prof password 1")
    elsewhere = make_testapp("other.test")
    elsewhere.sign_in("prof", "prof password 1")
    assert elsewhere.options("/api/uploads/", status=204).headers["Tus-Max-Size"] == str(2000 * 1_000_000)

    form = admin_browser.get("/admin/site").forms["uploads-form"]
    form["upload_max_size"], form["upload_user_quota"] = "", ""
    form.submit().follow()
    assert (site.upload_max_size, site.upload_user_quota) == (None, None)


def test_a_site_keeps_a_storage_and_a_sign_in_plugin(admin_browser, site):
    form = admin_browser.get("/admin/site").forms["plugins-form"]
    form["plugins"] = ["hello"]
    refused = form.submit(status=400)
    assert "at least one storage plugin" in refused.text and "at least one sign-in plugin" in refused.text
    assert 'aria-describedby="plugins-error"' in refused.text
    assert "auth_local" in site.enabled_plugins and "storage_local" in site.enabled_plugins


def test_signing_a_user_out_everywhere_ends_their_sessions(admin_browser, site, make_user, make_testapp):
    tina = make_user(site, "tina", role="staff", password="tina password 1")
    laptop, phone = make_testapp("a.test"), make_testapp("a.test")
    laptop.sign_in("tina", "tina password 1")
    phone.sign_in("tina", "tina password 1")
    assert phone.get("/api/me").json["username"] == "tina"
    token = admin_browser.csrf_token("/admin/users")
    page = admin_browser.post(f"/admin/users/{tina.id}/sessions", {"csrf_token": token}, status=302).follow()
    assert "tina was signed out everywhere." in page.text
    assert laptop.get("/api/me", status="*").json.get("username") is None
    assert phone.get("/api/me", status="*").json.get("username") is None
    phone.sign_in("tina", "tina password 1")  # signing in again works
    assert phone.get("/api/me").json["username"] == "tina"


def test_a_stored_secret_is_kept_when_its_field_is_left_empty(admin_browser, site, app):
    from core.platform.sites import set_plugin_overrides

    set_plugin_overrides(app.registry, site, "auth_ldap", {"bind_password": "s3cret service password"})
    page = admin_browser.get("/admin/site/plugins/auth_ldap")
    assert "s3cret service password" not in page.text and "A value is stored; it is not shown." in page.text
    form = page.forms["plugin-settings-form"]
    assert form["bind_password"].value == ""
    form.submit().follow()
    assert site.plugin_settings["auth_ldap"]["bind_password"] == "s3cret service password"
    form = admin_browser.get("/admin/site/plugins/auth_ldap").forms["plugin-settings-form"]
    form["bind_password"] = "a new one"
    form.submit().follow()
    assert site.plugin_settings["auth_ldap"]["bind_password"] == "a new one"


def test_plugins_are_shown_with_their_name_description_and_version(admin_browser):
    from core.platform.plugins import PluginInfo, describe_plugin

    page = admin_browser.get("/admin/site")
    row = page.html.find("input", id="plugin-auth_local").find_parent("tr")
    assert row.find("label").text == "Local accounts"
    assert "Usernames and passwords kept by Amphi" in row.text and "auth_local" in row.text
    assert row.find_all("td")[1].text.strip()  # the version
    assert "Comptes locaux" in admin_browser.get("/admin/site?_LOCALE_=fr").text
    settings = admin_browser.get("/admin/site/plugins/auth_local")
    assert settings.html.h1.text == "Settings of Local accounts"

    class Undeclared:
        """Lecture capture: recordings from the boxes of the lecture halls."""

    title, description = describe_plugin(Undeclared, PluginInfo(name="capture"))
    assert (title, description) == ("Lecture capture", "Recordings from the boxes of the lecture halls.")
    Undeclared.__doc__ = "Media on a shared disk."
    assert describe_plugin(Undeclared, PluginInfo(name="disk_store")) == ("Disk store", "Media on a shared disk.")
