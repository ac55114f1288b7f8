"""A site that did not enable the recorder plugin answers 404 on every one of its endpoints."""

import base64

from pyramid.interfaces import IRoutesMapper
from recorder_helpers import AGENT_PASSWORD, PASSWORD

from plugin_recorder.auth import new_push_token

ENDPOINTS = [
    ("GET", "/services/available.json?serviceType=org.opencastproject.capture.admin"),
    ("POST", "/capture-admin/agents/box-b"),
    ("GET", "/capture-admin/agents/box-b"),
    ("GET", "/capture-admin/agents/box-b/configuration"),
    ("POST", "/capture-admin/agents/box-b/configuration"),
    ("GET", "/capture-admin/recordings/some-uid"),
    ("POST", "/capture-admin/recordings/some-uid"),
    ("GET", "/recordings/calendars?agentid=box-b"),
    ("POST", "/recorder/push"),
    ("GET", "/ingest/createMediaPackage"),  # the core's ingest: no enabled plugin authenticates there
    ("POST", "/ingest/ingest"),
    ("GET", "/admin/recorders"),
    ("GET", "/admin/recorders/new"),
    ("GET", "/admin/recorders/1"),
    ("POST", "/admin/recorders/1/token"),
    ("POST", "/admin/recorders/1/delete"),
    ("GET", "/admin/recorders/1/schedule"),
    ("GET", "/admin/recorders/1/schedule/1"),
    ("POST", "/admin/recorders/1/schedule/1/delete"),
    ("GET", "/recorder/pending"),
    ("GET", "/recorder/pending/1"),
]


def test_every_endpoint_is_not_found_where_the_plugin_is_off(app, make_site, make_user, make_recorder, make_testapp):
    site = make_site("b", plugins=["auth_local"])
    make_user(site, "badmin", role="site-admin", password=PASSWORD)
    recorder = make_recorder(site, name="box-b", type="push")
    token = new_push_token(recorder)
    mapper = app.registry.queryUtility(IRoutesMapper)
    covered = {
        route.name
        for route in mapper.get_routes()
        for _, path in ENDPOINTS
        if route.match(path.split("?")[0]) is not None
    }
    assert app.registry.plugins.infos["recorder"].routes <= covered  # every route of the plugin is tried
    browser = make_testapp("b.test")
    browser.sign_in("badmin", PASSWORD)
    auth = {
        "Authorization": "Basic " + base64.b64encode(f"box-b:{AGENT_PASSWORD}".encode()).decode(),
        "X-Recorder-Token": token,
    }
    for method, path in ENDPOINTS:
        send = browser.post if method == "POST" else browser.get
        answer = send(path, headers=auth, status="*")
        assert answer.status_int == 404, (method, path, answer.status)
    assert "/admin/recorders" not in browser.get("/").text


def test_every_endpoint_answers_where_the_plugin_is_on(make_site, make_user, make_testapp):
    make_site("c", plugins=["auth_local", "opencast_ingest", "recorder"])
    browser = make_testapp("c.test")
    assert browser.get("/services/available.json", status=401).status_int == 401
    assert browser.post("/recorder/push", status=401).status_int == 401
