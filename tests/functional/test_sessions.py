"""Signed-in sessions have a server-side record: signing out ends a session everywhere, even a copied cookie."""

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from core.models import Group, UserSession, utcnow

PASSWORD = "correct horse battery"


@pytest.fixture
def ana(site, make_user):
    return make_user(site, "ana", role="staff", password=PASSWORD)


@pytest.fixture
def group_video(site, ana, make_user, make_video, dbsession):
    """A ready video that only members of the group ``l3`` (ana among them) may watch."""
    owner = make_user(site, "prof", role="staff")
    group = Group(site_id=site.id, name="l3", title="L3", members=[ana])
    dbsession.add(group)
    video = make_video(site, owner, "Group lecture", status="ready", access="groups")
    video.allowed_groups.append(group)
    dbsession.flush()
    return video


def copy_of(make_testapp, browser):
    """Another client holding a copy of ``browser``'s session cookie (a stolen cookie)."""
    thief = make_testapp("a.test")
    thief.set_cookie("amphi_session", browser.cookies["amphi_session"])
    return thief


def sign_out(browser):
    browser.post("/logout", {"csrf_token": browser.csrf_token("/")}, status=302)


def records(dbsession, user):
    dbsession.flush()
    return dbsession.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()


def test_a_cookie_copied_before_sign_out_is_refused_after_it(testapp, make_testapp, ana, group_video, dbsession):
    testapp.sign_in("ana", PASSWORD)
    thief = copy_of(make_testapp, testapp)
    assert thief.get("/api/v1/me").json["username"] == "ana"
    thief.get(f"/videos/{group_video.id}", status=200)
    assert len(records(dbsession, ana)) == 1
    sign_out(testapp)
    assert records(dbsession, ana) == []
    assert thief.get("/api/v1/me", status=401).json["errno"]
    refused = thief.get(f"/videos/{group_video.id}", expect_errors=True)
    assert refused.status_int in (302, 403)
    assert thief.get("/api/me").json == {"authenticated": False}


def test_the_record_says_where_and_when(testapp, ana, dbsession):
    testapp.sign_in(
        "ana",
        PASSWORD,
    )
    testapp.get("/", headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"})
    (record,) = records(dbsession, ana)
    assert record.site_id == ana.site_id and record.address == "192.0.2.10" and record.method == "auth_local"
    assert record.created_at <= record.last_seen_at <= utcnow()
    assert record.key_hash and len(record.key_hash) == 64
    assert record.key_hash not in testapp.cookies["amphi_session"]  # only a hash of the cookie's key is kept


def test_ending_another_session_from_the_list(testapp, make_testapp, ana, dbsession):
    laptop = make_testapp("a.test")
    laptop.sign_in("ana", PASSWORD)
    testapp.sign_in("ana", PASSWORD)
    page = testapp.get("/account/sessions")
    assert "Where you’re signed in" in page.text and "This browser" in page.text
    laptop_record = next(r for r in records(dbsession, ana) if f"/account/sessions/{r.id}/end" in page.text)
    form = next(f for f in page.forms.values() if f.action.endswith(f"/account/sessions/{laptop_record.id}/end"))
    form.submit(status=302)
    laptop.get("/api/v1/me", status=401)
    assert testapp.get("/api/v1/me").json["username"] == "ana"
    assert [r.id for r in records(dbsession, ana)] != [laptop_record.id] and len(records(dbsession, ana)) == 1


def test_signing_out_everywhere_else_keeps_this_browser(testapp, make_testapp, ana, dbsession):
    others = [make_testapp("a.test") for _ in range(2)]
    for other in others:
        other.sign_in("ana", PASSWORD)
    testapp.sign_in("ana", PASSWORD)
    page = testapp.get("/account/sessions")
    form = next(f for f in page.forms.values() if f.action.endswith("/account/sessions/end-others"))
    form.submit(status=302)
    for other in others:
        other.get("/api/v1/me", status=401)
    assert testapp.get("/api/v1/me").json["username"] == "ana" and len(records(dbsession, ana)) == 1


def test_nobody_ends_someone_elses_session(testapp, make_testapp, ana, make_user, site, dbsession):
    make_user(site, "bob", password="bob's long password")
    bob = make_testapp("a.test")
    bob.sign_in("bob", "bob's long password")
    testapp.sign_in("ana", PASSWORD)
    bob_record = dbsession.scalar(select(UserSession).where(UserSession.user_id != ana.id))
    testapp.post(f"/account/sessions/{bob_record.id}/end", {"csrf_token": testapp.csrf_token("/")}, status=404)
    assert bob.get("/api/v1/me").json["username"] == "bob"


def test_a_site_admin_signs_a_user_out_everywhere(testapp, make_testapp, ana, make_user, site, dbsession):
    make_user(site, "root", role="site-admin", password="admin long password")
    devices = [make_testapp("a.test") for _ in range(2)]
    for device in devices:
        device.sign_in("ana", PASSWORD)
    testapp.sign_in("root", "admin long password")
    testapp.post(f"/admin/users/{ana.id}/sessions", {"csrf_token": testapp.csrf_token("/")}, status=302)
    assert records(dbsession, ana) == []
    for device in devices:
        device.get("/api/v1/me", status=401)
    assert testapp.get("/api/v1/me").json["username"] == "root"


def test_last_seen_is_written_coarsely(testapp, ana, dbsession):
    testapp.sign_in("ana", PASSWORD)
    (record,) = records(dbsession, ana)
    seen = record.last_seen_at
    testapp.get("/api/v1/me")
    dbsession.refresh(record)
    assert record.last_seen_at == seen  # not a write per request
    record.last_seen_at = seen - timedelta(minutes=30)
    dbsession.flush()
    testapp.get("/api/v1/me")
    dbsession.flush()  # the request shares this session: write what it changed before reading the row again
    dbsession.refresh(record)
    assert record.last_seen_at > seen - timedelta(minutes=1)


def test_a_session_idle_longer_than_the_maximum_age_is_over(testapp, ana, dbsession, app):
    testapp.sign_in("ana", PASSWORD)
    (record,) = records(dbsession, ana)
    max_age = int(app.registry.settings["amphi.session_max_age"])
    record.last_seen_at = utcnow() - timedelta(seconds=max_age + 60)
    dbsession.flush()
    testapp.get("/api/v1/me", status=401)


def test_expired_records_are_purged(site, ana, dbsession, app):
    from core.access.sessions import purge_expired_sessions

    max_age = int(app.registry.settings["amphi.session_max_age"])
    now = utcnow()
    fresh = UserSession(
        site_id=site.id, user_id=ana.id, key_hash="a" * 64, method="test", created_at=now, last_seen_at=now
    )
    stale = UserSession(
        site_id=site.id,
        user_id=ana.id,
        key_hash="b" * 64,
        method="test",
        created_at=now - timedelta(days=3),
        last_seen_at=now - timedelta(seconds=max_age + 3600),
    )
    dbsession.add_all([fresh, stale])
    dbsession.flush()
    assert purge_expired_sessions(dbsession, max_age) == 1
    assert [r.key_hash for r in records(dbsession, ana)] == ["a" * 64]


def test_the_check_costs_one_query_per_signed_in_request(testapp, ana, app):
    testapp.sign_in("ana", PASSWORD)
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = app.registry["db_engine"]
    event.listen(engine, "before_cursor_execute", count)
    try:
        testapp.get("/api/v1/me")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    identity = [s for s in statements if "user_sessions" in s or "FROM users" in s]
    assert len(identity) == 1, identity


def test_the_hourly_task_purges_expired_records(committed_site, app):
    from core.access.sessions import purge_sessions
    from core.platform.tasks import worker_request

    site_id, user_id = committed_site
    old = utcnow() - timedelta(seconds=int(app.registry.settings["amphi.session_max_age"]) + 3600)
    with worker_request() as request:
        request.dbsession.add_all(
            [
                UserSession(site_id=site_id, user_id=user_id, key_hash="c" * 64, created_at=old, last_seen_at=old),
                UserSession(site_id=site_id, user_id=user_id, key_hash="d" * 64),
            ]
        )
    purge_sessions.call_local()
    with worker_request() as request:
        left = request.dbsession.scalars(select(UserSession.key_hash).where(UserSession.user_id == user_id)).all()
    assert left == ["d" * 64]


def test_the_session_cookie_is_signed_with_a_key_of_its_own(make_testapp, site, app):
    import time

    from pyramid.session import JSONSerializer
    from webob.cookies import SignedSerializer

    from core.platform.keys import derived_key

    def cookie(secret: str) -> str:
        now = time.time()
        serializer = SignedSerializer(secret, "pyramid.session.", "sha512", serializer=JSONSerializer())
        return serializer.dumps((now, now, {"i18n.locale": "fr"})).decode()

    settings = app.registry.settings
    ours, forged = make_testapp("a.test"), make_testapp("a.test")
    ours.set_cookie("amphi_session", cookie(derived_key(settings, "session-cookie").hex()))
    assert '<html lang="fr"' in ours.get("/").text
    forged.set_cookie("amphi_session", cookie(settings["amphi.session_secret"]))  # the secret itself signs nothing
    assert '<html lang="en"' in forged.get("/").text


def test_the_sessions_page_speaks_french_and_counts_right(testapp, make_testapp, ana):
    for _ in range(2):
        make_testapp("a.test").sign_in("ana", PASSWORD)
    testapp.sign_in("ana", PASSWORD)
    page = testapp.get("/account/sessions", headers={"Accept-Language": "fr"})
    assert "Où vous êtes connecté" in page.text and "Se déconnecter partout ailleurs" in page.text
    form = next(f for f in page.forms.values() if f.action.endswith("/account/sessions/end-others"))
    done = form.submit(status=302).follow(headers={"Accept-Language": "fr"})
    assert "2 sessions ont été déconnectées." in done.text
    assert "1 session was signed out." in testapp.get("/account/sessions?ended=1").text


def test_signing_in_again_in_the_same_browser_replaces_its_record(testapp, ana, make_user, site, dbsession):
    make_user(site, "bob", password="bob's long password")
    testapp.sign_in("ana", PASSWORD)
    first = testapp.cookies["amphi_session"]
    testapp.post(
        "/auth/local/login",
        {"username": "bob", "password": "bob's long password", "csrf_token": testapp.csrf_token("/")},
        status=302,
    )
    assert records(dbsession, ana) == [] and testapp.get("/api/v1/me").json["username"] == "bob"
    testapp.set_cookie("amphi_session", first)
    testapp.get("/api/v1/me", status=401)
