"""Site administration of the servers: add, edit (the secret write-only), test the connection in words,
register the webhook, delete."""

import pytest
from bbb_helpers import browser_for, csrf

from plugin_bbb.models import BbbServer, BbbWebhook


@pytest.fixture
def admin(make_testapp, site, people):
    return browser_for(make_testapp, site, "admin")


def server_form(page, **fields):
    values = {
        "csrf_token": csrf(page),
        "name": "Campus BBB",
        "url": "https://bbb.example.edu/bigbluebutton/",
        "secret": "a shared secret",
        "checksum_algorithm": "sha256",
        "kind": "bbb",
        "streaming_mode": "capture",
        "gateway_url": "",
        "gateway_token": "",
        "enabled": "on",
    }
    values.update(fields)
    return values


def test_a_site_admin_adds_a_server_whose_secret_is_never_shown(admin, dbsession, site):
    page = admin.get("/admin/bbb/new")
    refused = admin.post("/admin/bbb/new", server_form(page, url="bbb.example.edu", secret=""), status=400)
    assert "An address such as https://" in refused.text and "Give the shared secret" in refused.text
    refused = admin.post("/admin/bbb/new", server_form(page, streaming_mode="gateway"), status=400)
    assert "gateway&#39;s address" in refused.text or "gateway's address" in refused.text
    admin.post("/admin/bbb/new", server_form(page, gateway_token="gw-token-1"), status=302)
    server = dbsession.query(BbbServer).filter_by(site_id=site.id, name="Campus BBB").one()
    assert (server.url, server.secret, server.checksum_algorithm, server.enabled) == (
        "https://bbb.example.edu/bigbluebutton/",
        "a shared secret",
        "sha256",
        True,
    )
    page = admin.get(f"/admin/bbb/{server.id}")
    assert (
        "a shared secret" not in page.text and "gw-token-1" not in page.text and server.webhook_token not in page.text
    )
    admin.post(f"/admin/bbb/{server.id}", server_form(page, secret="", checksum_algorithm="sha512"), status=302)
    assert server.secret == "a shared secret" and server.checksum_algorithm == "sha512"
    assert server.gateway_token == "gw-token-1"
    refused = admin.post("/admin/bbb/new", server_form(page), status=400)
    assert "Another server of this site has this name." in refused.text
    assert "Campus BBB" in admin.get("/admin/bbb").text


def test_only_site_admins_manage_servers(make_testapp, site, people, server):
    prof = browser_for(make_testapp, site, "prof")
    assert prof.get("/admin/bbb", status="*").status_int in (403, 404)
    assert prof.get(f"/admin/bbb/{server.id}", status="*").status_int in (403, 404)
    token = prof.csrf_token("/")
    assert prof.post(f"/admin/bbb/{server.id}/test", {"csrf_token": token}, status="*").status_int in (403, 404)


def test_another_sites_server_is_not_found(admin, dbsession, make_site, fake_bbb):
    other = make_site("b")
    theirs = BbbServer(site_id=other.id, name="Theirs", url=fake_bbb.url, secret="x")
    dbsession.add(theirs)
    dbsession.flush()
    admin.get(f"/admin/bbb/{theirs.id}", status=404)


def test_test_connection_says_it_works(admin, server, fake_bbb):
    page = admin.get(f"/admin/bbb/{server.id}")
    answer = admin.post(f"/admin/bbb/{server.id}/test", {"csrf_token": csrf(page)})
    assert "Connected: the server answers with 0 meetings running." in answer.text
    assert [c.call for c in fake_bbb.calls] == ["getMeetings"] and fake_bbb.calls[0].checksum_ok


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"secret": "not-the-real-secret-0042"}, "the shared secret or the checksum algorithm is wrong"),
        ({"checksum_algorithm": "sha1"}, "the shared secret or the checksum algorithm is wrong"),
        ({"behaviour": "garbage"}, "not as a BigBlueButton server"),
        ({"behaviour": "timeout"}, "did not answer in time"),
        ({"url": "http://127.0.0.1:9/bigbluebutton/"}, "could not be reached"),
    ],
)
def test_test_connection_says_what_went_wrong(admin, app, server, fake_bbb, monkeypatch, change, words):
    if "behaviour" in change:
        fake_bbb.behaviour, fake_bbb.delay = change["behaviour"], 2.5
        monkeypatch.setitem(app.registry.settings, "amphi.bbb.timeout_seconds", "1")
    else:
        for name, value in change.items():
            setattr(server, name, value)
    page = admin.get(f"/admin/bbb/{server.id}")
    answer = admin.post(f"/admin/bbb/{server.id}/test", {"csrf_token": csrf(page)})
    assert words in answer.text
    assert server.secret not in answer.text


def test_the_webhook_is_registered_from_the_page(admin, app, dbsession, server, fake_bbb, monkeypatch):
    page = admin.get(f"/admin/bbb/{server.id}")
    answer = admin.post(f"/admin/bbb/{server.id}/hooks", {"csrf_token": csrf(page)})
    assert "Webhook registered (hook 1)." in answer.text
    (hook,) = fake_bbb.hooks.values()
    assert hook.callback_url == f"https://a.test/bbb/hooks/{server.id}/{server.webhook_token}"
    row = dbsession.query(BbbWebhook).filter_by(server_id=server.id).one()
    assert (row.hook_id, row.callback_url) == ("1", hook.callback_url)
    answer = admin.post(f"/admin/bbb/{server.id}/hooks", {"csrf_token": csrf(page)})
    assert "already registered (hook 1)" in answer.text and len(fake_bbb.hooks) == 1
    monkeypatch.setitem(app.registry.settings, "amphi.bbb.site_url", "https://video.example.edu/")
    answer = admin.post(f"/admin/bbb/{server.id}/hooks", {"csrf_token": csrf(page)})
    assert "Webhook registered (hook 2)." in answer.text  # the site moved: the old hook is removed
    assert [h.callback_url for h in fake_bbb.hooks.values()] == [
        f"https://video.example.edu/bbb/hooks/{server.id}/{server.webhook_token}"
    ]
    assert row.callback_url == fake_bbb.hooks["2"].callback_url


def test_a_server_with_meetings_is_not_deleted(admin, dbsession, site, server, make_meeting):
    meeting = make_meeting()
    page = admin.get(f"/admin/bbb/{server.id}")
    answer = admin.post(f"/admin/bbb/{server.id}/delete", {"csrf_token": csrf(page)}).follow()
    assert "still has meetings" in answer.text and dbsession.get(BbbServer, server.id) is not None
    dbsession.delete(meeting)
    dbsession.flush()
    answer = admin.post(f"/admin/bbb/{server.id}/delete", {"csrf_token": csrf(page)}).follow()
    assert "Server Fake BBB deleted." in answer.text and dbsession.get(BbbServer, server.id) is None
