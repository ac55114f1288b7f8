"""A site that did not enable the BigBlueButton plugin answers 404 on every one of its endpoints."""

from bbb_helpers import PASSWORD
from pyramid.interfaces import IRoutesMapper

from plugin_bbb.models import BbbMeeting, BbbServer

ENDPOINTS = [
    ("GET", "/admin/bbb"),
    ("GET", "/admin/bbb/new"),
    ("GET", "/admin/bbb/{server}"),
    ("POST", "/admin/bbb/{server}/test"),
    ("POST", "/admin/bbb/{server}/hooks"),
    ("POST", "/admin/bbb/{server}/delete"),
    ("GET", "/bbb"),
    ("GET", "/bbb/new"),
    ("GET", "/bbb/meetings/{meeting}"),
    ("GET", "/bbb/meetings/{meeting}/edit"),
    ("POST", "/bbb/meetings/{meeting}/delete"),
    ("POST", "/bbb/meetings/{meeting}/join"),
    ("POST", "/bbb/meetings/{meeting}/end"),
    ("GET", "/bbb/meetings/{meeting}/meeting.ics"),
    ("POST", "/bbb/meetings/{meeting}/recordings/publish"),
    ("POST", "/bbb/meetings/{meeting}/recordings/delete"),
    ("GET", "/bbb/invite/{meeting}/{link}"),
    ("GET", "/bbb/meetings/{meeting}/broadcast"),
    ("POST", "/bbb/meetings/{meeting}/broadcast/start"),
    ("POST", "/bbb/meetings/{meeting}/broadcast/stop"),
    ("POST", "/bbb/meetings/{meeting}/broadcast/chat"),
    ("POST", "/bbb/hooks/{server}/{hook}"),
    ("POST", "/bbb/recording-ready/{server}"),
]


def test_every_endpoint_is_not_found_where_the_plugin_is_off(
    app, dbsession, make_site, make_user, make_testapp, fake_bbb
):
    site = make_site("b", plugins=["auth_local"])
    make_user(site, "badmin", role="site-admin", password=PASSWORD)
    server = BbbServer(site_id=site.id, name="B", url=fake_bbb.url, secret=fake_bbb.secret)
    dbsession.add(server)
    dbsession.flush()
    meeting = BbbMeeting(
        site_id=site.id, server_id=server.id, name="B meeting", always_open=True, attendees_mode="link"
    )
    dbsession.add(meeting)
    dbsession.flush()
    values = {"server": server.id, "meeting": meeting.id, "link": meeting.link_token, "hook": server.webhook_token}
    paths = [(method, path.format(**values)) for method, path in ENDPOINTS]
    mapper = app.registry.queryUtility(IRoutesMapper)
    covered = {route.name for route in mapper.get_routes() for _, path in paths if route.match(path) is not None}
    assert app.registry.plugins.infos["bbb"].routes <= covered  # every route of the plugin is tried
    browser = make_testapp("b.test")
    browser.sign_in("badmin", PASSWORD)
    for method, path in paths:
        send = browser.post if method == "POST" else browser.get
        assert send(path, status="*").status_int == 404, (method, path)
    assert "/admin/bbb" not in browser.get("/").text and "/bbb" not in browser.get("/").text
    assert fake_bbb.calls == []
