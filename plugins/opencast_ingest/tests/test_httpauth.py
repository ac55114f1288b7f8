"""HTTP Basic and Digest checks for machine clients (plugins.opencast_ingest.httpauth), against what a client computes.

Accepting a Digest answer records its nonce count, so those checks get a database session.
"""

import base64
import hashlib
from datetime import timedelta

import pytest
from pyramid.registry import Registry
from pyramid.request import Request

from core.models import utcnow
from core.platform.keys import derived_key
from plugins.opencast_ingest.httpauth import (
    basic_credentials,
    digest_challenge,
    digest_ha1,
    digest_params,
    digest_valid,
    make_nonce,
    nonce_state,
    purge_nonces,
    request_challenge,
)
from plugins.opencast_ingest.models import DigestNonce

SITE_SECRET, REALM = "site secret", "Amphi"
SECRET = derived_key({"amphi.session_secret": SITE_SECRET}, "digest-nonce").hex()  # httpauth.nonce_secret's


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


@pytest.fixture
def db(dbsession, monkeypatch):
    """Blank requests get ``dbsession`` as the app's requests do."""
    monkeypatch.setattr(Request, "dbsession", dbsession, raising=False)
    return dbsession


def digest_request(
    password: str, nonce: str, path: str = "/ingest/addTrack", method: str = "POST", nc: int = 1
) -> Request:
    """What curl sends with --digest (qop=auth)."""
    ha1, ha2 = md5(f"agent:{REALM}:{password}"), md5(f"{method}:{path}")
    response = md5(f"{ha1}:{nonce}:{nc:08x}:0a4f113b:auth:{ha2}")
    header = (
        f'Digest username="agent", realm="{REALM}", nonce="{nonce}", uri="{path}", algorithm=MD5, '
        f'response="{response}", qop=auth, nc={nc:08x}, cnonce="0a4f113b"'
    )
    request = Request.blank(path, method=method, headers={"Authorization": header})
    request.registry = Registry()
    request.registry.settings = {"amphi.session_secret": SITE_SECRET}
    return request


def test_basic_credentials_are_read_and_junk_is_ignored():
    good = Request.blank("/", headers={"Authorization": "Basic " + base64.b64encode(b"ana:pass:word").decode()})
    assert basic_credentials(good) == ("ana", "pass:word")
    assert basic_credentials(Request.blank("/", headers={"Authorization": "Basic !!!"})) is None
    assert basic_credentials(Request.blank("/")) is None


def test_a_digest_answer_to_our_challenge_is_accepted_once_the_password_matches(db):
    challenge = digest_challenge(SECRET, REALM)
    nonce = challenge.split('nonce="')[1].split('"')[0]
    assert 'qop="auth"' in challenge and nonce_state(SECRET, REALM, nonce) == "valid"
    request = digest_request("right", nonce)
    params = digest_params(request)
    assert not digest_valid(request, params, digest_ha1("agent", REALM, "wrong"), SECRET, REALM)
    assert digest_valid(request, params, digest_ha1("agent", REALM, "right"), SECRET, REALM)


def test_forged_or_stale_nonces_and_other_paths_are_refused(db):
    ha1 = digest_ha1("agent", REALM, "right")
    forged = digest_request("right", "1700000000-" + "0" * 32)
    assert nonce_state(SECRET, REALM, "1700000000-" + "0" * 32) == "bad"
    assert not digest_valid(forged, digest_params(forged), ha1, SECRET, REALM)
    old = make_nonce(SECRET, REALM, now=1_000_000)
    assert nonce_state(SECRET, REALM, old) == "stale"
    elsewhere = digest_request("right", make_nonce(SECRET, REALM), path="/ingest/ingest")
    elsewhere.path_info = "/ingest/addTrack"  # an answer computed for another URL
    assert not digest_valid(elsewhere, digest_params(elsewhere), ha1, SECRET, REALM)


def test_a_captured_answer_cannot_be_replayed_and_counts_must_grow(db):
    ha1, nonce = digest_ha1("agent", REALM, "right"), make_nonce(SECRET, REALM)

    def accepted(nc: int) -> bool:
        request = digest_request("right", nonce, nc=nc)
        return digest_valid(request, digest_params(request), ha1, SECRET, REALM)

    assert accepted(1)
    assert not accepted(1)  # the same request again: a replay
    assert accepted(2) and accepted(5)
    assert not accepted(3) and not accepted(5)  # lower or equal to the highest seen
    assert db.get(DigestNonce, nonce).count == 5
    other = digest_request("right", make_nonce(SECRET, REALM))  # each challenge has its own nonce and counts
    assert digest_valid(other, digest_params(other), ha1, SECRET, REALM)
    # The same request asked twice (two plugins) gets the same answer.
    again = digest_request("right", nonce, nc=6)
    assert digest_valid(again, digest_params(again), ha1, SECRET, REALM)
    assert digest_valid(again, digest_params(again), ha1, SECRET, REALM)


def test_a_wrong_password_records_nothing_and_expired_nonces_are_purged(db):
    nonce = make_nonce(SECRET, REALM)
    request = digest_request("wrong", nonce)
    assert not digest_valid(request, digest_params(request), digest_ha1("agent", REALM, "right"), SECRET, REALM)
    assert db.get(DigestNonce, nonce) is None
    db.add(DigestNonce(nonce="1-old", count=1, expires_at=utcnow() - timedelta(seconds=1)))
    db.add(DigestNonce(nonce="2-new", count=1, expires_at=utcnow() + timedelta(seconds=60)))
    db.flush()
    assert purge_nonces(db) == 1
    assert db.get(DigestNonce, "2-new") is not None


def test_stale_is_said_only_of_our_expired_nonces():
    expired = digest_request("right", make_nonce(SECRET, REALM, now=1_000_000))
    assert request_challenge(expired, REALM).endswith(", stale=true")
    for nonce in (make_nonce(SECRET, REALM), "1700000000-00-" + "0" * 32):  # replayed, or not ours
        assert "stale" not in request_challenge(digest_request("right", nonce), REALM)
