"""xAPI: a viewer's player events become Video Profile statements that a real LRS (Ralph) stores, once."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, insert, select, update

from core import hookimpl
from core.ingest import create_video
from core.models import Channel, MediaFile, User, utcnow
from core.platform.sites import set_plugin_overrides
from core.platform.tasks import worker_request
from core.testing import free_port
from plugins.xapi import statements as vocabulary
from plugins.xapi.delivery import LrsConfig, claim_batch, deliver_site, send, settle
from plugins.xapi.models import DeliveryStatus, Outbox, Viewing
from plugins.xapi.recording import record_events

VERB = {name: iri for name, (iri, _display) in vocabulary.VERBS.items()}
EXT = vocabulary.EXT
PASSWORD = "learner password 1"


COURSE = "https://moodle.univ.example/course/view.php?id=42"


class CourseLaunch:
    """What an LTI plugin answers: the course the viewer was launched from (``amphi_xapi_context``)."""

    @hookimpl
    def amphi_xapi_context(self, request, video):
        course = {"id": COURSE, "definition": {"type": "http://adlnet.gov/expapi/activities/course"}}
        return {"parent": [course], "extensions": {"https://moodle.univ.example/xapi/resource-link": "rl-7"}}


def configure(app, site, ralph, **values):
    lrs = {"send": True, "endpoint": ralph.endpoint, "key": ralph.key, "secret": ralph.secret}
    set_plugin_overrides(app.registry, site, "xapi", {**lrs, **values})


@pytest.fixture
def lecture(site, make_user, make_video, dbsession):
    owner = make_user(site, "teacher", role="staff")
    video = playable(
        make_video(site, owner, "Thermodynamics 1", status="ready", access="public", duration=100.0, language="fr")
    )
    channel = Channel(site_id=site.id, slug="physics", title="Physics")
    video.channels.append(channel)
    dbsession.flush()
    make_user(site, "learner", password=PASSWORD)
    return video


def playable(video):
    """A video as the encoder leaves it, as far as the page's player is concerned."""
    video.files.append(MediaFile(kind="hls-master", key=f"sites/{video.site_id}/videos/{video.id}/out/hls/master.m3u8"))
    return video


def report(browser, video, session, events, played=(), token=None, status=200):
    body = {"session": session, "events": events, "played": [list(p) for p in played]}
    if token:
        body["csrf_token"] = token  # as navigator.sendBeacon sends it: no header
    return browser.post_json(f"/api/videos/{video.id}/events", body, status=status)


def drain(dbsession, site, ralph) -> list[tuple[int, str]]:
    """What the periodic task does, inside the test's transaction: claim, send, settle."""
    rows = claim_batch(dbsession, site.id, utcnow())
    settle(dbsession, site.id, send(LrsConfig(ralph.endpoint, ralph.key, ralph.secret, 10), rows), utcnow())
    return rows


def test_a_viewing_becomes_statements_that_the_lrs_stores_once(
    app, site, testapp, lecture, dbsession, ralph, register_plugin
):
    configure(app, site, ralph, actor="account")
    register_plugin(CourseLaunch(), "course_launch")
    site.enabled_plugins = [*site.enabled_plugins, "course_launch"]
    testapp.sign_in("learner", PASSWORD)
    page = testapp.get(f"/videos/{lecture.id}")
    assert f'data-events-url="http://a.test/api/videos/{lecture.id}/events"' in page.text
    token = testapp.get(f"/api/videos/{lecture.id}/position").json["csrf_token"]
    session = str(uuid.uuid4())
    ok = report(testapp, lecture, session, [{"type": "ready", "time": 0}, {"type": "play", "time": 0}], token=token)
    assert ok.json == {"wanted": True}
    report(
        testapp,
        lecture,
        session,
        [{"type": "pause", "time": 40}, {"type": "seeked", "from": 40, "time": 60}, {"type": "play", "time": 60}],
        played=[(0, 40)],
        token=token,
    )
    report(testapp, lecture, session, [{"type": "leave", "time": 100}], played=[(0, 40), (38, 100)], token=token)
    assert dbsession.scalar(select(func.count()).select_from(Outbox)) == 7

    rows = drain(dbsession, site, ralph)
    assert dbsession.scalar(select(func.count()).select_from(Outbox)) == 0
    stored = ralph.statements(registration=session)
    verbs = sorted(s["verb"]["id"] for s in stored)
    expected = ["initialized", "played", "paused", "seeked", "played", "completed", "terminated"]
    assert verbs == sorted(VERB[v] for v in expected)
    by_verb = {s["verb"]["id"]: s for s in stored}
    completed = by_verb[VERB["completed"]]
    assert completed["result"]["completion"] is True
    assert completed["result"]["extensions"][f"{EXT}progress"] == 1.0
    assert completed["result"]["extensions"][f"{EXT}played-segments"] == "0[.]100"
    paused = by_verb[VERB["paused"]]["result"]["extensions"]
    assert paused == {f"{EXT}time": 40, f"{EXT}progress": 0.4, f"{EXT}played-segments": "0[.]40"}
    seeked = by_verb[VERB["seeked"]]["result"]["extensions"]
    assert (seeked[f"{EXT}time-from"], seeked[f"{EXT}time-to"]) == (40, 60)
    initialized = by_verb[VERB["initialized"]]
    assert initialized["actor"]["account"] == {"homePage": "http://a.test/", "name": "learner"}
    assert initialized["object"]["id"] == f"http://a.test/videos/{lecture.id}"
    assert initialized["object"]["definition"]["type"] == vocabulary.ACTIVITY_TYPE
    context = initialized["context"]
    assert context["extensions"][f"{EXT}session-id"] == session
    assert context["extensions"][f"{EXT}length"] == 100
    assert context["extensions"][f"{EXT}completion-threshold"] == 0.9
    assert [a["id"] for a in context["contextActivities"]["grouping"]] == [
        "http://a.test/",
        "http://a.test/channels/physics",
    ]
    assert context["contextActivities"]["category"][0]["id"] == "https://w3id.org/xapi/video"
    assert [a["id"] for a in context["contextActivities"]["parent"]] == [COURSE]  # amphi_xapi_context
    assert context["extensions"]["https://moodle.univ.example/xapi/resource-link"] == "rl-7"
    # Ralph filters by verb as the specification says (the launcher fixes its file backend for that).
    assert [s["id"] for s in ralph.statements(verb=VERB["completed"], registration=session)] == [completed["id"]]

    # A batch sent again (a worker died between the POST and the settling): recognised, stored once.
    again = send(LrsConfig(ralph.endpoint, ralph.key, ralph.secret, 10), rows)
    assert len(again.stored) == 7 and not again.retry and not again.refused
    assert len(ralph.statements(registration=session)) == 7
    assert dbsession.get(DeliveryStatus, site.id).delivered == 7


def test_a_viewing_is_recorded_only_where_the_site_wants_it(
    app, site, make_site, make_user, make_video, make_testapp, lecture, dbsession, ralph
):
    count = lambda: dbsession.scalar(select(func.count()).select_from(Outbox))  # noqa: E731
    anonymous = make_testapp("a.test")
    events = [{"type": "ready", "time": 0}, {"type": "play", "time": 0}]
    # Off by default: the player is told to stop, nothing is kept.
    assert report(anonymous, lecture, str(uuid.uuid4()), events).json == {"wanted": False}
    configure(app, site, ralph)
    # On, but anonymous viewers are not recorded unless the site says so.
    assert report(anonymous, lecture, str(uuid.uuid4()), events).json == {"wanted": False}
    assert count() == 0
    configure(app, site, ralph, anonymous=True)
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    assert report(anonymous, lecture, first, events).json == {"wanted": True}
    report(anonymous, lecture, second, events[:1])
    actors = {json.loads(row)["actor"]["account"]["name"] for row in dbsession.scalars(select(Outbox.statement))}
    assert len(actors) == 2 and all(len(name) == 64 for name in actors)  # a pseudonym per viewing
    # A viewing belongs to its viewer: a signed-in visitor cannot add to an anonymous viewing.
    learner = make_testapp("a.test")
    learner.sign_in("learner", PASSWORD)
    token = learner.get(f"/api/videos/{lecture.id}/position").json["csrf_token"]
    before = count()
    assert report(learner, lecture, first, events, token=token).json == {"wanted": False}
    assert count() == before
    # Bad input: a clear 400, nothing kept; a wrong token is refused.
    answer = report(anonymous, lecture, "not-a-uuid", events, status=400)
    assert "session" in answer.text
    report(anonymous, lecture, str(uuid.uuid4()), [{"type": "dance", "time": 1}], status=400)
    report(learner, lecture, str(uuid.uuid4()), events, token="forged", status=400)
    assert count() == before
    # A site that did not enable the plugin: its player reports nothing, and is told to stop if it does.
    elsewhere = make_site("b", plugins=["auth_local", "storage_local"])
    video = playable(
        make_video(
            elsewhere,
            make_user(elsewhere, "owner", role="staff"),
            "Elsewhere",
            status="ready",
            access="public",
            duration=10.0,
        )
    )
    other = make_testapp("b.test")
    assert 'data-events-url=""' in other.get(f"/videos/{video.id}").text
    assert report(other, video, str(uuid.uuid4()), events).json == {"wanted": False}
    assert count() == before


def test_statements_wait_while_the_lrs_is_down_and_go_later(app, committed_site, ralph):
    site_id, user_id = committed_site
    closed = f"http://127.0.0.1:{free_port()}/xAPI/"
    session = str(uuid.uuid4())
    with worker_request(site_id) as request:
        request.user = request.dbsession.get(User, user_id)
        video = create_video(request, request.user, "Optics", status="ready", access="public", duration=30.0)
        configure(app, request.site, ralph, endpoint=closed)
        now = utcnow()
        events = [{"type": "ready", "time": 0, "at": now}, {"type": "play", "time": 0, "at": now}]
        assert record_events(request, video, session, events, [(0.0, 10.0)])
    assert deliver_site(site_id) == 0  # the LRS cannot be reached: kept, tried again later
    with worker_request(site_id) as request:
        rows = request.dbsession.scalars(select(Outbox).where(Outbox.site_id == site_id)).all()
        assert [(r.attempts, r.claim, r.failed) for r in rows] == [(1, None, False)] * 2
        assert all(r.next_attempt_at > utcnow() + timedelta(seconds=20) for r in rows)
        assert "cannot be reached" in request.dbsession.get(DeliveryStatus, site_id).last_error
        configure(app, request.site, ralph)
    assert deliver_site(site_id) == 0  # not due yet
    with worker_request(site_id) as request:
        request.dbsession.execute(update(Outbox).where(Outbox.site_id == site_id).values(next_attempt_at=utcnow()))
    assert deliver_site(site_id) == 2
    delivered = ralph.statements(registration=session)
    assert sorted(s["verb"]["id"] for s in delivered) == [VERB["initialized"], VERB["played"]]
    # The site's default identity: the same pseudonym for the person, never the username.
    assert len({s["actor"]["account"]["name"] for s in delivered}) == 1
    assert len(delivered[0]["actor"]["account"]["name"]) == 64 and "owner" not in str(delivered[0]["actor"])
    with worker_request(site_id) as request:
        assert request.dbsession.scalar(select(func.count()).select_from(Outbox).where(Outbox.site_id == site_id)) == 0
        request.dbsession.execute(delete(Viewing).where(Viewing.site_id == site_id))


def test_the_site_admin_tests_the_connection_and_reads_what_is_wrong(app, site, make_user, make_testapp, ralph):
    make_user(site, "admin", role="site-admin", password=PASSWORD)
    admin = make_testapp("a.test")
    admin.sign_in("admin", PASSWORD)

    def check(**values) -> str:
        configure(app, site, ralph, **values)
        page = admin.get("/admin/xapi")
        form = page.forms["xapi-check"]
        return form.submit().text

    assert "The LRS accepted the credentials." in check()
    assert "The LRS refused the key and secret" in check(secret="wrong")
    assert "no statements resource at this address" in check(endpoint=ralph.endpoint.replace("/xAPI/", "/nowhere/"))
    assert "The LRS cannot be reached: the connection was refused" in check(
        endpoint=f"http://127.0.0.1:{free_port()}/xAPI/"
    )
    assert "No LRS endpoint is set." in check(endpoint="")
    make_user(site, "someone", password=PASSWORD)
    someone = make_testapp("a.test")
    someone.sign_in("someone", PASSWORD)
    someone.get("/admin/xapi", status=403)


def test_concurrent_workers_never_claim_the_same_statement(committed_site):
    site_id, _user_id = committed_site
    with worker_request(site_id) as request:
        request.dbsession.execute(
            insert(Outbox),
            [{"site_id": site_id, "statement_id": str(uuid.uuid4()), "statement": "{}"} for _ in range(30)],
        )
    workers, barrier, claimed = 6, threading.Barrier(6), []

    def work():
        barrier.wait()
        with worker_request(site_id) as request:
            claimed.append(
                [row_id for row_id, _statement in claim_batch(request.dbsession, site_id, utcnow(), limit=10)]
            )

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    taken = [row_id for batch in claimed for row_id in batch]
    assert len(claimed) == workers and taken and len(taken) == len(set(taken))  # no statement sent twice at once
    with worker_request(site_id) as request:
        request.dbsession.execute(delete(Outbox).where(Outbox.site_id == site_id))
