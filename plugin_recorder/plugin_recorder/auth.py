"""Recorder credentials: HTTP digest (what Opencast capture agents send), basic, and push tokens.

Only ``MD5(username:realm:password)`` is kept for digest (as Apache's htdigest does) and a
SHA-256 of the push token. Nonces are stateless: a timestamp signed with the session secret,
valid for :data:`NONCE_SECONDS`, bound to the site.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from urllib.parse import urlsplit
from urllib.request import parse_http_list, parse_keqv_list

from pyramid.httpexceptions import HTTPUnauthorized
from sqlalchemy import select

from plugin_recorder.models import Recorder

REALM = "Amphi"
NONCE_SECONDS = 300
TOKEN_PREFIX = "amphirec_"


def md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()  # noqa: S324 — HTTP digest is defined on MD5


def digest_ha1(username: str, password: str) -> str:
    return md5(f"{username}:{REALM}:{password}")


def set_password(recorder: Recorder, password: str) -> None:
    recorder.digest_ha1 = digest_ha1(recorder.username, password)


def new_push_token(recorder: Recorder) -> str:
    """Give the recorder a new push token; returns it (shown once, only its hash is kept)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(24)
    recorder.push_token_hash = hashlib.sha256(token.encode()).hexdigest()
    return token


def push_recorder(request, token: str) -> Recorder | None:
    """The push recorder of the request's site that owns ``token``."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    digest = hashlib.sha256(token.encode()).hexdigest()
    return request.dbsession.scalar(select(Recorder).where(
        Recorder.site_id == request.site.id, Recorder.type == "push", Recorder.push_token_hash == digest))


# --- digest nonces -------------------------------------------------------------


def _nonce_signature(request, stamp: str) -> str:
    secret = request.registry.settings["amphi.session_secret"].encode()
    return hmac.new(secret, f"recorder-nonce:{request.site.id}:{stamp}".encode(), "sha256").hexdigest()[:32]


def make_nonce(request) -> str:
    stamp = str(int(time.time()))
    return base64.b64encode(f"{stamp}:{_nonce_signature(request, stamp)}".encode()).decode()


def nonce_is_fresh(request, nonce: str) -> bool:
    try:
        stamp, signature = base64.b64decode(nonce, validate=True).decode().split(":", 1)
        age = time.time() - int(stamp)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return False
    return 0 <= age <= NONCE_SECONDS and hmac.compare_digest(signature, _nonce_signature(request, stamp))


def challenge_headers(request) -> list[tuple[str, str]]:
    """The ``WWW-Authenticate`` headers of a 401: digest first (agents ask for it), then basic."""
    return [("WWW-Authenticate", f'Digest realm="{REALM}", qop="auth", algorithm=MD5, nonce="{make_nonce(request)}"'),
            ("WWW-Authenticate", f'Basic realm="{REALM}"')]


class RecorderUnauthorized(HTTPUnauthorized):
    """Raised where recorder credentials are missing or wrong; its exception view sends the challenges."""


def unauthorized(request) -> HTTPUnauthorized:
    """The 401 with both challenges (a plain response: exception views would keep only one header)."""
    response = HTTPUnauthorized(body="Recorder credentials are required.\n", content_type="text/plain",
                                charset="utf-8")
    response.headerlist.extend(challenge_headers(request))
    return response


# --- checking a request ----------------------------------------------------------


def _recorder_named(request, username: str) -> Recorder | None:
    return request.dbsession.scalar(select(Recorder).where(
        Recorder.site_id == request.site.id, Recorder.username == username, Recorder.digest_ha1 != ""))


def _digest_recorder(request, value: str) -> Recorder | None:
    params = parse_keqv_list(parse_http_list(value))
    needed = ("username", "nonce", "uri", "response")
    if any(key not in params for key in needed) or params.get("realm", REALM) != REALM:
        return None
    if urlsplit(params["uri"]).path != request.path or not nonce_is_fresh(request, params["nonce"]):
        return None
    recorder = _recorder_named(request, params["username"])
    if recorder is None:
        return None
    ha2 = md5(f"{request.method}:{params['uri']}")
    if params.get("qop"):
        expected = md5(f"{recorder.digest_ha1}:{params['nonce']}:{params.get('nc', '')}:"
                       f"{params.get('cnonce', '')}:{params['qop']}:{ha2}")
    else:
        expected = md5(f"{recorder.digest_ha1}:{params['nonce']}:{ha2}")
    return recorder if hmac.compare_digest(expected, params["response"]) else None


def _basic_recorder(request, value: str) -> Recorder | None:
    try:
        username, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").split(":", 1)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    recorder = _recorder_named(request, username)
    if recorder is None or not hmac.compare_digest(recorder.digest_ha1, digest_ha1(username, password)):
        return None
    return recorder


def authenticated_recorder(request) -> Recorder | None:
    """The recorder whose credentials the request carries (digest or basic), or ``None``."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "digest":
        return _digest_recorder(request, value)
    if scheme.lower() == "basic":
        return _basic_recorder(request, value)
    return None


def require_agent(request) -> Recorder:
    """The authenticated Opencast-type recorder, or a 401 with the challenges."""
    recorder = authenticated_recorder(request)
    if recorder is None or recorder.type != "opencast":
        raise RecorderUnauthorized()
    return recorder
