"""Personal access tokens: created on the account page, sent as Bearer, scoped, revocable, per site."""

import re
from datetime import timedelta

import pytest

from core.access.tokens import create_token
from core.models import AccessToken, utcnow

TUS = {"Tus-Resumable": "1.0.0", "Upload-Length": "10"}


@pytest.fixture
def prof(testapp, site, make_user):
    user = make_user(site, "prof", role="staff", password="prof password 1")
    testapp.sign_in("prof", "prof password 1")
    return user


def new_token(testapp, name="laptop script", scope="read", days="90"):
    form = testapp.get("/account/tokens").forms["token-form"]
    form["name"], form["scope"], form["days"] = name, scope, days
    page = form.submit()
    assert page.headers["Cache-Control"] == "no-store"
    return re.search(r'id="new-token" type="text" value="(amphi_[^"]+)"', page.text).group(1)


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


def test_a_token_is_shown_once_and_only_its_hash_is_kept(testapp, prof, dbsession):
    secret = new_token(testapp)
    stored = dbsession.query(AccessToken).one()
    assert stored.token_hash != secret and secret not in (stored.prefix, stored.name)
    assert secret.startswith(stored.prefix) and len(secret) > 40
    listing = testapp.get("/account/tokens")
    assert secret not in listing.text and f"{stored.prefix}…" in listing.text


def test_a_read_token_reads_and_cannot_write(testapp, prof, make_testapp):
    secret = new_token(testapp, scope="read")
    client = make_testapp("a.test")  # no cookies at all
    assert client.get("/api/me", headers=bearer(secret)).json["username"] == "prof"
    refused = client.post("/api/uploads/", headers={**TUS, **bearer(secret)}, status=403)
    assert refused.json["message"] == "This access token may only read."


def test_a_write_token_writes_without_a_csrf_token(testapp, prof, make_testapp):
    secret = new_token(testapp, scope="write")
    client = make_testapp("a.test")
    assert client.post("/api/uploads/", headers={**TUS, **bearer(secret)}, status=201).headers["Location"]


def test_bad_tokens_are_refused_not_taken_as_anonymous(
    testapp, prof, make_testapp, make_request, site, make_site, make_user, dbsession
):
    request = make_request(site)
    revoked, revoked_secret = create_token(request, prof, "old", "write", 30)
    revoked.revoked_at = utcnow()
    expired, expired_secret = create_token(request, prof, "expired", "write", 30)
    expired.expires_at = utcnow() - timedelta(seconds=1)
    other = make_site("other")
    _elsewhere, elsewhere_secret = create_token(make_request(other), make_user(other, "prof"), "other site", "read", 0)
    disabled_user = make_user(site, "gone")
    _token, disabled_secret = create_token(request, disabled_user, "gone", "read", 0)
    disabled_user.is_active = False
    client = make_testapp("a.test")
    for secret in (revoked_secret, expired_secret, elsewhere_secret, disabled_secret, "amphi_forged", ""):
        refused = client.get("/api/me", headers=bearer(secret), status=401)
        assert refused.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
        assert refused.json["message"] == "This access token is unknown, revoked or expired."
    # A signed-in browser that sends a bad token is not taken for its session's user either.
    testapp.get("/api/me", headers=bearer("amphi_forged"), status=401)
    assert testapp.get("/api/me").json["username"] == "prof"


def test_revoking_a_token(testapp, prof, make_testapp, site, make_user, make_request, dbsession):
    secret = new_token(testapp)
    token = dbsession.query(AccessToken).one()
    someone = make_user(site, "someone", password="someone password 1")
    _theirs, _secret = create_token(make_request(site), someone, "theirs", "read", 0)
    theirs = dbsession.query(AccessToken).filter_by(name="theirs").one()
    listing = testapp.get("/account/tokens")
    assert listing.html.find("a", href="http://a.test/api/docs")  # the API documentation is one click away
    token_value = testapp.csrf_token("/account/tokens")
    testapp.get(f"/account/tokens/{theirs.id}/revoke", status=404)
    testapp.post(f"/account/tokens/{theirs.id}/revoke", {"csrf_token": token_value, "confirm": "yes"}, status=404)
    # Without the confirmation, a POST asks for it and revokes nothing.
    asked = testapp.post(f"/account/tokens/{token.id}/revoke", {"csrf_token": token_value}, status=303)
    assert asked.location == f"http://a.test/account/tokens/{token.id}/revoke" and token.revoked_at is None
    confirmation = listing.click(href=f"/account/tokens/{token.id}/revoke")
    assert "Revoke the token" in confirmation.html.h1.text
    page = confirmation.forms["revoke-confirm"].submit().follow()
    assert "The token was revoked." in page.text and "No tokens." in page.text
    testapp.get(f"/account/tokens/{token.id}/revoke", status=404)  # already revoked
    make_testapp("a.test").get("/api/me", headers=bearer(secret), status=401)
    assert theirs.revoked_at is None


def test_token_form_errors_and_the_csrf_rule_for_cookies(testapp, prof, make_testapp):
    form = testapp.get("/account/tokens").forms["token-form"]
    form["name"] = ""
    refused = form.submit(status=400)
    assert "A name of 1 to 100 characters" in refused.text
    testapp.post("/api/uploads/", headers=TUS, status=400)  # a cookie session still needs its CSRF token
    testapp.get("/account/tokens")
    anonymous = make_testapp("a.test")
    assert anonymous.get("/account/tokens", status=302).location.startswith("http://a.test/login")
