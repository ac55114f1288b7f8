"""The Opencast capture-agent endpoints through WebTest: digest auth, state, configuration, calendar."""

import base64
from datetime import timedelta

import icalendar
import pytest
from recorder_helpers import AGENT_PASSWORD, AgentClient, digest_challenge, digest_header

from core.models import utcnow
from plugin_recorder.models import RecorderEvent


@pytest.fixture
def agent(site, make_recorder, testapp):
    recorder = make_recorder(site)
    return recorder, AgentClient(testapp, recorder.username, AGENT_PASSWORD)


def test_service_discovery_answers_as_opencast_does(agent):
    recorder, client = agent
    answer = client.call("GET", "/services/available.json?serviceType=org.opencastproject.capture.admin").json
    service = answer["services"]["service"]
    assert service["host"] == "http://a.test" and service["path"] == "/capture-admin"
    assert service["online"] and service["active"]
    every = client.call("GET", "/services/available.json").json["services"]["service"]
    assert {s["path"] for s in every} == {"/capture-admin", "/recordings", "/ingest"}


def test_wrong_or_missing_credentials_get_a_digest_challenge(agent, testapp):
    recorder, _ = agent
    first = testapp.get("/services/available.json", status=401)
    assert digest_challenge(first).startswith('Digest realm="Amphi"')
    assert any(v.startswith("Basic") for k, v in first.headerlist if k == "WWW-Authenticate")
    wrong = digest_header(digest_challenge(first), "GET", "/services/available.json", recorder.username, "nope")
    testapp.get("/services/available.json", headers={"Authorization": wrong}, status=401)
    # An answer computed for another URL is refused too.
    other = digest_header(digest_challenge(first), "GET", "/elsewhere", recorder.username, AGENT_PASSWORD)
    testapp.get("/services/available.json", headers={"Authorization": other}, status=401)
    basic = base64.b64encode(f"{recorder.username}:{AGENT_PASSWORD}".encode()).decode()
    assert testapp.get("/services/available.json", headers={"Authorization": f"Basic {basic}"}).status_int == 200


def test_agent_state_and_configuration(agent, dbsession):
    recorder, client = agent
    answer = client.call(
        "POST", f"/capture-admin/agents/{recorder.name}", {"address": "http://box:8080", "state": "idle"}
    )
    assert answer.text == f"{recorder.name} set to idle"
    assert recorder.agent_state == "idle" and recorder.agent_address == "http://box:8080"
    state = client.call("GET", f"/capture-admin/agents/{recorder.name}").json["agent-state-update"]
    assert state["state"] == "idle" and state["name"] == recorder.name
    client.call("POST", f"/capture-admin/agents/{recorder.name}", {"state": "dancing"}, status=400)
    client.call("POST", "/capture-admin/agents/somebody-else", {"state": "idle"}, status=403)
    bomb = '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaa">]><properties><entry key="x">&a;</entry></properties>'
    client.call("POST", f"/capture-admin/agents/{recorder.name}/configuration", {"configuration": bomb}, status=400)
    xml = (
        '<?xml version="1.0"?><!DOCTYPE properties SYSTEM "http://java.sun.com/dtd/properties.dtd">'
        '<properties><entry key="capture.device.names">presenter</entry></properties>'
    )
    client.call("POST", f"/capture-admin/agents/{recorder.name}/configuration", {"configuration": xml})
    assert client.call("GET", f"/capture-admin/agents/{recorder.name}/configuration").json == {
        "capture.device.names": "presenter"
    }


def test_the_calendar_lists_the_agents_upcoming_events_with_their_attachments(agent, dbsession, site, people):
    recorder, client = agent
    now = utcnow().replace(microsecond=0)
    for title, start in (
        ("Past", now - timedelta(hours=2)),
        ("Thermo <1>", now + timedelta(hours=1)),
        ("Far away", now + timedelta(days=30)),
    ):
        dbsession.add(
            RecorderEvent(
                recorder_id=recorder.id,
                uid=f"uid-{title[:4]}",
                title=title,
                room="A1",
                start=start,
                end=start + timedelta(hours=1),
                owner_id=people["prof"].id,
            )
        )
    dbsession.flush()
    cutoff = int((now + timedelta(days=14)).timestamp() * 1000)
    answer = client.call("GET", f"/recordings/calendars?agentid={recorder.name}&cutoff={cutoff}")
    assert answer.content_type == "text/calendar" and "\r\n" in answer.text
    events = icalendar.Calendar.from_ical(answer.body).walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["Thermo <1>"]
    attachments = {a.params["X-APPLE-FILENAME"]: base64.b64decode(a.to_ical()).decode() for a in events[0]["attach"]}
    assert (
        "org.opencastproject.workflow.definition=amphi-recorder"
        in attachments["org.opencastproject.capture.agent.properties"]
    )
    assert "<dcterms:title>Thermo &lt;1&gt;</dcterms:title>" in attachments["episode.xml"]
    client.call("GET", "/recordings/calendars?agentid=another", status=403)


def test_recording_states_are_kept(agent, dbsession):
    recorder, client = agent
    start = utcnow()
    event = RecorderEvent(recorder_id=recorder.id, uid="rec-1", title="T", start=start, end=start + timedelta(hours=1))
    dbsession.add(event)
    dbsession.flush()
    client.call("POST", "/capture-admin/recordings/rec-1", {"state": "capturing"})
    assert event.state == "capturing"
    assert client.call("GET", "/capture-admin/recordings/rec-1").json["recording"]["state"] == "capturing"
    client.call("POST", "/capture-admin/recordings/unknown", {"state": "capturing"}, status=404)


def test_another_sites_recorder_is_nobody_here(site, make_site, make_recorder, make_testapp):
    other = make_site("b")
    recorder = make_recorder(other, name="box-b")
    client = AgentClient(make_testapp("a.test"), recorder.username, AGENT_PASSWORD)
    first = client.testapp.get("/services/available.json", status=401)
    header = digest_header(
        digest_challenge(first), "GET", "/services/available.json", recorder.username, AGENT_PASSWORD
    )
    client.testapp.get("/services/available.json", headers={"Authorization": header}, status=401)


def test_a_captured_digest_request_cannot_be_replayed(agent, testapp, monkeypatch):
    recorder, _ = agent
    uri = "/services/available.json"
    challenge = digest_challenge(testapp.get(uri, status=401))
    header = digest_header(challenge, "GET", uri, recorder.username, AGENT_PASSWORD)
    testapp.get(uri, headers={"Authorization": header}, status=200)
    replayed = testapp.get(uri, headers={"Authorization": header}, status=401)
    assert "stale" not in digest_challenge(replayed)  # a fresh challenge, not an expired one
    second = digest_header(challenge, "GET", uri, recorder.username, AGENT_PASSWORD, count=2)
    testapp.get(uri, headers={"Authorization": second}, status=200)  # the same nonce, a higher count
    # Five minutes later the nonce is stale: the agent is told so, and retries without asking for a password.
    monkeypatch.setattr("plugins.opencast_ingest.httpauth.time.time", lambda: utcnow().timestamp() + 301)
    third = digest_header(challenge, "GET", uri, recorder.username, AGENT_PASSWORD, count=3)
    assert digest_challenge(testapp.get(uri, headers={"Authorization": third}, status=401)).endswith("stale=true")
