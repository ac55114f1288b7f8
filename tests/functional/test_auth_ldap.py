"""auth_ldap against a real slapd: look-up after any sign-in, the LDAP password form, outages, sites."""

import socket
import time

import pytest

from core.access.identity import add_rule
from core.models import User
from core.platform.sites import set_enabled_plugins, set_plugin_overrides
from plugins.auth_ldap.models import DirectoryStatus
from tests.ldap_directory import ADMIN_DN, ADMIN_PASSWORD, BASE, L2_INFO, PASSWORDS, slapd, slapd_tls  # noqa: F401

LOCAL_PASSWORD = "local password 1"


def configure(app, site, uri, **extra):
    settings = {
        "server_uris": uri,
        "bind_dn": ADMIN_DN,
        "bind_password": ADMIN_PASSWORD,
        "user_base": f"ou=people,{BASE}",
        "connect_timeout": "2",
        "operation_timeout": "2",
        **extra,
    }
    set_plugin_overrides(app.registry, site, "auth_ldap", settings)


@pytest.fixture
def rules(site, make_request):
    request = make_request(site)
    add_rule(request, "affiliation", "faculty", "role", "staff")
    add_rule(request, "affiliation", "staff", "role", "staff")
    add_rule(request, "groups", "cn=l3-info,*", "group", "l3-info", "L3 Informatique")


def ldap_sign_in(testapp, username, password, status=302):
    token = testapp.csrf_token()
    return testapp.post(
        "/auth/ldap/login", {"username": username, "password": password, "csrf_token": token}, status=status
    )


def status_of(dbsession, site):
    dbsession.expire_all()
    return dbsession.get(DirectoryStatus, site.id)


def test_lookup_after_a_local_sign_in_fills_the_profile_and_the_rules_apply(
    app, site, slapd, rules, make_user, make_testapp, dbsession
):
    configure(app, site, slapd.uri)
    prof = make_user(site, "prof", password=LOCAL_PASSWORD)
    lea = make_user(site, "lea", password=LOCAL_PASSWORD)
    make_testapp("a.test").sign_in("prof", LOCAL_PASSWORD)
    make_testapp("a.test").sign_in("lea", LOCAL_PASSWORD)
    assert (prof.display_name, prof.email, prof.affiliation, prof.role) == (
        "Ada Lovelace",
        "ada@univ.test",
        "faculty",
        "staff",
    )
    assert (lea.display_name, lea.affiliation, lea.role) == ("Léa Martin", "student", "user")
    assert {(g.name, g.title) for g in lea.groups} == {("l3-info", "L3 Informatique")}
    assert status_of(dbsession, site).last_success_at is not None


def test_group_search_for_directories_without_memberof(app, site, slapd, make_user, make_testapp, make_request):
    configure(app, site, slapd.uri, group_base=f"ou=groups,{BASE}")
    add_rule(make_request(site), "groups", L2_INFO, "group", "l2-info", "L2 Informatique")
    bob = make_user(site, "bob", password=LOCAL_PASSWORD)
    make_testapp("a.test").sign_in("bob", LOCAL_PASSWORD)
    assert [g.title for g in bob.groups] == ["L2 Informatique"]


def test_the_password_form_signs_in_and_creates_the_user_when_allowed(app, site, slapd, rules, make_testapp, dbsession):
    configure(app, site, slapd.uri, password_form="true", create_users="true")
    browser = make_testapp("a.test")
    assert 'action="http://a.test/auth/ldap/login"' in browser.get("/login").text
    ldap_sign_in(browser, "prof", PASSWORDS["prof"])
    prof = dbsession.query(User).filter_by(site_id=site.id, username="prof").one()
    assert (prof.display_name, prof.role) == ("Ada Lovelace", "staff")
    assert browser.get("/upload", status=200)  # staff may upload


def test_the_password_form_refuses_wrong_empty_and_injected_credentials(app, site, slapd, make_testapp, dbsession):
    configure(app, site, slapd.uri, password_form="true", create_users="true", max_failures="50")
    browser = make_testapp("a.test")
    assert "Wrong username or password" in ldap_sign_in(browser, "prof", "not the password", status=401).text
    ldap_sign_in(browser, "prof", "", status=401)  # an anonymous bind would "succeed"
    for username in ("*)(uid=*", "*", "prof)(|(uid=*"):
        ldap_sign_in(browser, username, PASSWORDS["prof"], status=401)
    ldap_sign_in(browser, "nobody", "whatever", status=401)
    assert dbsession.query(User).filter_by(site_id=site.id).count() == 0
    assert browser.get("/my/videos", status=(302, 403))  # still signed out


def test_the_password_form_needs_an_account_unless_creation_is_allowed(app, site, slapd, make_testapp, dbsession):
    configure(app, site, slapd.uri, password_form="true", create_users="false")
    page = ldap_sign_in(make_testapp("a.test"), "bob", PASSWORDS["bob"], status=403)
    assert "no account on this site" in page.text
    assert dbsession.query(User).filter_by(site_id=site.id).count() == 0


def test_failures_are_rate_limited(app, site, slapd, make_user, make_testapp):
    configure(app, site, slapd.uri, password_form="true", max_failures="2")
    make_user(site, "lea")
    browser = make_testapp("a.test")
    ldap_sign_in(browser, "lea", "wrong 1", status=401)
    ldap_sign_in(browser, "lea", "wrong 2", status=401)
    ldap_sign_in(browser, "lea", PASSWORDS["lea"], status=429)


def test_guesses_from_elsewhere_do_not_lock_the_owner_out_of_her_browser(app, site, slapd, make_user, make_testapp):
    configure(app, site, slapd.uri, password_form="true", max_failures="2")
    make_user(site, "lea")
    browser = make_testapp("a.test")
    ldap_sign_in(browser, "lea", PASSWORDS["lea"])  # her browser, remembered
    browser.post("/logout", {"csrf_token": browser.csrf_token("/")})
    for n in range(3):
        attacker = make_testapp("a.test")
        attacker.post(
            "/auth/ldap/login",
            {"username": "lea", "password": f"wrong {n}", "csrf_token": attacker.csrf_token()},
            extra_environ={"REMOTE_ADDR": f"198.51.100.{n + 1}"},
            status=401 if n < 2 else 429,
        )
    ldap_sign_in(make_testapp("a.test"), "lea", PASSWORDS["lea"], status=429)
    ldap_sign_in(browser, "lea", PASSWORDS["lea"])


def test_directory_down_sign_in_goes_on_and_the_admin_sees_it(app, site, slapd, make_user, make_testapp, dbsession):
    configure(app, site, slapd.uri, password_form="true")
    prof = make_user(site, "prof", password=LOCAL_PASSWORD, display_name="Known Name")
    make_user(site, "admin", role="site-admin", password=LOCAL_PASSWORD)
    slapd.stop()
    user_browser = make_testapp("a.test")
    user_browser.sign_in("prof", LOCAL_PASSWORD)  # 302: signed in with what is known
    assert (prof.display_name, prof.last_login is not None) == ("Known Name", True)
    status = status_of(dbsession, site)
    assert "cannot connect" in status.last_error and status.last_error_at is not None
    page = ldap_sign_in(make_testapp("a.test"), "prof", PASSWORDS["prof"], status=503)
    assert "directory cannot be reached" in page.text
    admin = make_testapp("a.test")
    admin.sign_in("admin", LOCAL_PASSWORD)
    assert "Directory status" in admin.get("/").text
    page = admin.get("/admin/ldap")
    assert "cannot connect to " + slapd.uri in page.text
    slapd.start()
    page = admin.post("/admin/ldap", {"csrf_token": admin.csrf_token("/admin/ldap")})
    assert "The directory answered." in page.text
    user_browser.get("/admin/ldap", status=403)  # site admins only
    assert "Directory status" not in user_browser.get("/").text


def test_a_directory_that_does_not_answer_times_out(app, site, make_user, make_testapp, dbsession):
    with socket.socket() as silent:  # accepts connections (backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        configure(app, site, f"ldap://127.0.0.1:{silent.getsockname()[1]}", operation_timeout="1")
        prof = make_user(site, "prof", password=LOCAL_PASSWORD)
        started = time.monotonic()
        make_testapp("a.test").sign_in("prof", LOCAL_PASSWORD)
        assert time.monotonic() - started < 8
    assert prof.last_login is not None
    assert status_of(dbsession, site).last_error


def test_a_dropped_connection_is_replaced(app, site, slapd, make_user, make_testapp):
    configure(app, site, slapd.uri)
    prof = make_user(site, "prof", password=LOCAL_PASSWORD)
    make_testapp("a.test").sign_in("prof", LOCAL_PASSWORD)
    slapd.stop()
    slapd.start()  # the pooled connection is now dead
    prof.display_name = "Changed"
    make_testapp("a.test").sign_in("prof", LOCAL_PASSWORD)
    assert prof.display_name == "Ada Lovelace"


def test_settings_are_per_site_and_a_disabled_plugin_does_nothing(
    app, site, slapd, make_site, make_user, make_testapp, dbsession
):
    configure(app, site, slapd.uri, password_form="true", create_users="true")
    b = make_site("b")  # plugin enabled, nothing set: idle
    c = make_site("c")
    set_enabled_plugins(app.registry, c, [p for p in c.enabled_plugins if p != "auth_ldap"])
    on_b, on_c = make_user(b, "prof", password=LOCAL_PASSWORD), make_user(c, "prof", password=LOCAL_PASSWORD)
    make_testapp("b.test").sign_in("prof", LOCAL_PASSWORD)
    make_testapp("c.test").sign_in("prof", LOCAL_PASSWORD)
    assert (on_b.display_name, on_c.display_name) == ("", "")
    assert "ldap-username" not in make_testapp("b.test").get("/login").text
    ldap_sign_in(make_testapp("b.test"), "prof", PASSWORDS["prof"], status=404)
    make_testapp("c.test").post("/auth/ldap/login", {"username": "prof", "password": PASSWORDS["prof"]}, status=404)
    assert status_of(dbsession, b) is None and status_of(dbsession, c) is None


def test_start_tls_with_a_trusted_certificate_and_refused_without(
    app, site, slapd_tls, make_user, make_testapp, dbsession, monkeypatch
):
    configure(app, site, slapd_tls.uri, start_tls="true")
    prof = make_user(site, "prof", password=LOCAL_PASSWORD)
    make_testapp("a.test").sign_in("prof", LOCAL_PASSWORD)  # the system's CAs do not know this certificate
    assert prof.display_name == ""
    assert "StartTLS with " + slapd_tls.uri + " failed" in status_of(dbsession, site).last_error
    monkeypatch.setitem(app.registry.settings, "amphi.auth_ldap.ca_file", str(slapd_tls.ca_file))  # server-only
    make_testapp("a.test").sign_in("prof", LOCAL_PASSWORD)
    assert prof.display_name == "Ada Lovelace"


def test_the_directory_spelling_of_the_username_is_used_when_mapped(app, site, slapd, make_user, make_testapp):
    from plugins.auth_ldap.directory import DEFAULT_MAPPING

    configure(app, site, slapd.uri, password_form="true", attribute_mapping=DEFAULT_MAPPING + "\nusername = uid")
    prof = make_user(site, "prof")
    ldap_sign_in(make_testapp("a.test"), "PROF", PASSWORDS["prof"])  # uid matching ignores case
    assert (prof.last_login is not None, prof.display_name) == (True, "Ada Lovelace")


def test_a_bad_mapping_is_shown_to_the_admin_and_sign_in_goes_on(app, site, slapd, make_user, make_testapp, dbsession):
    configure(app, site, slapd.uri, attribute_mapping="display_name = displayName\nemail mail")
    prof = make_user(site, "prof", password=LOCAL_PASSWORD)
    make_testapp("a.test").sign_in("prof", LOCAL_PASSWORD)
    assert prof.last_login is not None
    assert "attribute mapping, line 2" in status_of(dbsession, site).last_error


def test_a_wrong_service_password_is_reported_as_such(app, site, slapd, make_user, make_testapp, dbsession):
    configure(app, site, slapd.uri, bind_password="not the service password")
    make_user(site, "prof", password=LOCAL_PASSWORD)
    make_testapp("a.test").sign_in("prof", LOCAL_PASSWORD)
    assert "refused the service account" in status_of(dbsession, site).last_error
