"""Share links and video passwords, through HTTP, down to the media bytes."""

import hashlib
import re

from core.models import ShareLink, Video
from core.platform.tasks import worker_request
from tests.standin import media_urls, set_video, upload

OWNER_PASSWORD = "owner password 1"


def unlock_form(page, video_id):
    return next(f for f in page.forms.values() if f.action.endswith(f"/videos/{video_id}/unlock"))


def owner_browser(make_testapp, host):
    browser = make_testapp(host)
    browser.sign_in("owner", OWNER_PASSWORD)
    return browser


def test_a_share_link_opens_a_draft_and_its_media_until_revoked(published, make_testapp, dbsession):
    host, video_id = published
    set_video(video_id, access="draft")
    owner = owner_browser(make_testapp, host)
    edit = owner.get(f"/videos/{video_id}/edit")
    create = next(f for f in edit.forms.values() if f.action.endswith(f"/videos/{video_id}/links"))
    create["label"] = "jury <b>members</b>"
    edit = create.submit(status=200)
    assert "jury &lt;b&gt;members&lt;/b&gt;" in edit.text and edit.headers["Cache-Control"] == "no-store"
    link_url = re.search(rf'value="(http://{re.escape(host)}/videos/{video_id}/shared/[^"]+)"', edit.text).group(1)
    link = dbsession.query(ShareLink).filter_by(video_id=video_id).one()
    token = link_url.rsplit("/", 1)[1]
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()  # only a hash is kept
    assert token not in owner.get(f"/videos/{video_id}/edit").text  # and the link is shown once

    guest = make_testapp(host)
    guest.get(f"/videos/{video_id}", status=404)
    page = guest.get(link_url, status=302).follow()
    urls = media_urls(page.text)
    master = next(u for u in urls if u.endswith("master.m3u8"))
    assert guest.get(master).text.startswith("hls/master.m3u8 of job")
    assert "private" in guest.get(master).headers["Cache-Control"]
    make_testapp(host).get(master, status=403)  # the URL alone is not the link

    revoke = next(
        f for f in owner.get(f"/videos/{video_id}/edit").forms.values() if f.action.endswith(f"/links/{link.id}/delete")
    )
    revoke.submit(status=302)
    for url in urls:
        guest.get(url, status=403)
    guest.get(f"/videos/{video_id}", status=404)
    guest.get(link_url, status=404)


def test_a_share_link_of_one_video_opens_no_other(published, make_testapp, dbsession, committed_site):
    host, video_id = published
    set_video(video_id, access="draft")
    other_id = upload(*committed_site, filename="autre.mp4")
    set_video(other_id, access="draft")
    token = "k" * 32
    dbsession.add(ShareLink(video_id=video_id, token_hash=hashlib.sha256(token.encode()).hexdigest()))
    dbsession.flush()
    guest = make_testapp(host)
    guest.get(f"/videos/{other_id}/shared/{token}", status=404)
    guest.get(f"/videos/{video_id}/shared/{token}", status=302)
    guest.get(f"/videos/{other_id}", status=404)
    guest.get(f"/videos/{video_id}", status=200)


def test_the_password_unlocks_the_video_for_this_session_only(published, make_testapp):
    from core.catalogue.metadata import set_access

    host, video_id = published
    with worker_request() as request:
        set_access(request.dbsession.get(Video, video_id), "password", password="sesame 123")
    guest = make_testapp(host)
    locked = guest.get(f"/videos/{video_id}", status=403)
    assert not media_urls(locked.text) and 'name="password"' in locked.text
    form = unlock_form(locked, video_id)
    form["password"] = "wrong one"
    wrong = form.submit(status=403)
    assert 'aria-invalid="true"' in wrong.text and "not the right one" in wrong.text
    form = unlock_form(wrong, video_id)
    form["password"] = "sesame 123"
    page = form.submit(status=302).follow()
    master = next(u for u in media_urls(page.text) if u.endswith("master.m3u8"))
    assert guest.get(master).status_int == 200
    other_session = make_testapp(host)
    other_session.get(master, status=403)
    other_session.get(f"/videos/{video_id}", status=403)


def test_guessing_the_password_is_rate_limited(published, make_testapp):
    from core.catalogue.metadata import set_access

    host, video_id = published
    with worker_request() as request:
        set_access(request.dbsession.get(Video, video_id), "password", password="sesame 123")
    guest = make_testapp(host)
    page = guest.get(f"/videos/{video_id}", status=403)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    for attempt in range(10):
        guest.post(f"/videos/{video_id}/unlock", {"csrf_token": token, "password": f"guess {attempt}"}, status=403)
    guest.post(f"/videos/{video_id}/unlock", {"csrf_token": token, "password": "sesame 123"}, status=429)
    guest.get(f"/videos/{video_id}", status=403)


def test_the_embed_page_of_a_protected_video_sends_to_the_video_page(published, make_testapp):
    from core.catalogue.metadata import set_access

    host, video_id = published
    with worker_request() as request:
        set_access(request.dbsession.get(Video, video_id), "password", password="sesame 123")
    page = make_testapp(host).get(f"/videos/{video_id}/embed", status=403)
    assert not media_urls(page.text) and f"/videos/{video_id}" in page.text and 'name="password"' not in page.text


def protect(video_id, password="sesame 123"):
    from core.catalogue.metadata import set_access

    with worker_request() as request:
        set_access(request.dbsession.get(Video, video_id), "password", password=password)


def guess(browser, video_id, password, address, status, headers=None):
    """Post ``password`` to the unlock form of ``video_id`` from ``address`` (the form's token is read once)."""
    if not getattr(browser, "unlock_token", None):
        page = browser.get(f"/videos/{video_id}", extra_environ={"REMOTE_ADDR": address}, expect_errors=True)
        browser.unlock_token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return browser.post(
        f"/videos/{video_id}/unlock",
        {"csrf_token": browser.unlock_token, "password": password},
        extra_environ={"REMOTE_ADDR": address},
        status=status,
        headers=headers,
    )


def test_guesses_spread_over_many_addresses_lock_nobody_else_out(published, make_testapp, committed_site):
    from core.access.users import create_user

    host, video_id = published
    protect(video_id)
    with worker_request(committed_site[0]) as request:
        create_user(request, "member", password="member password 1")
    for n in range(10):  # the attack: 100 wrong guesses from 10 addresses
        attacker, address = make_testapp(host), f"198.51.100.{n + 1}"
        for attempt in range(10):
            guess(attacker, video_id, f"guess {n} {attempt}", address, status=403)
        guess(attacker, video_id, "sesame 123", address, status=429)  # each address is spent...
    visitor = make_testapp(host)  # ...but someone else, from a fresh address, who knows the password gets in
    guess(visitor, video_id, "sesame 123", "203.0.113.7", status=302)
    member = make_testapp(host)  # and a signed-in member is counted as themselves, even behind a spent address
    member.post(
        "/auth/local/login",
        {"username": "member", "password": "member password 1", "csrf_token": member.csrf_token()},
        extra_environ={"REMOTE_ADDR": "198.51.100.1"},
    )
    guess(member, video_id, "sesame 123", "198.51.100.1", status=302)


def test_a_signed_in_guesser_is_counted_wherever_they_are(published, make_testapp, committed_site):
    from core.access.users import create_user

    host, video_id = published
    protect(video_id)
    with worker_request(committed_site[0]) as request:
        create_user(request, "member", password="member password 1")
    member = make_testapp(host)
    member.sign_in("member", "member password 1")
    for attempt in range(10):
        guess(member, video_id, f"guess {attempt}", f"198.51.100.{attempt + 1}", status=403)
    guess(member, video_id, "sesame 123", "203.0.113.9", status=429)


def test_a_forwarded_for_header_sent_by_the_client_gives_no_fresh_count(published, make_testapp):
    """The address is the connection's (``REMOTE_ADDR``, which ``amphi serve`` takes from a trusted proxy
    only), never an ``X-Forwarded-For`` the client wrote itself."""
    host, video_id = published
    protect(video_id)
    attacker = make_testapp(host)
    for n in range(10):
        guess(
            attacker,
            video_id,
            f"guess {n}",
            "198.51.100.7",
            status=403,
            headers={"X-Forwarded-For": f"203.0.113.{n + 1}"},
        )
    guess(attacker, video_id, "sesame 123", "198.51.100.7", status=429, headers={"X-Forwarded-For": "203.0.113.99"})


def test_an_ipv6_network_counts_as_one_address(published, make_testapp):
    host, video_id = published
    protect(video_id)
    attacker = make_testapp(host)
    for n in range(10):  # ten addresses of one /64, as any IPv6 subscriber has
        guess(attacker, video_id, f"guess {n}", f"2001:db8:1:2::{n + 1:x}", status=403)
    guess(attacker, video_id, "sesame 123", "2001:db8:1:2:ffff::1", status=429)
    guess(make_testapp(host), video_id, "sesame 123", "2001:db8:1:3::1", status=302)
