"""CAS sign-in (plugins/auth_cas) against a real CAS server on loopback (django-cas-server)."""

from __future__ import annotations

import os
import threading
from urllib.parse import parse_qs, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
import requests
from sqlalchemy import func, select

from core.access.identity import add_rule
from core.models import User
from core.platform.sites import set_plugin_overrides
from core.testing import free_port
from plugins.auth_cas.models import CasTicket
from tests.casserver.fixture import browser_login, cas_server


@pytest.fixture(scope="module")
def cas(tmp_path_factory):
    """``(base_url, logout_recorder)`` of a running django-cas-server."""
    with cas_server(tmp_path_factory.mktemp("cas")) as running:
        yield running


@pytest.fixture
def cas_site(app, site, cas, dbsession):
    """Site A with CAS on, pointed at the test server."""
    configure(app, site, server_url=cas[0])
    return site


def configure(app, site, **overrides):
    set_plugin_overrides(app.registry, site, "auth_cas", overrides)


def users_named(dbsession, username: str) -> int:
    return dbsession.scalar(select(func.count()).select_from(User).where(User.username == username))


def signed_in(testapp) -> bool:
    """The sign-in page sends a signed-in visitor on."""
    return testapp.get("/login").status_int == 302


def start(testapp, next_url: str = "/") -> str:
    """Our login route: returns the CAS login URL it redirects to."""
    return testapp.get("/auth/cas/login", {"next": next_url}, status=302).location


def cas_sign_in(testapp, username="prof", password="prof-secret-1", next_url="/", status=302):
    back = urlsplit(browser_login(start(testapp, next_url), username, password))
    return testapp.get(back.path, parse_qs(back.query), status=status), parse_qs(back.query)


def test_sign_in_creates_the_user_with_attributes_and_rules(cas_site, make_request, testapp, dbsession):
    request = make_request(cas_site)
    add_rule(request, "affiliation", "faculty", "role", "staff")
    add_rule(request, "groups", "cn=l3-info,*", "group", "l3-info", "L3 Informatique")
    login = start(testapp, "/upload")
    assert login.startswith(cas_site.plugin_settings["auth_cas"]["server_url"] + "/login?service=")
    assert parse_qs(urlsplit(login).query)["service"] == ["http://a.test/auth/cas/callback?next=%2Fupload"]
    page, _query = cas_sign_in(testapp, next_url="/upload")
    assert page.location == "http://a.test/upload"
    prof = dbsession.scalar(select(User).where(User.site_id == cas_site.id, User.username == "prof"))
    assert (prof.display_name, prof.email, prof.affiliation) == ("Ada Prof", "ada.prof@univ.test", "faculty")
    assert prof.role == "staff" and [g.name for g in prof.groups] == ["l3-info"]
    assert signed_in(testapp)
    assert dbsession.get(CasTicket, (cas_site.id, _query["ticket"][0])).user_id == prof.id


def test_sign_in_page_lists_cas_with_the_next_page(cas_site, testapp):
    page = testapp.get("/login", {"next": "/upload"})
    link = page.html.find("a", string=lambda text: text and "Institutional account (CAS)" in text)
    assert link["href"] == "http://a.test/auth/cas/login?next=/upload"


def test_protocol_2_validates_on_service_validate(app, cas_site, testapp, dbsession):
    configure(app, cas_site, server_url=cas_site.plugin_settings["auth_cas"]["server_url"], version="2")
    cas_sign_in(testapp, "student", "student-secret-1")
    student = dbsession.scalar(select(User).where(User.site_id == cas_site.id, User.username == "student"))
    assert student.email == "sam@univ.test" and student.role == "user"


def test_replayed_ticket_is_refused_and_creates_nothing(cas_site, make_testapp, testapp, dbsession):
    page, query = cas_sign_in(testapp)
    other = make_testapp("a.test")
    replay = other.get("/auth/cas/callback", {"next": "/", "ticket": query["ticket"][0]}, status=401)
    assert "already used" in replay.text
    assert not signed_in(other)
    assert users_named(dbsession, "prof") == 1


def test_ticket_for_another_service_is_refused(cas_site, testapp, dbsession):
    back = urlsplit(browser_login(start(testapp, "/a"), "prof", "prof-secret-1"))
    ticket = parse_qs(back.query)["ticket"][0]
    page = testapp.get("/auth/cas/callback", {"next": "/b", "ticket": ticket}, status=401)
    assert "another service" in page.text
    assert users_named(dbsession, "prof") == 0 and not signed_in(testapp)


def test_forged_ticket_is_refused(cas_site, testapp, dbsession):
    page = testapp.get("/auth/cas/callback", {"next": "/", "ticket": "ST-forged-0123456789"}, status=401)
    assert "not valid" in page.text and page.html.find(role="alert")
    assert dbsession.scalar(select(func.count()).select_from(User).where(User.site_id == cas_site.id)) == 0


def test_wrong_password_never_comes_back(cas_site, testapp):
    with pytest.raises(AssertionError, match="did not accept"):
        browser_login(start(testapp), "prof", "wrong")


def test_no_account_created_when_creation_is_off(app, cas_site, make_user, testapp, dbsession):
    configure(app, cas_site, server_url=cas_site.plugin_settings["auth_cas"]["server_url"], create_users=False)
    page, _query = cas_sign_in(testapp, status=403)
    assert "no account on this site" in page.text
    assert users_named(dbsession, "prof") == 0
    make_user(cas_site, "prof")
    cas_sign_in(testapp)
    assert signed_in(testapp)


def test_a_user_of_one_site_is_nobody_on_another(app, cas_site, make_site, make_testapp, cas, dbsession):
    site_b = make_site("b")
    b = make_testapp("b.test")
    assert "Institutional account (CAS)" not in b.get("/login").text
    b.get("/auth/cas/login", status=404)
    configure(app, site_b, server_url=cas[0], create_users=False)
    cas_sign_in(make_testapp("a.test"))
    page, _query = cas_sign_in(b, status=403)  # prof exists on A only
    assert users_named(dbsession, "prof") == 1 and not signed_in(b)


def test_open_redirects_are_refused(cas_site, testapp):
    login = start(testapp, "https://evil.example/")
    assert parse_qs(urlsplit(login).query)["service"] == ["http://a.test/auth/cas/callback?next=%2F"]
    back = urlsplit(browser_login(start(testapp, "//evil.example/x"), "prof", "prof-secret-1"))
    assert testapp.get(back.path, parse_qs(back.query)).location == "http://a.test/"


def test_sign_out_offers_the_cas_logout(cas_site, testapp):
    cas_sign_in(testapp)
    answer = testapp.post("/logout", {"csrf_token": testapp.csrf_token("/")}, status=302)
    assert (
        answer.location == cas_site.plugin_settings["auth_cas"]["server_url"] + "/logout?service=http%3A%2F%2Fa.test%2F"
    )
    assert not signed_in(testapp)


def test_single_logout_from_the_cas_server_ends_the_sessions(cas_site, cas, testapp, dbsession):
    base, recorder = cas
    browser = requests.Session()
    back = urlsplit(browser_login(start(testapp), "prof", "prof-secret-1", browser))
    testapp.get(back.path, parse_qs(back.query), status=302)
    assert signed_in(testapp)
    while not recorder.requests.empty():
        recorder.requests.get_nowait()
    browser.get(base + "/logout", timeout=10)  # the user signs out of CAS elsewhere
    logout_request = recorder.requests.get(timeout=10)
    assert parse_qs(back.query)["ticket"][0] in logout_request
    testapp.post("/auth/cas/callback", {"logoutRequest": logout_request}, status=200)
    assert not signed_in(testapp)
    assert dbsession.get(CasTicket, (cas_site.id, parse_qs(back.query)["ticket"][0])) is None


def test_logout_requests_only_from_the_cas_server_address(app, cas_site, testapp, monkeypatch):
    app.registry.settings["amphi.auth_cas.logout_request_addresses"] = "198.51.100.0/24"
    try:
        _page, query = cas_sign_in(testapp)
        forged = (
            '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="x" Version="2.0">'
            f"<samlp:SessionIndex>{query['ticket'][0]}</samlp:SessionIndex></samlp:LogoutRequest>"
        )
        testapp.post("/auth/cas/callback", {"logoutRequest": forged}, status=403)  # from 192.0.2.10
        assert signed_in(testapp)
        testapp.post(
            "/auth/cas/callback",
            {"logoutRequest": "<not xml"},
            status=400,
            extra_environ={"REMOTE_ADDR": "198.51.100.7"},
        )
        testapp.post("/auth/cas/callback", {"logoutRequest": forged}, extra_environ={"REMOTE_ADDR": "198.51.100.7"})
        assert not signed_in(testapp)
    finally:
        del app.registry.settings["amphi.auth_cas.logout_request_addresses"]


def test_gateway_comes_back_anonymous_without_error(app, cas_site, testapp):
    configure(app, cas_site, server_url=cas_site.plugin_settings["auth_cas"]["server_url"], gateway=True)
    login = start(testapp, "/x") + ""
    assert "gateway" not in login  # only asked for
    login = testapp.get("/auth/cas/login", {"next": "/x", "gateway": "1"}, status=302).location
    assert parse_qs(urlsplit(login).query)["gateway"] == ["true"]
    back = requests.get(login, allow_redirects=False, timeout=10).headers["Location"]  # no CAS session
    assert "ticket=" not in back
    parts = urlsplit(back)
    assert testapp.get(parts.path, parse_qs(parts.query), status=302).location == "http://a.test/x"
    assert not signed_in(testapp)


def test_renew_is_asked_for(app, cas_site, testapp):
    configure(app, cas_site, server_url=cas_site.plugin_settings["auth_cas"]["server_url"], renew=True)
    assert parse_qs(urlsplit(start(testapp)).query)["renew"] == ["true"]
    cas_sign_in(testapp)
    assert signed_in(testapp)


# --- a server that is down or talks nonsense ----------------------------------


@pytest.fixture
def bad_server():
    """A loopback server whose every answer is ``bad_server.body`` (settable)."""

    class Handler(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    state = {"body": b""}

    def wsgi(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/xml")])
        return [state["body"]]

    server = make_server("127.0.0.1", 0, wsgi, handler_class=Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/cas", state
    server.shutdown()


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    b'<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess>'
    b"<cas:user>&lol2;</cas:user></cas:authenticationSuccess></cas:serviceResponse>"
)


@pytest.mark.parametrize(
    "body, status, message",
    [
        (b"<html>Maintenance</html>", 502, "cannot be read"),
        (BILLION_LAUGHS, 502, "cannot be read"),
        (
            b'<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationFailure code="INTERNAL_ERROR">'
            b"database down</cas:authenticationFailure></cas:serviceResponse>",
            401,
            "refused the sign-in (INTERNAL_ERROR)",
        ),
    ],
)
def test_error_answers_are_refused_clearly(app, site, testapp, bad_server, dbsession, body, status, message):
    url, state = bad_server
    state["body"] = body
    configure(app, site, server_url=url)
    page = testapp.get("/auth/cas/callback", {"next": "/", "ticket": "ST-1"}, status=status)
    assert message in page.text
    assert dbsession.scalar(select(func.count()).select_from(User).where(User.site_id == site.id)) == 0


def test_a_down_server_is_refused_clearly(app, site, testapp, dbsession):
    configure(app, site, server_url=f"http://127.0.0.1:{free_port()}/cas")
    page = testapp.get("/auth/cas/callback", {"next": "/", "ticket": "ST-1"}, status=502)
    assert "cannot be reached" in page.text
    assert dbsession.scalar(select(func.count()).select_from(User).where(User.site_id == site.id)) == 0


def test_no_ticket_is_an_error_unless_gateway(app, cas_site, testapp):
    assert "sent no ticket" in testapp.get("/auth/cas/callback", {"next": "/"}, status=400).text


# --- a real campus server, when one is given -----------------------------------


@pytest.mark.skipif(
    not os.environ.get("AMPHI_TEST_CAS_URL"),
    reason="set AMPHI_TEST_CAS_URL, AMPHI_TEST_CAS_USER and AMPHI_TEST_CAS_PASSWORD",
)
def test_live_cas_server(app, make_site, make_testapp, dbsession):
    host = os.environ.get("AMPHI_TEST_CAS_HOST", "a.test")  # a service the campus server knows
    live = make_site("live", domains=[host])
    configure(
        app, live, server_url=os.environ["AMPHI_TEST_CAS_URL"], version=os.environ.get("AMPHI_TEST_CAS_VERSION", "3")
    )
    browser, username = make_testapp(host), os.environ["AMPHI_TEST_CAS_USER"]
    cas_sign_in(browser, username, os.environ["AMPHI_TEST_CAS_PASSWORD"])
    assert signed_in(browser)
    assert dbsession.scalar(select(User).where(User.site_id == live.id, User.username == username)) is not None
