"""HTTP Basic and Digest authentication (RFC 7617, RFC 7616 with MD5 and ``qop=auth``) for machine clients.

Ingest clients (Opencast Studio, capture agents) send an account's credentials on
every request; capture agents use Digest (they ask for it with ``X-Requested-Auth:
Digest``). A nonce is a timestamp and a random part signed with the site secret, valid
for :data:`NONCE_SECONDS`; the database keeps the highest nonce count (``nc``) accepted with
each nonce in use (:class:`plugins.opencast_ingest.models.DigestNonce`, shared by every process), so a captured
request cannot be replayed: RFC 7616 asks each request to bring a higher count. Plugins check
the password they hold against these helpers.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.models import utcnow
from core.plugin_api import derived_key
from plugins.opencast_ingest.models import DigestNonce

NONCE_SECONDS = 300
#: The realm every ingest client plugin uses: with one realm and one nonce secret, a client that
#: answers any plugin's Digest challenge is accepted by every plugin of the site.
REALM = "Amphi"
#: The key purpose (:mod:`core.platform.keys`) nonces are signed with; named before this plugin existed and kept,
#: so the nonces in flight when a server is upgraded stay valid.
NONCE_KEY_PURPOSE = "digest-nonce"
_PARAM = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


def nonce_secret(request) -> str:
    """What Digest nonces are signed with (a key derived from the site secret), shared by every plugin."""
    return derived_key(request.registry.settings, NONCE_KEY_PURPOSE).hex()


def basic_credentials(request) -> tuple[str, str] | None:
    """``(username, password)`` of an ``Authorization: Basic`` header, or None."""
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        username, sep, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (username, password) if sep else None


def digest_params(request) -> dict | None:
    """The parameters of an ``Authorization: Digest`` header, or None."""
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "digest":
        return None
    params = {
        m.group(1).lower(): (m.group(2) if m.group(2) is not None else m.group(3)).replace('\\"', '"')
        for m in _PARAM.finditer(value)
    }
    return params if {"username", "realm", "nonce", "uri", "response"} <= params.keys() else None


def _sign(secret: str, text: str) -> str:
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()[:32]


def make_nonce(secret: str, realm: str, now: float | None = None) -> str:
    """``<timestamp>-<random>-<signature>``: unique to one challenge (its counts are its own)."""
    issued = f"{int(now if now is not None else time.time())}-{secrets.token_hex(8)}"
    return f"{issued}-{_sign(secret, issued + realm)}"


def nonce_state(secret: str, realm: str, nonce: str) -> str:
    """``"valid"``, ``"stale"`` (ours, expired) or ``"bad"``."""
    issued, _sep, signature = nonce.rpartition("-")
    stamp = issued.partition("-")[0]
    if not stamp.isdigit() or not hmac.compare_digest(signature, _sign(secret, issued + realm)):
        return "bad"
    return "valid" if time.time() - int(stamp) <= NONCE_SECONDS else "stale"


def digest_challenge(secret: str, realm: str, stale: bool = False) -> str:
    """A ``WWW-Authenticate`` value asking for Digest."""
    value = f'Digest realm="{realm}", qop="auth", algorithm=MD5, nonce="{make_nonce(secret, realm)}"'
    return value + (", stale=true" if stale else "")


def request_challenge(request, realm: str = REALM) -> str:
    """The Digest challenge for ``request``: ``stale=true`` when it answered one of our nonces that expired
    (the client knows the password: it retries with the new nonce without asking anyone)."""
    params = digest_params(request)
    secret = nonce_secret(request)
    stale = params is not None and nonce_state(secret, realm, params["nonce"]) == "stale"
    return digest_challenge(secret, realm, stale=stale)


def digest_ha1(username: str, realm: str, password: str) -> str:
    """``MD5(username:realm:password)``: what a server may store instead of the password."""
    return hashlib.md5(f"{username}:{realm}:{password}".encode()).hexdigest()  # noqa: S324 (RFC 7616 MD5)


def digest_valid(request, params: dict, ha1: str, secret: str, realm: str) -> bool:
    """Whether Digest ``params`` prove knowledge of ``ha1`` for this request, with a fresh nonce of ours."""
    if params.get("realm") != realm or nonce_state(secret, realm, params["nonce"]) != "valid":
        return False
    if urlsplit(params["uri"]).path != request.path:
        return False
    ha2 = hashlib.md5(f"{request.method}:{params['uri']}".encode()).hexdigest()  # noqa: S324
    if params.get("qop") == "auth":
        text = f"{ha1}:{params['nonce']}:{params.get('nc', '')}:{params.get('cnonce', '')}:auth:{ha2}"
    elif "qop" in params:
        return False
    else:
        text = f"{ha1}:{params['nonce']}:{ha2}"
    if not hmac.compare_digest(hashlib.md5(text.encode()).hexdigest(), params["response"]):  # noqa: S324
        return False
    return fresh_count(request, params)


# --- replays ----------------------------------------------------------------------------------------


def fresh_count(request, params: dict) -> bool:
    """Accept the nonce count of a proven Digest answer once, and only above the highest seen with its nonce.

    Without ``qop`` there is no count: such a nonce serves once. One conditional write decides,
    so two processes given the same request cannot both accept it.
    """
    try:
        count = int(params["nc"], 16) if params.get("qop") == "auth" else 1
    except (KeyError, ValueError):
        return False
    nonce = params["nonce"][:100]
    accepted = request.environ.setdefault("amphi.digest_counts", set())
    if (nonce, count) in accepted:  # asked again within this request (several plugins): the same answer
        return True
    db = request.dbsession
    raised = db.execute(
        update(DigestNonce)
        .where(DigestNonce.nonce == nonce, DigestNonce.count < count)
        .values(count=count)
        .returning(DigestNonce.nonce)
    ).first()
    if raised is None:
        insert = postgresql_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
        stamp = datetime.fromtimestamp(int(nonce.partition("-")[0]), UTC)
        raised = db.execute(
            insert(DigestNonce)
            .values(nonce=nonce, count=count, expires_at=stamp + timedelta(seconds=NONCE_SECONDS))
            .on_conflict_do_nothing(index_elements=["nonce"])
            .returning(DigestNonce.nonce)
        ).first()
    if raised is not None:
        accepted.add((nonce, count))
    return raised is not None


def purge_nonces(dbsession) -> int:
    """Forget the nonces that expired (they are refused as stale anyway); returns how many."""
    return len(
        dbsession.execute(
            delete(DigestNonce).where(DigestNonce.expires_at < utcnow()).returning(DigestNonce.nonce)
        ).all()
    )
