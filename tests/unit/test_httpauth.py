"""HTTP Basic and Digest checks for machine clients (core.httpauth), against what a client computes."""

import base64
import hashlib

from pyramid.request import Request

from core.httpauth import (
    basic_credentials,
    digest_challenge,
    digest_ha1,
    digest_params,
    digest_valid,
    make_nonce,
    nonce_state,
)

SECRET, REALM = "site secret", "Amphi"


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def digest_request(password: str, nonce: str, path: str = "/ingest/addTrack", method: str = "POST") -> Request:
    """What curl sends with --digest (qop=auth)."""
    ha1, ha2 = md5(f"agent:{REALM}:{password}"), md5(f"{method}:{path}")
    response = md5(f"{ha1}:{nonce}:00000001:0a4f113b:auth:{ha2}")
    header = (f'Digest username="agent", realm="{REALM}", nonce="{nonce}", uri="{path}", algorithm=MD5, '
              f'response="{response}", qop=auth, nc=00000001, cnonce="0a4f113b"')
    return Request.blank(path, method=method, headers={"Authorization": header})


def test_basic_credentials_are_read_and_junk_is_ignored():
    good = Request.blank("/", headers={"Authorization": "Basic " + base64.b64encode(b"ana:pass:word").decode()})
    assert basic_credentials(good) == ("ana", "pass:word")
    assert basic_credentials(Request.blank("/", headers={"Authorization": "Basic !!!"})) is None
    assert basic_credentials(Request.blank("/")) is None


def test_a_digest_answer_to_our_challenge_is_accepted_once_the_password_matches():
    challenge = digest_challenge(SECRET, REALM)
    nonce = challenge.split('nonce="')[1].split('"')[0]
    assert 'qop="auth"' in challenge and nonce_state(SECRET, REALM, nonce) == "valid"
    request = digest_request("right", nonce)
    params = digest_params(request)
    assert digest_valid(request, params, digest_ha1("agent", REALM, "right"), SECRET, REALM)
    assert not digest_valid(request, params, digest_ha1("agent", REALM, "wrong"), SECRET, REALM)


def test_forged_or_stale_nonces_and_other_paths_are_refused():
    ha1 = digest_ha1("agent", REALM, "right")
    forged = digest_request("right", "1700000000-" + "0" * 32)
    assert nonce_state(SECRET, REALM, "1700000000-" + "0" * 32) == "bad"
    assert not digest_valid(forged, digest_params(forged), ha1, SECRET, REALM)
    old = make_nonce(SECRET, REALM, now=1_000_000)
    assert nonce_state(SECRET, REALM, old) == "stale"
    elsewhere = digest_request("right", make_nonce(SECRET, REALM), path="/ingest/ingest")
    elsewhere.path_info = "/ingest/addTrack"  # an answer computed for another URL
    assert not digest_valid(elsewhere, digest_params(elsewhere), ha1, SECRET, REALM)
