"""Recorder credentials: HTTP digest (what Opencast capture agents send), basic, and push tokens.

Only ``MD5(username:realm:password)`` is kept for digest (as Apache's htdigest does) and a
SHA-256 of the push token. The protocol itself is the opencast_ingest plugin's
(:mod:`plugins.opencast_ingest.api`): stateless nonces signed with the session secret, each count
accepted once, in the realm ``Amphi``.
"""

from __future__ import annotations

import hmac
import secrets

from pyramid.httpexceptions import HTTPUnauthorized
from sqlalchemy import select

from core.plugin_api import token_hash
from plugin_recorder.models import Recorder
from plugins.opencast_ingest.api import (
    REALM,
    basic_credentials,
    digest_ha1,
    digest_params,
    digest_valid,
    request_challenge,
)
from plugins.opencast_ingest.api import nonce_secret as secret

TOKEN_PREFIX = "amphirec_"


def set_password(recorder: Recorder, password: str) -> None:
    recorder.digest_ha1 = digest_ha1(recorder.username, REALM, password)


def new_push_token(recorder: Recorder) -> str:
    """Give the recorder a new push token; returns it (shown once, only its hash is kept)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(24)
    recorder.push_token_hash = token_hash(token)
    return token


def push_recorder(request, token: str) -> Recorder | None:
    """The push recorder of the request's site that owns ``token``."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    digest = token_hash(token)
    return request.dbsession.scalar(
        select(Recorder).where(
            Recorder.site_id == request.site.id, Recorder.type == "push", Recorder.push_token_hash == digest
        )
    )


# --- checking a request ----------------------------------------------------------


def challenge_headers(request) -> list[tuple[str, str]]:
    """The ``WWW-Authenticate`` headers of a 401: digest first (agents ask for it), then basic."""
    return [("WWW-Authenticate", request_challenge(request, REALM)), ("WWW-Authenticate", f'Basic realm="{REALM}"')]


class RecorderUnauthorized(HTTPUnauthorized):
    """Raised where recorder credentials are missing or wrong; its exception view sends the challenges."""


def unauthorized(request) -> HTTPUnauthorized:
    """The 401 with both challenges (a plain response: exception views would keep only one header)."""
    response = HTTPUnauthorized(body="Recorder credentials are required.\n", content_type="text/plain", charset="utf-8")
    response.headerlist.extend(challenge_headers(request))
    return response


def _recorder_named(request, username: str) -> Recorder | None:
    return request.dbsession.scalar(
        select(Recorder).where(
            Recorder.site_id == request.site.id, Recorder.username == username, Recorder.digest_ha1 != ""
        )
    )


def authenticated_recorder(request) -> Recorder | None:
    """The recorder whose credentials the request carries (digest or basic), or ``None``."""
    params = digest_params(request)
    if params is not None:
        recorder = _recorder_named(request, params["username"])
        if recorder is not None and digest_valid(request, params, recorder.digest_ha1, secret(request), REALM):
            return recorder
        return None
    credentials = basic_credentials(request)
    if credentials is None:
        return None
    username, password = credentials
    recorder = _recorder_named(request, username)
    if recorder is None or not hmac.compare_digest(recorder.digest_ha1, digest_ha1(username, REALM, password)):
        return None
    return recorder


def require_agent(request) -> Recorder:
    """The authenticated Opencast-type recorder, or a 401 with the challenges."""
    recorder = authenticated_recorder(request)
    if recorder is None or recorder.type != "opencast":
        raise RecorderUnauthorized()
    return recorder
