"""A small sliding-window rate limiter kept in the database (works without Redis).

An attempt is counted and checked in one step (:meth:`RateLimit.take`): its hit is written
first, then the hits of the window are counted, this one included. Concurrent attempts on
one key are serialised by the database (SQLite has one writer at a time; on PostgreSQL a
transaction-scoped advisory lock per key), so each counts every attempt before it and no
two can both slip under the limit.
"""

from __future__ import annotations

import hashlib
import ipaddress
from datetime import timedelta

from huey import crontab
from sqlalchemy import delete, func, select, text

from core.models import RateLimitHit, utcnow
from core.platform.errors import TooManyAttempts
from core.platform.tasks import huey, worker_request


class RateLimit:
    """At most ``limit`` hits per ``window`` seconds for one (site, scope, key)."""

    def __init__(self, scope: str, limit: int, window: int):
        self.scope, self.limit, self.window = scope, limit, window

    def _since(self):
        return utcnow() - timedelta(seconds=self.window)

    def count(self, dbsession, site_id: int, key: str) -> int:
        query = select(func.count(RateLimitHit.id)).where(
            RateLimitHit.site_id == site_id,
            RateLimitHit.scope == self.scope,
            RateLimitHit.key == key,
            RateLimitHit.at >= self._since(),
        )
        return dbsession.scalar(query) or 0

    def take(self, dbsession, site_id: int, *keys: str) -> list[RateLimitHit]:
        """Count one attempt on each key, then raise :class:`TooManyAttempts` if that went past the limit.

        The hits stay (a failed attempt counts) unless given to :meth:`forget`; a refused attempt
        counts for nothing (its hits are taken back before the error).
        """
        return take_each(dbsession, site_id, *((self, key) for key in keys))

    def _take_one(self, dbsession, site_id: int, key: str) -> tuple[RateLimitHit, bool]:
        self._lock(dbsession, site_id, key)
        hit = RateLimitHit(site_id=site_id, scope=self.scope, key=key)
        dbsession.add(hit)
        dbsession.flush()
        return hit, self.count(dbsession, site_id, key) <= self.limit

    def _lock(self, dbsession, site_id: int, key: str) -> None:
        """On PostgreSQL, wait for the other transactions counting this key (until they end)."""
        if dbsession.get_bind().dialect.name == "postgresql":
            digest = hashlib.blake2b(f"{site_id}|{self.scope}|{key}".encode(), digest_size=8).digest()
            dbsession.execute(
                text("SELECT pg_advisory_xact_lock(:id)"), {"id": int.from_bytes(digest, "big", signed=True)}
            )

    @staticmethod
    def forget(dbsession, hits: list[RateLimitHit]) -> None:
        """Take back the hits of an attempt that should not count (it succeeded, or the service was down)."""
        for hit in hits:
            dbsession.delete(hit)
        dbsession.flush()

    def reset(self, dbsession, site_id: int, key: str) -> None:
        dbsession.execute(
            delete(RateLimitHit).where(
                RateLimitHit.site_id == site_id, RateLimitHit.scope == self.scope, RateLimitHit.key == key
            )
        )


def client_network(request) -> str:
    """The client as a per-address key: its address, or its /64 for IPv6 (one subscriber holds a whole /64)."""
    address = (
        request.remote_addr or ""
    )  # REMOTE_ADDR: set from a trusted proxy by the server, never X-Forwarded-For as sent
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 4:
        return address
    if parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False))


def take_each(dbsession, site_id: int, *limits: tuple[RateLimit, str]) -> list[RateLimitHit]:
    """:meth:`RateLimit.take` for keys with limits of their own (an account's, its address's): all or none."""
    hits = []
    for limiter, key in limits:
        hit, allowed = limiter._take_one(dbsession, site_id, key)
        hits.append(hit)
        if not allowed:
            RateLimit.forget(dbsession, hits)
            minutes = max(1, limiter.window // 60)
            raise TooManyAttempts(f"Too many attempts; try again in {minutes} minutes.")
    return hits


@huey.periodic_task(crontab(minute="17"))
def purge_rate_limits() -> None:
    """Forget rate-limit hits older than their window."""
    with worker_request() as request:
        request.dbsession.execute(delete(RateLimitHit).where(RateLimitHit.at < utcnow() - timedelta(days=1)))
