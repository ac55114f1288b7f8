"""The tool's RSA keys per site and its public keyset (JWKS), with rotation.

The newest key that is not retired signs what the tool sends (deep-linking answers, service token
requests). Every key not retired is published in the keyset: a platform that cached the keyset before a
rotation still verifies the older key's signatures, and picks up the new key (by its ``kid``) at its
next fetch. The admin retires the older key once the platforms have had time to refetch.
"""

from __future__ import annotations

import json
import secrets

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto.jwk import JWK
from sqlalchemy import select

from core.models import utcnow
from plugin_moodle.models import LtiKey


def new_key(dbsession, site_id: int) -> LtiKey:
    """Add a new signing key to the site (2048-bit RSA); the older ones stay published until retired."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    key = LtiKey(site_id=site_id, kid=secrets.token_hex(16), private_pem=pem)
    dbsession.add(key)
    dbsession.flush()
    return key


def active_keys(dbsession, site_id: int) -> list[LtiKey]:
    """The site's keys not retired, newest first."""
    return list(
        dbsession.scalars(
            select(LtiKey)
            .where(LtiKey.site_id == site_id, LtiKey.retired_at.is_(None))
            .order_by(LtiKey.created_at.desc(), LtiKey.id.desc())
        )
    )


def signing_key(dbsession, site_id: int) -> LtiKey:
    """The key that signs now: the newest active one, made on first need."""
    keys = active_keys(dbsession, site_id)
    return keys[0] if keys else new_key(dbsession, site_id)


def retire(dbsession, key: LtiKey) -> bool:
    """Stop publishing ``key``; refused (False) for the site's last active key, which still signs."""
    if len(active_keys(dbsession, key.site_id)) <= 1 or key.retired_at is not None:
        return False
    key.retired_at = utcnow()
    return True


def public_jwk(key: LtiKey) -> dict:
    jwk = JWK.from_pem(key.private_pem.encode())
    public = json.loads(jwk.export_public())
    public.update({"kid": key.kid, "alg": "RS256", "use": "sig"})
    return public


def keyset(dbsession, site_id: int) -> dict:
    """The site's public keyset: every key not retired."""
    keys = active_keys(dbsession, site_id) or [signing_key(dbsession, site_id)]
    return {"keys": [public_jwk(key) for key in keys]}
