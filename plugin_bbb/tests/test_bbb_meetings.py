"""Meetings: who may do what (owner, moderator, attendee, outsider, anonymous with and without the link),
joining (create idempotently, then join with the right role and name), ending, the form, the .ics file."""

from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import icalendar
import pytest
import requests
from bbb_helpers import browser_for, csrf

from core.models import Group
from plugin_bbb.meetings import occurrences
from plugin_bbb.models import BbbMeeting


def join(browser, meeting, status=303, **form):
    page = browser.get(f"/bbb/meetings/{meeting.id}")
    return browser.post(f"/bbb/meetings/{meeting.id}/join", {"csrf_token": csrf(page), **form}, status=status)


def join_params(answer) -> dict:
    location = answer.headers["Location"]
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


@pytest.fixture
def group(dbsession, site, people):
    team = Group(site_id=site.id, name="optics-team")
    team.members = [people["colleague"]]
    dbsession.add(team)
    dbsession.flush()
    return team


def test_the_owner_starts_the_meeting_and_joins_as_moderator(make_testapp, site, people, make_meeting, fake_bbb):
    meeting = make_meeting(record=True, welcome="Welcome <all>", max_participants=40, guest_policy="ASK_MODERATOR")
    prof = browser_for(make_testapp, site, "prof")
    params = join_params(join(prof, meeting))
    assert (params["role"], params["fullName"], params["userID"]) == ("MODERATOR", "Prof <Ada>", str(people["prof"].id))
    assert params["password"] == meeting.moderator_password and "guest" not in params
    created = fake_bbb.meeting(meeting.meeting_id).params
    assert created["name"] == "Optics <live>" and created["record"] == "true" and created["welcome"] == "Welcome <all>"
    assert created["maxParticipants"] == "40" and created["guestPolicy"] == "ASK_MODERATOR"
    assert created["moderatorPW"] == meeting.moderator_password and created["attendeePW"] == meeting.attendee_password
    assert created["meta_bbb-recording-ready-url"] == f"http://a.test/bbb/recording-ready/{meeting.server_id}"
    assert created["logoutURL"] == f"http://a.test/bbb/meetings/{meeting.id}"
    assert meeting.last_started_at is not None
    landing = requests.get(
        prof.post(f"/bbb/meetings/{meeting.id}/join", {"csrf_token": csrf(prof.get("/bbb"))}).headers["Location"],
        timeout=5,
    )
    assert "Prof &lt;Ada&gt; (MODERATOR)" in landing.text


def test_create_is_called_again_on_each_join_and_stays_one_meeting(make_testapp, site, people, make_meeting, fake_bbb):
    meeting = make_meeting(attendees_mode="signed-in")
    for username in ("prof", "student", "outsider"):
        requests.get(join(browser_for(make_testapp, site, username), meeting).headers["Location"], timeout=5)
    assert len(fake_bbb.calls_of("create")) == 3 and list(fake_bbb.meetings) == [meeting.meeting_id]
    fake_meeting = fake_bbb.meeting(meeting.meeting_id)
    assert fake_meeting.create_calls == 3
    assert [(a.full_name, a.role) for a in fake_meeting.attendees] == [
        ("Prof <Ada>", "MODERATOR"),
        ("Sam Student", "VIEWER"),
        ("outsider", "VIEWER"),
    ]


def test_each_place_gets_its_role(make_testapp, dbsession, site, people, group, make_meeting):
    meeting = make_meeting()
    meeting.moderators = [people["admin"]]  # an admin is an owner anyway
    meeting.moderator_groups = [group]
    meeting.attendees = [people["student"]]
    dbsession.flush()
    roles = {}
    for username in ("prof", "admin", "colleague", "student"):
        roles[username] = join_params(join(browser_for(make_testapp, site, username), meeting))["role"]
    assert roles == {"prof": "MODERATOR", "admin": "MODERATOR", "colleague": "MODERATOR", "student": "VIEWER"}
    outsider = browser_for(make_testapp, site, "outsider")
    outsider.get(f"/bbb/meetings/{meeting.id}", status=403)
    token = outsider.csrf_token("/")
    outsider.post(f"/bbb/meetings/{meeting.id}/join", {"csrf_token": token}, status=403)


def test_a_join_never_gives_more_than_the_place(make_testapp, site, people, make_meeting, group, dbsession):
    meeting = make_meeting()
    meeting.attendee_groups = [group]
    dbsession.flush()
    colleague = browser_for(make_testapp, site, "colleague")
    params = join_params(join(colleague, meeting, role="MODERATOR", password=meeting.moderator_password))
    assert params["role"] == "VIEWER" and params["password"] == meeting.attendee_password
    assert meeting.moderator_password not in colleague.get(f"/bbb/meetings/{meeting.id}").text


def test_anonymous_people_come_in_only_with_the_link_of_a_meeting_open_to_it(
    make_testapp, site, people, make_meeting, fake_bbb
):
    listed = make_meeting()
    linked = make_meeting(attendees_mode="link", guest_policy="ASK_MODERATOR")
    visitor = browser_for(make_testapp, site)
    assert "/login" in visitor.get(f"/bbb/meetings/{linked.id}", status=302).headers["Location"]  # sign in first
    visitor.get(f"/bbb/invite/{linked.id}/not-the-token", status=404)
    visitor.get(f"/bbb/invite/{listed.id}/{listed.link_token}", status=404)  # not a "link" meeting
    visitor.get(f"/bbb/invite/{linked.id}/{linked.link_token}", status=303)
    page = visitor.get(f"/bbb/meetings/{linked.id}")
    assert "Your name, as the others will see it" in page.text and "For the owners" not in page.text
    refused = join(visitor, linked, status=400, name="   ")
    assert "Give the name the other participants will see." in refused.text
    params = join_params(join(visitor, linked, name="  <b>Guest</b>   Lee "))
    assert (params["role"], params["fullName"], params["guest"]) == ("VIEWER", "<b>Guest</b> Lee", "true")
    assert params["userID"].startswith("guest-")
    visitor.get(f"/bbb/meetings/{listed.id}", status=302)
    linked.link_token = "a-new-token"  # a new link: the old one no longer opens the door
    visitor.get(f"/bbb/meetings/{linked.id}", status=302)
    assert len(fake_bbb.calls_of("create")) == 1


def test_a_signed_in_person_with_the_link_attends(make_testapp, site, people, make_meeting):
    meeting = make_meeting(attendees_mode="link")
    outsider = browser_for(make_testapp, site, "outsider")
    outsider.get(f"/bbb/meetings/{meeting.id}", status=403)
    outsider.get(f"/bbb/invite/{meeting.id}/{meeting.link_token}")
    params = join_params(join(outsider, meeting))
    assert params["role"] == "VIEWER" and params["fullName"] == "outsider" and "guest" not in params


def test_attendees_join_only_while_the_meeting_is_open(make_testapp, site, people, make_meeting, fake_bbb):
    later = datetime.now(UTC) + timedelta(days=2)
    meeting = make_meeting(attendees_mode="signed-in", starts_at=later, ends_at=later + timedelta(hours=1))
    student = browser_for(make_testapp, site, "student")
    page = student.get(f"/bbb/meetings/{meeting.id}")
    assert "You may join from 15 minutes before the start." in page.text
    closed = join(student, meeting, status=409)
    assert "not open now" in closed.text and fake_bbb.calls_of("create") == []
    join(browser_for(make_testapp, site, "prof"), meeting)  # owners may open the room early
    meeting.always_open, meeting.starts_at, meeting.ends_at = True, None, None
    join(student, meeting)


def test_a_weekly_meeting_opens_each_week(make_testapp, site, people, make_meeting):
    now = datetime.now(UTC)
    first = now - timedelta(weeks=2, minutes=10)
    meeting = make_meeting(
        attendees_mode="signed-in",
        starts_at=first,
        ends_at=first + timedelta(hours=1),
        repeat="weekly",
        repeat_until=(now + timedelta(weeks=3)).date(),
    )
    join(browser_for(make_testapp, site, "student"), meeting)
    meeting.repeat_until = (now - timedelta(days=1)).date()
    join(browser_for(make_testapp, site, "student"), meeting, status=409)


def test_the_page_shows_who_is_in_and_the_owners_end_it(make_testapp, site, people, make_meeting, fake_bbb):
    meeting = make_meeting(attendees_mode="signed-in")
    prof = browser_for(make_testapp, site, "prof")
    requests.get(join(prof, meeting).headers["Location"], timeout=5)
    requests.get(join(browser_for(make_testapp, site, "student"), meeting).headers["Location"], timeout=5)
    student = browser_for(make_testapp, site, "student")
    page = student.get(f"/bbb/meetings/{meeting.id}")
    assert "In progress: 2 participants." in page.text and "Sam Student" in page.text
    assert "Prof &lt;Ada&gt; (moderator)" in page.text and "End the meeting" not in page.text
    token = csrf(page)
    student.post(f"/bbb/meetings/{meeting.id}/end", {"csrf_token": token}, status=403)
    page = prof.get(f"/bbb/meetings/{meeting.id}")
    answer = prof.post(f"/bbb/meetings/{meeting.id}/end", {"csrf_token": csrf(page)}).follow()
    assert "The meeting is ended." in answer.text and "The meeting is not in progress." in answer.text
    assert meeting.meeting_id not in fake_bbb.meetings and meeting.last_ended_at is not None
    answer = prof.post(f"/bbb/meetings/{meeting.id}/end", {"csrf_token": csrf(page)}).follow()
    assert "The meeting was not running." in answer.text


def test_a_server_in_trouble_is_told_not_hidden(make_testapp, app, site, people, make_meeting, fake_bbb, monkeypatch):
    meeting = make_meeting()
    prof = browser_for(make_testapp, site, "prof")
    fake_bbb.behaviour = "garbage"
    page = prof.get(f"/bbb/meetings/{meeting.id}")
    assert "Whether the meeting is in progress is unknown" in page.text
    failed = join(prof, meeting, status=502)
    assert "did not let the meeting start" in failed.text and "not as a BigBlueButton server" in failed.text
    fake_bbb.behaviour = "normal"
    meeting.server.secret = "not the secret"
    failed = join(prof, meeting, status=502)
    assert "shared secret or the checksum algorithm is wrong" in failed.text
    meeting.server.enabled = False
    join(prof, meeting, status=503)


def test_staff_create_edit_and_delete_a_meeting(make_testapp, dbsession, site, people, server, group):
    student = browser_for(make_testapp, site, "student")
    student.get("/bbb/new", status=403)
    prof = browser_for(make_testapp, site, "prof")
    page = prof.get("/bbb/new")
    form = {
        "csrf_token": csrf(page),
        "name": "Thermo <1>",
        "server": str(server.id),
        "starts_at": "2031-03-03T10:00",
        "ends_at": "2031-03-03T09:00",
        "repeat_until": "2031-06-30",
        "attendees_mode": "listed",
        "moderators": "colleague nobody",
        "attendee_groups": "optics-team",
        "max_participants": "12",
        "record": "on",
        "waiting_room": "on",
    }
    refused = prof.post("/bbb/new", form, status=400)
    assert "The end must come after the start" in refused.text and "Unknown users: nobody" in refused.text
    prof.post("/bbb/new", {**form, "ends_at": "2031-03-03T11:30", "moderators": "colleague"}, status=303)
    meeting = dbsession.query(BbbMeeting).filter_by(site_id=site.id, name="Thermo <1>").one()
    assert [u.username for u in meeting.owners] == ["prof"] and [u.username for u in meeting.moderators] == [
        "colleague"
    ]
    assert [g.name for g in meeting.attendee_groups] == ["optics-team"] and meeting.record
    assert (meeting.repeat, meeting.repeat_until, meeting.max_participants) == ("weekly", date(2031, 6, 30), 12)
    assert meeting.guest_policy == "ASK_MODERATOR" and meeting.meeting_id.startswith("amphi-")
    assert meeting.starts_at == datetime(2031, 3, 3, 9, 0, tzinfo=UTC)  # 10:00 in Paris
    assert "Thermo &lt;1&gt;" in prof.get("/bbb").text
    colleague = browser_for(make_testapp, site, "colleague")
    colleague.get(f"/bbb/meetings/{meeting.id}/edit", status=403)
    page = prof.get(f"/bbb/meetings/{meeting.id}/edit")
    prof.post(
        f"/bbb/meetings/{meeting.id}/edit",
        {
            **form,
            "csrf_token": csrf(page),
            "ends_at": "2031-03-03T11:00",
            "always_open": "on",
            "moderators": "",
            "owners": "prof",
        },
        status=303,
    )
    assert meeting.always_open and meeting.starts_at is None and meeting.moderators == []
    token = csrf(prof.get(f"/bbb/meetings/{meeting.id}"))
    colleague.post(f"/bbb/meetings/{meeting.id}/delete", {"csrf_token": csrf(colleague.get("/bbb"))}, status=403)
    prof.post(f"/bbb/meetings/{meeting.id}/delete", {"csrf_token": token}, status=303)
    dbsession.flush()
    assert dbsession.query(BbbMeeting).filter_by(id=meeting.id).count() == 0


def test_the_calendar_file(make_testapp, site, people, make_meeting):
    start = datetime(2031, 3, 3, 9, 0, tzinfo=UTC)
    meeting = make_meeting(
        attendees_mode="link",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        repeat="weekly",
        repeat_until=date(2031, 4, 28),
    )
    prof = browser_for(make_testapp, site, "prof")
    answer = prof.get(f"/bbb/meetings/{meeting.id}/meeting.ics")
    assert answer.content_type == "text/calendar"
    (event,) = icalendar.Calendar.from_ical(answer.body).walk("VEVENT")
    assert str(event["summary"]) == "Optics <live>" and event.decoded("dtstart") == start
    assert event["rrule"]["FREQ"] == ["WEEKLY"]
    # in the site's time zone, with its rules: the calendar keeps 10:00 after the clocks change on 30 March
    assert event["dtstart"].params["TZID"] == "Europe/Paris" and b"BEGIN:VTIMEZONE" in answer.body
    slots = occurrences(meeting, "Europe/Paris")
    assert len(slots) == 9 and {s.astimezone(ZoneInfo("Europe/Paris")).hour for s, _e in slots} == {10}
    assert [s.hour for s, _e in slots[3:6]] == [9, 8, 8]  # UTC: winter time, then summer time
    assert meeting.link_token in str(event["url"])  # the owners' file carries the invitation
    browser_for(make_testapp, site, "outsider").get(f"/bbb/meetings/{meeting.id}/meeting.ics", status=403)


def test_another_sites_meeting_is_not_found(make_testapp, dbsession, make_site, make_user, site, people, make_meeting):
    meeting = make_meeting()
    other = make_site("b")
    make_user(other, "prof", role="site-admin", password="bbb test password 1")
    browser = make_testapp("b.test")
    browser.sign_in("prof", "bbb test password 1")
    browser.get(f"/bbb/meetings/{meeting.id}", status=404)
