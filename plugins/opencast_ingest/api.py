"""What the plugins that serve ingest clients (``opencast_studio``, ``recorder``) may use of this one.

They declare ``AMPHI_REQUIRES = ("opencast_ingest",)``, implement its hooks
(:mod:`plugins.opencast_ingest.hookspecs`) and import only from here: the principal they answer
``amphi_ingest_authenticate`` with, and the HTTP Basic and Digest helpers that check the
credentials they hold (one realm and one nonce secret for every client plugin of a site).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.models import User
from plugins.opencast_ingest.httpauth import (
    REALM,
    basic_credentials,
    digest_challenge,
    digest_ha1,
    digest_params,
    digest_valid,
    nonce_secret,
    request_challenge,
)

__all__ = [
    "IngestPrincipal",
    "REALM",
    "basic_credentials",
    "digest_challenge",
    "digest_ha1",
    "digest_params",
    "digest_valid",
    "nonce_secret",
    "request_challenge",
]


@dataclass(frozen=True)
class IngestPrincipal:
    """Who an ingest client is (``amphi_ingest_authenticate`` answers one).

    ``user`` is the account the client acts as, ``source`` the name of the plugin that
    authenticated it, ``data`` what that plugin wants to find again (a recorder's id...).
    Videos belong to ``owner`` when given, else to ``user``.
    """

    user: User
    source: str
    data: dict = field(default_factory=dict)
    owner: User | None = None
