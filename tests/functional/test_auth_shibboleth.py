"""Shibboleth sign-in (plugins/auth_shibboleth): the attributes Apache mod_shib passes, trusted only from the proxy."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from core.access.identity import add_rule
from core.models import User
from core.platform.sites import set_plugin_overrides
from plugins.auth_shibboleth.headers import read_attribute, split_values

PROXY = "10.1.2.3"


@pytest.fixture
def shib(app):
    """Shibboleth on: the SP's web server is 10.1.2.0/24 (a server-only setting, in the ini)."""
    app.registry.settings["amphi.auth_shibboleth.trusted_proxies"] = "10.1.2.0/24, 2001:db8::/32"
    yield
    del app.registry.settings["amphi.auth_shibboleth.trusted_proxies"]


def mod_shib(remote_addr=PROXY, **attributes) -> dict:
    """The WSGI environ of a request forwarded by an SP with ``ShibUseHeaders On``."""
    environ = {"REMOTE_ADDR": remote_addr}
    environ.update({"HTTP_" + name.upper().replace("-", "_"): value for name, value in attributes.items()})
    return environ


PROF = dict(
    eppn="prof@univ.test",
    displayName="Ada Prof",
    mail="ada.prof@univ.test",
    eduPersonPrimaryAffiliation="faculty",
    affiliation="faculty@univ.test;member@univ.test",
    isMemberOf="cn=l3-info,ou=groups,dc=univ;cn=staff\\;old,ou=groups,dc=univ",
)


def user(dbsession, site, username):
    return dbsession.scalar(select(User).where(User.site_id == site.id, User.username == username))


def signed_in(testapp) -> bool:
    return testapp.get("/login").status_int == 302


def test_off_without_trusted_proxies(site, testapp):
    assert "Shibboleth" not in testapp.get("/login").text
    testapp.get("/auth/shibboleth/login", status=404)
    testapp.get("/auth/shibboleth/callback", extra_environ=mod_shib(**PROF), status=404)


def test_login_goes_to_the_session_initiator_with_a_safe_target(shib, site, testapp):
    assert "Federated account (Shibboleth)" in testapp.get("/login").text
    for asked, kept in (
        ("/upload", "/upload"),
        ("https://evil.example/", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
    ):
        location = testapp.get("/auth/shibboleth/login", {"next": asked}, status=302).location
        parts = urlsplit(location)
        assert parts.path == "/Shibboleth.sso/Login"
        target = parse_qs(parts.query)["target"][0]
        assert target == "http://a.test/auth/shibboleth/callback?next=" + kept.replace("/", "%2F")


def test_sign_in_from_the_proxy_with_mapping_and_rules(shib, site, make_request, testapp, dbsession):
    request = make_request(site)
    add_rule(request, "affiliation", "faculty", "role", "staff")
    add_rule(request, "groups", "cn=l3-info,*", "group", "l3-info", "L3 Informatique")
    answer = testapp.get("/auth/shibboleth/callback", {"next": "/upload"}, extra_environ=mod_shib(**PROF), status=302)
    assert answer.location == "http://a.test/upload"
    prof = user(dbsession, site, "prof@univ.test")
    assert (prof.display_name, prof.email, prof.affiliation) == ("Ada Prof", "ada.prof@univ.test", "faculty")
    assert prof.role == "staff" and [g.name for g in prof.groups] == ["l3-info"]
    assert signed_in(testapp)


def test_spoofed_headers_from_elsewhere_are_ignored(shib, site, testapp, dbsession):
    for address in ("192.0.2.10", "10.1.3.1", "not-an-address"):
        page = testapp.get("/auth/shibboleth/callback", extra_environ=mod_shib(address, **PROF), status=403)
        assert "did not come from it" in page.text
    testapp.get("/", extra_environ=mod_shib("192.0.2.10", **PROF))
    assert user(dbsession, site, "prof@univ.test") is None and not signed_in(testapp)


def test_ipv6_proxy_and_remote_user_variable(shib, site, testapp, dbsession):
    environ = mod_shib("2001:db8::5", displayName="Émilie Étudiante".encode().decode("latin-1"))
    environ["REMOTE_USER"] = "emilie@univ.test"  # set by the server (mod_wsgi / AJP), not a header
    testapp.get("/auth/shibboleth/callback", extra_environ=environ, status=302)
    assert user(dbsession, site, "emilie@univ.test").display_name == "Émilie Étudiante"


def test_no_username_means_no_session(shib, site, testapp, dbsession):
    page = testapp.get("/auth/shibboleth/callback", extra_environ=mod_shib(mail="x@univ.test"), status=401)
    assert "sent no username" in page.text
    assert dbsession.scalar(select(func.count()).select_from(User).where(User.site_id == site.id)) == 0


def test_per_site_mapping_and_creation(shib, app, site, make_site, make_user, make_testapp, dbsession):
    site_b = make_site("b")
    set_plugin_overrides(
        app.registry,
        site_b,
        "auth_shibboleth",
        {"attribute_map": "username = uid\ndisplay_name = cn", "create_users": False},
    )
    b = make_testapp("b.test")
    environ = mod_shib(uid="ada", cn="Ada on B", **PROF)
    page = b.get("/auth/shibboleth/callback", extra_environ=environ, status=403)
    assert "no account on this site" in page.text
    make_user(site_b, "ada")
    b.get("/auth/shibboleth/callback", extra_environ=environ, status=302)
    assert user(dbsession, site_b, "ada").display_name == "Ada on B"
    assert user(dbsession, site, "ada") is None and user(dbsession, site_b, "prof@univ.test") is None


def test_sign_out_offers_the_sp_logout(shib, site, testapp):
    testapp.get("/auth/shibboleth/callback", extra_environ=mod_shib(**PROF), status=302)
    answer = testapp.post("/logout", {"csrf_token": testapp.csrf_token("/")}, status=302)
    assert answer.location == "http://a.test/Shibboleth.sso/Logout?return=http%3A%2F%2Fa.test%2F"
    assert not signed_in(testapp)


def test_disabled_account_is_refused(shib, site, make_user, testapp):
    make_user(site, "prof@univ.test").is_active = False
    page = testapp.get("/auth/shibboleth/callback", extra_environ=mod_shib(**PROF), status=403)
    assert "disabled" in page.text


def test_multi_valued_attributes_follow_mod_shib():
    assert split_values("a;b\\;c; ;d") == ["a", "b;c", "d"]
    assert read_attribute({"HTTP_EPPN": "x@y", "eppn": "ignored"}, "eppn") == ["x@y"]
    assert read_attribute({"REMOTE_USER": "u"}, "REMOTE_USER") == ["u"]
    assert read_attribute({}, "mail") == []
