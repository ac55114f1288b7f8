"""Live events: the state machine through nginx-rtmp's callbacks, stream keys, forged callbacks, access
to the event page and its playlist per access level and across sites, weekly series, viewer counts."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from core import hookimpl
from core.models import Group, utcnow
from plugins.live import callbacks, keys, viewers
from plugins.live.events import current_state, event_permits
from plugins.live.models import LiveAudio, LiveEvent
from plugins.live.replay import sweep

PASSWORD = "a long password 1"
LOOPBACK = {"REMOTE_ADDR": "127.0.0.1"}
pytestmark = pytest.mark.usefixtures("people")


@pytest.fixture(autouse=True)
def fresh_counts():
    """Each test's events start uncounted (ids come back after a rolled-back test on SQLite)."""
    for cache in (viewers._known, viewers._peaks, viewers._stores):
        cache.clear()


@pytest.fixture
def people(site, make_user):
    roles = {"prof": "staff", "alice": "user", "bob": "user"}
    return {name: make_user(site, name, role=role, password=PASSWORD) for name, role in roles.items()}


@pytest.fixture
def make_event(site, people, dbsession):
    def make(start_in=timedelta(minutes=5), length=timedelta(hours=1), site=site, owners=None, **fields):
        start = utcnow() + start_in
        event = LiveEvent(site_id=site.id, title="Soutenance", starts_at=start, ends_at=start + length, **fields)
        event.owners = owners if owners is not None else [people["prof"]]
        event.access = fields.get("access", "public")
        dbsession.add(event)
        dbsession.flush()
        return event

    return make


@pytest.fixture
def rtmp(testapp, app, dbsession):
    """nginx-rtmp as the app sees it: form posts from loopback with the secret."""
    secret = callbacks.callback_secret(app.registry)

    def post(call: str, status=None, secret=secret, environ=LOOPBACK, **form):
        answer = testapp.post(f"/live/rtmp/{call}?secret={secret}", form, extra_environ=environ, status=status or "*")
        dbsession.flush()  # the requests share the test's transaction, which never commits
        return answer

    return post


def key_of(app, event, audio=None):
    return keys.stream_key(app.registry.settings, event, audio)


def test_publish_admits_the_current_key_renames_and_goes_on_air(app, rtmp, make_event, dbsession):
    event = make_event()
    answer = rtmp("publish", name=key_of(app, event), addr="127.0.0.1", status=302)
    assert answer.headers["Location"] == f"e{event.id}"  # a bare name, not a URL: nginx-rtmp renames to it
    dbsession.refresh(event)
    assert event.state == "on_air" and event.on_air_at is not None
    assert [r.stream for r in event.recordings] == [f"e{event.id}"]


@pytest.mark.parametrize("name", ["", "nonsense", "1-0-1-" + "0" * 32])
def test_a_missing_or_wrong_key_is_refused(rtmp, make_event, dbsession, name):
    event = make_event()
    rtmp("publish", name=name, status=403)
    dbsession.refresh(event)
    assert event.state == "scheduled"


def test_a_rotated_key_is_refused_and_the_new_one_admitted(app, rtmp, make_event, dbsession):
    event = make_event()
    old = key_of(app, event)
    keys.rotate(event)
    dbsession.flush()
    rtmp("publish", name=old, status=403)
    rtmp("publish", name=key_of(app, event), status=302)


def test_a_key_out_of_its_window_is_refused(app, rtmp, make_event, dbsession):
    early = make_event(start_in=timedelta(hours=3))
    rtmp("publish", name=key_of(app, early), status=403)
    late = make_event(start_in=timedelta(hours=-2))
    rtmp("publish", name=key_of(app, late), status=403)
    dbsession.refresh(early)
    assert early.state == "scheduled"


def test_publish_is_accepted_within_the_early_setting(app, rtmp, make_event):
    event = make_event(start_in=timedelta(minutes=25))  # default: 30 minutes before
    rtmp("publish", name=key_of(app, event), status=302)


def test_a_second_publisher_is_refused(app, rtmp, make_event):
    event = make_event()
    rtmp("publish", name=key_of(app, event), status=302)
    rtmp("publish", name=key_of(app, event), status=403)


def test_another_events_key_does_not_open_this_one(app, rtmp, make_event, dbsession):
    one, two = make_event(), make_event()
    forged = key_of(app, one).replace(f"{one.id}-", f"{two.id}-", 1)
    rtmp("publish", name=forged, status=403)
    dbsession.refresh(two)
    assert two.state == "scheduled"


@pytest.mark.parametrize(
    "secret,environ",
    [("wrong", LOOPBACK), ("", LOOPBACK), (None, {"REMOTE_ADDR": "192.0.2.99"})],
    ids=["wrong-secret", "no-secret", "not-loopback"],
)
def test_forged_callbacks_get_403_and_change_nothing(app, rtmp, make_event, dbsession, caplog, secret, environ):
    event = make_event()
    kwargs = {"environ": environ}
    if secret is not None:
        kwargs["secret"] = secret
    for call in ("publish", "publish_done", "record_done"):
        rtmp(call, status=403, name=key_of(app, event), path="/tmp/x.flv", **kwargs)
    dbsession.refresh(event)
    assert event.state == "scheduled" and not event.recordings
    assert "untrusted callback" in caplog.text


def test_publish_done_ends_and_a_quick_return_resumes_the_same_event(app, rtmp, make_event, dbsession):
    event = make_event()
    key = key_of(app, event)
    rtmp("publish", name=key, status=302)
    rtmp("publish_done", name=key, status=200)  # nginx posts the original name
    dbsession.refresh(event)
    assert event.state == "ended" and event.ended_at is not None
    rtmp("publish", name=key, status=302)
    dbsession.refresh(event)
    assert event.state == "on_air" and len(event.recordings) == 2
    rtmp("publish_done", name=f"e{event.id}", status=200)  # the new name works too
    dbsession.refresh(event)
    assert event.state == "ended"


def test_no_resume_after_the_grace_period(app, rtmp, make_event, dbsession):
    event = make_event()
    rtmp("publish", name=key_of(app, event), status=302)
    rtmp("publish_done", name=key_of(app, event), status=200)
    dbsession.refresh(event)
    event.ended_at = utcnow() - timedelta(minutes=10)
    dbsession.flush()
    rtmp("publish", name=key_of(app, event), status=403)


def test_record_done_collects_the_parts(app, rtmp, make_event, dbsession):
    event = make_event()
    key = key_of(app, event)
    for n in range(2):
        rtmp("publish", name=key, status=302)
        rtmp("publish_done", name=key, status=200)
        rtmp("record_done", name=key, path=f"/var/rec/e{event.id}-{n}.flv", status=200)
    dbsession.refresh(event)
    assert [r.path for r in event.recordings] == [f"/var/rec/e{event.id}-0.flv", f"/var/rec/e{event.id}-1.flv"]
    assert all(r.ended_at is not None for r in event.recordings)


def test_interpreter_keys_rename_by_language_and_refuse_a_second_one(app, rtmp, make_event, dbsession):
    event = make_event()
    audio = LiveAudio(language="en", name="English")
    event.audios.append(audio)
    dbsession.flush()
    rtmp("publish", name=key_of(app, event), status=302)
    answer = rtmp("publish", name=key_of(app, event, audio), status=302)
    assert answer.headers["Location"] == f"e{event.id}_en"
    rtmp("publish", name=key_of(app, event, audio), status=403)
    rtmp("publish_done", name=key_of(app, event, audio), status=200)
    dbsession.refresh(audio)
    assert not audio.publishing
    assert [r.language for r in event.recordings] == ["", "en"]


def test_packaging_is_told_after_commit_only(app, rtmp, make_event, tm):
    event = make_event()
    rtmp("publish", name=key_of(app, event), status=302)
    hooks = [hook for hook, args, _kw in tm.get().getAfterCommitHooks()]
    assert hooks, "the packager must be started after the commit"


def test_states_from_the_clock_and_the_sweep(app, make_event, make_request, site, dbsession):
    soon, later, missed = make_event(), make_event(start_in=timedelta(days=2)), make_event(start_in=timedelta(hours=-3))
    registry = app.registry
    assert current_state(registry, soon) == "waiting"
    assert current_state(registry, later) == "scheduled"
    assert current_state(registry, missed) == "no_stream"
    counts = sweep(make_request(site))
    assert counts["no_stream"] >= 1
    dbsession.flush()
    dbsession.refresh(missed)
    assert missed.state == "no_stream"


def test_the_sweep_queues_a_replay_after_the_grace_period(app, rtmp, make_event, make_request, site, dbsession):
    event = make_event()
    rtmp("publish", name=key_of(app, event), status=302)
    rtmp("publish_done", name=key_of(app, event), status=200)
    rtmp("record_done", name=key_of(app, event), path="/nowhere.flv", status=200)
    dbsession.refresh(event)
    sweep(make_request(site))
    assert event.replay_state == ""  # still within the grace period
    event.ended_at -= timedelta(minutes=3)
    sweep(make_request(site))
    assert event.replay_state == "queued"


def test_owner_stops_a_stuck_broadcast(app, rtmp, make_testapp, make_event, dbsession):
    event = make_event()
    rtmp("publish", name=key_of(app, event), status=302)
    owner = make_testapp("a.test")
    owner.sign_in("prof", PASSWORD)
    page = f"/live/events/{event.id}"
    owner.post(f"{page}/stop", {"csrf_token": owner.csrf_token(page)}, status=303)
    dbsession.flush()
    dbsession.refresh(event)
    assert event.state == "ended"
    rtmp("publish", name=key_of(app, event), status=403)  # ended by its owners: no resume


# --- pages and access -------------------------------------------------------


def browser(make_testapp, user=None, host="a.test"):
    client = make_testapp(host)
    if user:
        client.sign_in(user, PASSWORD)
    return client


def test_the_owner_sees_and_rotates_the_key(app, make_testapp, make_event, dbsession):
    event = make_event()
    owner = browser(make_testapp, "prof")
    page = owner.get(f"/live/events/{event.id}")
    key = key_of(app, event)
    assert key in page.text and "rtmp://" in page.text
    owner.post(
        f"/live/events/{event.id}/rotate", {"csrf_token": owner.csrf_token(f"/live/events/{event.id}")}, status=303
    )
    dbsession.flush()
    dbsession.refresh(event)
    assert key_of(app, event) != key and key_of(app, event) in owner.get(f"/live/events/{event.id}").text
    viewer = browser(make_testapp, "alice")
    assert key_of(app, event) not in viewer.get(f"/live/events/{event.id}").text
    viewer.post(
        f"/live/events/{event.id}/rotate", {"csrf_token": viewer.csrf_token(f"/live/events/{event.id}")}, status=404
    )


def test_rotate_needs_a_csrf_token(make_testapp, make_event):
    event = make_event()
    owner = browser(make_testapp, "prof")
    owner.post(f"/live/events/{event.id}/rotate", {}, status=400)


def test_interpreters_are_added_from_the_panel(app, make_testapp, make_event, dbsession):
    event = make_event()
    owner = browser(make_testapp, "prof")
    page = f"/live/events/{event.id}"
    owner.post(
        f"{page}/audios", {"csrf_token": owner.csrf_token(page), "language": "en", "name": "English"}, status=303
    )
    owner.post(
        f"{page}/audios", {"csrf_token": owner.csrf_token(page), "language": "not a code", "name": "X"}, status=303
    )
    dbsession.flush()
    dbsession.refresh(event)
    assert [(a.language, a.name) for a in event.audios] == [("en", "English")]
    assert key_of(app, event, event.audios[0]) in owner.get(page).text


def playlist_shown(page) -> bool:
    return "/live/hls/" in page.text


@pytest.mark.parametrize(
    "access,who,visible",
    [
        ("public", None, True),
        ("signed-in", None, False),
        ("signed-in", "alice", True),
        ("groups", "alice", True),
        ("groups", "bob", False),
        ("draft", "alice", False),
        ("draft", "prof", True),
        ("password", "alice", False),
    ],
)
def test_event_page_and_playlist_follow_the_access_level(
    app, rtmp, make_testapp, make_event, people, site, dbsession, access, who, visible
):
    group = Group(site_id=site.id, name="m1-bio")
    group.members.append(people["alice"])
    dbsession.add(group)
    event = make_event(access=access)
    event.allowed_groups = [group]
    dbsession.flush()
    rtmp("publish", name=key_of(app, event), status=302)
    client = browser(make_testapp, who)
    page = client.get(f"/live/events/{event.id}", status="*")
    assert (page.status_int == 200 and playlist_shown(page)) is visible
    if access == "password":
        assert page.status_int == 200 and "event-password" in page.text


def test_password_unlocks_the_event(app, rtmp, make_testapp, make_event, dbsession):
    from core.plugin_api import hash_password

    event = make_event(access="password", password_hash=hash_password("sésame"))
    rtmp("publish", name=key_of(app, event), status=302)
    client = browser(make_testapp)
    url = f"/live/events/{event.id}"
    token = client.csrf_token(url)
    client.post(f"{url}/unlock", {"csrf_token": token, "password": "wrong"}, status=403)
    client.post(f"{url}/unlock", {"csrf_token": token, "password": "sésame"}, status=303)
    assert playlist_shown(client.get(url))


def test_another_sites_event_is_not_found(app, rtmp, make_site, make_testapp, make_event, make_user):
    other = make_site("b")
    make_user(other, "carol", role="staff", password=PASSWORD)
    event = make_event()
    rtmp("publish", name=key_of(app, event), status=302)
    client = browser(make_testapp, host="b.test")
    client.get(f"/live/events/{event.id}", status=404)
    client.get(f"/live/events/{event.id}/status", status=404)
    assert f"/live/events/{event.id}" not in client.get("/live").text


def test_event_permits_never_crosses_sites(make_site, make_event, make_request, make_user):
    other = make_site("b")
    event = make_event(access="public")
    admin_b = make_user(other, "root", role="site-admin", password=PASSWORD)
    assert not event_permits(make_request(other, admin_b), event, "view")


def test_pages_per_state(app, rtmp, make_testapp, make_event, dbsession):
    client = browser(make_testapp)
    waiting = make_event()
    assert "data-countdown" in client.get(f"/live/events/{waiting.id}").text
    rtmp("publish", name=key_of(app, waiting), status=302)
    assert "data-live-player" in client.get(f"/live/events/{waiting.id}").text
    rtmp("publish_done", name=key_of(app, waiting), status=200)
    assert "The replay is being prepared" in client.get(f"/live/events/{waiting.id}").text
    missed = make_event(start_in=timedelta(hours=-3))
    assert "No stream came" in client.get(f"/live/events/{missed.id}").text
    french = client.get(f"/live/events/{missed.id}", headers={"Accept-Language": "fr"})
    assert "sans diffusion" in french.text


def test_listing_groups_events(app, rtmp, make_testapp, make_event):
    on_air, upcoming, past = (
        make_event(),
        make_event(start_in=timedelta(days=1)),
        make_event(start_in=timedelta(days=-1)),
    )
    on_air.title, upcoming.title, past.title = "Direct", "Demain", "Hier"
    rtmp("publish", name=key_of(app, on_air), status=302)
    page = browser(make_testapp).get("/live")
    sections = {s.find("h2").text: s.text for s in page.html.select("section")}
    assert "Direct" in sections["On air now"] and "Demain" in sections["Upcoming"] and "Hier" in sections["Past events"]


def test_the_home_page_shows_what_is_on_air_to_who_may_watch_it(app, rtmp, make_testapp, make_event, site, dbsession):
    anonymous = browser(make_testapp)
    assert 'id="block-live-on_air-title"' not in anonymous.get("/").text  # nothing on air: no block
    public, signed_in, draft = make_event(), make_event(access="signed-in"), make_event(access="draft")
    public.title, signed_in.title, draft.title = "Conférence <b>ouverte</b>", "Cours du M1", "Répétition"
    for event in (public, signed_in, draft):
        rtmp("publish", name=key_of(app, event), status=302)
    home = anonymous.get("/")
    (block,) = home.html.select('section[aria-labelledby="block-live-on_air-title"]')
    assert block.find("h2").text == "Live now" and block.select_one(f'a[href$="/live/events/{public.id}"]')
    assert "Conférence <b>ouverte</b>" in block.text and "Cours du M1" not in block.text  # escaped; access kept
    assert "Répétition" not in home.text
    assert "Cours du M1" in browser(make_testapp, "alice").get("/").text
    french = anonymous.get("/", headers={"Accept-Language": "fr"}).html
    assert french.select_one("#block-live-on_air-title").text == "En direct maintenant"
    site.home_blocks = ["recent"]  # the admins chose the blocks: theirs only
    dbsession.flush()
    assert 'id="block-live-on_air-title"' not in anonymous.get("/").text


def test_creating_a_weekly_series(make_testapp, dbsession, site):
    owner = browser(make_testapp, "prof")
    form = {
        "csrf_token": owner.csrf_token("/live/new"),
        "title": "Biologie cellulaire",
        "starts_at": "2027-02-01T10:00",
        "ends_at": "2027-02-01T12:00",
        "until": "2027-03-01",
        "access": "signed-in",
        "dvr": "on",
    }
    owner.post("/live/new", form, status=303)
    events = list(
        dbsession.scalars(
            select(LiveEvent).where(LiveEvent.title == "Biologie cellulaire").order_by(LiveEvent.starts_at)
        )
    )
    assert len(events) == 5 and len({e.series_id for e in events}) == 1
    assert [(b.starts_at - a.starts_at).days for a, b in zip(events, events[1:], strict=False)] == [7, 7, 7, 7]
    assert all(e.ends_at - e.starts_at == timedelta(hours=2) for e in events)
    assert events[0].starts_at.hour == 9  # 10:00 in Paris, in winter
    assert len({key for key in (keys.stream_key({"amphi.session_secret": "x"}, e) for e in events)}) == 5


def series_of(dbsession, title):
    return list(dbsession.scalars(select(LiveEvent).where(LiveEvent.title == title).order_by(LiveEvent.starts_at)))


def paris(moment) -> str:
    return moment.astimezone(ZoneInfo("Europe/Paris")).strftime("%a %H:%M")


def test_a_series_keeps_its_time_of_day_when_the_clocks_change(make_testapp, dbsession):
    owner = browser(make_testapp, "prof")
    form = {
        "csrf_token": owner.csrf_token("/live/new"),
        "title": "Amphi du lundi",
        "starts_at": "2027-10-18T08:15",
        "ends_at": "2027-10-18T10:15",
        "until": "2027-11-08",
        "access": "public",
    }
    owner.post("/live/new", form, status=303)
    weeks = series_of(dbsession, "Amphi du lundi")
    assert [paris(e.starts_at) for e in weeks] == ["Mon 08:15"] * 4  # summer time ends on 31 October
    assert [e.starts_at.hour for e in weeks] == [6, 6, 7, 7] and all(
        e.ends_at - e.starts_at == timedelta(hours=2) for e in weeks
    )


def test_an_edit_applies_to_the_following_weeks_when_asked(app, rtmp, make_testapp, dbsession, people):
    owner = browser(make_testapp, "prof")
    start = (utcnow() + timedelta(days=1)).astimezone(ZoneInfo("Europe/Paris")).replace(hour=10, minute=0)
    form = {
        "csrf_token": owner.csrf_token("/live/new"),
        "title": "Génétique",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": start.replace(hour=12).strftime("%Y-%m-%dT%H:%M"),
        "until": (start + timedelta(weeks=3)).date().isoformat(),
        "access": "public",
    }
    owner.post("/live/new", form, status=303)
    first, second, third, fourth = series_of(dbsession, "Génétique")
    fourth.state = "ended"  # one already broadcast (moved on purpose): it keeps what it was
    keys_before = [key_of(app, e) for e in (first, second, third)]
    dbsession.flush()

    page = owner.get(f"/live/events/{second.id}/edit")
    assert "Also apply to the following week of the series" in page.text  # the third; the fourth has aired
    fields = edit_fields(owner, f"/live/events/{second.id}/edit")
    fields.update(title="Génétique (amphi B)", starts_at=fields["starts_at"][:11] + "14:00")
    fields.update(ends_at=fields["ends_at"][:11] + "15:30", access="signed-in", owners="prof alice", following="on")
    answer = owner.post(f"/live/events/{second.id}/edit", fields, status=303).follow()
    assert "Saved, and on the following week." in answer.text
    dbsession.flush()
    assert first.title == "Génétique" and paris(first.starts_at)[-5:] == "10:00" and first.access == "public"
    for week in (second, third):
        assert (week.title, paris(week.starts_at)[-5:], week.access) == ("Génétique (amphi B)", "14:00", "signed-in")
        assert week.ends_at - week.starts_at == timedelta(minutes=90)
        assert {u.username for u in week.owners} == {"prof", "alice"}
    assert (third.starts_at - second.starts_at).days == 7
    assert fourth.title == "Génétique"
    assert [key_of(app, e) for e in (first, second, third)] == keys_before  # the encoders' keys stay

    fields = edit_fields(owner, f"/live/events/{first.id}/edit")  # not asked: this week only
    fields["title"] = "Génétique — introduction"
    owner.post(f"/live/events/{first.id}/edit", fields, status=303)
    dbsession.flush()  # the requests share the test's session
    assert first.title == "Génétique — introduction" and second.title == "Génétique (amphi B)"


def test_the_form_says_what_is_wrong(make_testapp):
    owner = browser(make_testapp, "prof")
    form = {
        "csrf_token": owner.csrf_token("/live/new"),
        "title": "",
        "starts_at": "soon",
        "ends_at": "",
        "access": "groups",
    }
    page = owner.post("/live/new", form, status=400)
    assert page.html.select("[aria-invalid=true]") and "Give the event a title." in page.text


def test_a_series_is_bounded(make_testapp):
    owner = browser(make_testapp, "prof")
    form = {
        "csrf_token": owner.csrf_token("/live/new"),
        "title": "Forever",
        "starts_at": "2027-02-01T10:00",
        "ends_at": "2027-02-01T11:00",
        "until": "2035-01-01",
        "access": "public",
    }
    assert owner.post("/live/new", form, status=400).html.select("#event-until-error")


def test_students_cannot_schedule(make_testapp):
    browser(make_testapp, "alice").get("/live/new", status=403)


# --- viewers ------------------------------------------------------------------


def test_beacons_count_viewers_and_raise_the_peak(app, rtmp, make_testapp, make_event, dbsession, monkeypatch):
    event = make_event()
    rtmp("publish", name=key_of(app, event), status=302)
    client = browser(make_testapp)
    # the page gives the player its pass: only a viewer who may watch is counted
    player = client.get(f"/live/events/{event.id}").html.select_one("[data-live-player]")
    pass_ = player["data-beacon-pass"]
    clock = [1_000_000.0]
    monkeypatch.setattr(viewers, "now", lambda: clock[0])
    for n in range(3):
        client.post(f"/live/events/{event.id}/beacon", {"viewer": f"viewer-{n:04d}", "pass": pass_}, status=204)
    client.post(f"/live/events/{event.id}/beacon", {"viewer": "viewer-0000", "pass": pass_}, status=204)
    for forged in ("", "1.abc", f"{pass_[:-1]}0" if not pass_.endswith("0") else f"{pass_[:-1]}1"):
        client.post(f"/live/events/{event.id}/beacon", {"viewer": "viewer-9999", "pass": forged}, status=403)
    other = make_event()  # another event's pass does not count here
    client.post(f"/live/events/{other.id}/beacon", {"viewer": "viewer-9999", "pass": pass_}, status=403)
    store = viewers.store("")
    assert store.count(event.id, clock[0]) == 3
    dbsession.refresh(event)
    assert event.peak_viewers == 1  # written at once, then at most every 10 s
    clock[0] += 11
    client.post(f"/live/events/{event.id}/beacon", {"viewer": "viewer-0001", "pass": pass_}, status=204)
    dbsession.refresh(event)
    assert event.peak_viewers == 3
    clock[0] += 60  # nobody for a minute
    assert store.count(event.id, clock[0]) == 0
    client.post(f"/live/events/{event.id}/beacon", {"viewer": "bad id!", "pass": pass_}, status=400)
    owner = browser(make_testapp, "prof")
    assert owner.get(f"/live/events/{event.id}/status").json == {
        "state": "on_air",
        "playable": False,
        "viewers": 0,
        "peak": 3,
    }


def test_beacons_for_an_event_not_on_air_are_refused(app, make_testapp, make_event):
    event = make_event()
    pass_ = viewers.beacon_pass(app.registry.settings, event)
    browser(make_testapp).post(f"/live/events/{event.id}/beacon", {"viewer": "viewer-0001", "pass": pass_}, status=404)


def test_the_redis_store_counts_the_same():
    import redis

    store = viewers.RedisStore("redis://127.0.0.1:6379/15")
    event_id = 10**9 + 7
    redis.Redis.from_url("redis://127.0.0.1:6379/15").delete(f"amphi:live:viewers:{event_id}")
    assert store.seen(event_id, "a" * 8, 100.0) == 1
    assert store.seen(event_id, "b" * 8, 110.0) == 2
    assert store.seen(event_id, "a" * 8, 150.0) == 2
    assert store.count(event_id, 160.0) == 1  # b last seen at 110, gone after 45 s


# --- chat rooms -----------------------------------------------------------------


def test_chat_room_access_follows_the_event(app, make_event, make_request, site, people, make_site):
    from plugins.live.events import chat_access

    event = make_event(access="signed-in", chat_anonymous_read=False)
    room = f"event-{event.id}"
    anonymous = chat_access(make_request(site), room)
    assert anonymous["read"] is False and anonymous["write"] is False
    alice = chat_access(make_request(site, people["alice"]), room)
    assert alice["read"] and alice["write"] and not alice["moderate"] and alice["open"]
    owner = chat_access(make_request(site, people["prof"]), room)
    assert owner["moderate"] and owner["url"].endswith(f"/live/events/{event.id}")
    assert chat_access(make_request(site), "video-3") is None
    assert chat_access(make_request(make_site("b")), room) is None  # another site's event
    ended = make_event(start_in=timedelta(hours=-3), access="public")
    after = chat_access(make_request(site, people["alice"]), f"event-{ended.id}")
    assert after["read"] and not after["write"] and not after["open"]


# --- hooks of the plugin ---------------------------------------------------------


class Beside:
    """A plugin beside the player (what the chat plugin does)."""

    def __init__(self):
        self.replays = []

    @hookimpl
    def amphi_live_aside(self, request, event):
        from markupsafe import Markup, escape

        return [Markup("<section class='aside-test'>{}</section>").format(escape(event["room"]))]

    @hookimpl
    def amphi_live_replay(self, request, event, video_id):
        self.replays.append((event["id"], video_id))


def test_asides_render_beside_the_player(app, rtmp, make_event, make_testapp, register_plugin, site, dbsession):
    register_plugin(Beside(), "beside")
    site.enabled_plugins = [*site.enabled_plugins, "beside"]
    dbsession.flush()
    event = make_event()
    rtmp("publish", name=key_of(app, event), status=302)
    page = browser(make_testapp).get(f"/live/events/{event.id}")
    assert page.html.select_one(".live-aside .aside-test").text == f"event-{event.id}"


def test_a_site_without_live_gets_no_page_and_its_keys_are_refused(app, make_site, make_user, dbsession, testapp):
    other = make_site("c", plugins=["auth_local"])
    owner = make_user(other, "dora", role="staff", password=PASSWORD)
    start = utcnow()
    event = LiveEvent(site_id=other.id, title="Off", starts_at=start, ends_at=start + timedelta(hours=1))
    event.owners = [owner]
    dbsession.add(event)
    dbsession.flush()
    secret = callbacks.callback_secret(app.registry)
    testapp.post(  # the callback comes to a site enabling live; the event's own site does not
        f"/live/rtmp/publish?secret={secret}", {"name": key_of(app, event)}, extra_environ=LOOPBACK, status=403
    )


def edit_fields(client, url: str) -> dict:
    page = client.get(url)
    fields = {f.attrs["name"]: f.attrs.get("value", "") for f in page.html.select("form.live-form input[name]")}
    fields.update(access="public", dvr="on")
    fields.pop("password", None)
    return fields


def test_editing_keeps_the_owners_named_and_needs_one(make_testapp, make_event, people, dbsession):
    event = make_event(owners=[people["prof"], people["alice"]])
    url = f"/live/events/{event.id}/edit"
    prof = browser(make_testapp, "prof")
    prof.post(url, {**edit_fields(prof, url), "title": "Soutenance (salle B)", "owners": "alice"}, status=303)
    dbsession.flush()
    dbsession.refresh(event)
    assert event.title == "Soutenance (salle B)" and [u.username for u in event.owners] == ["alice"]
    alice = browser(make_testapp, "alice")
    page = alice.post(url, {**edit_fields(alice, url), "owners": ""}, status=400)
    assert page.html.select_one("#event-owners-error") is not None


def test_my_events_lists_only_mine(make_testapp, make_event, people):
    mine, theirs = make_event(), make_event(owners=[people["bob"]])
    mine.title, theirs.title = "Le mien", "Le sien"
    page = browser(make_testapp, "prof").get("/live/mine")
    assert "Le mien" in page.text and "Le sien" not in page.text
    browser(make_testapp).get("/live/mine", status=(302, 303, 401, 403))


def test_an_interpreters_key_rotates_alone(app, rtmp, make_testapp, make_event, dbsession):
    event = make_event()
    event.audios.append(LiveAudio(language="es", name="Español"))
    dbsession.flush()
    audio = event.audios[0]
    old_audio, main = key_of(app, event, audio), key_of(app, event)
    owner = browser(make_testapp, "prof")
    page = f"/live/events/{event.id}"
    owner.post(f"{page}/rotate", {"csrf_token": owner.csrf_token(page), "audio": str(audio.id)}, status=303)
    dbsession.flush()
    dbsession.refresh(audio)
    rtmp("publish", name=main, status=302)  # the main key is unchanged
    rtmp("publish", name=old_audio, status=403)
    rtmp("publish", name=key_of(app, event, audio), status=302)
