"""A small sliding-window rate limiter kept in the database (works without Redis)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select

from core.errors import TooManyAttempts
from core.models import RateLimitHit, utcnow


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

    def check(self, dbsession, site_id: int, *keys: str) -> None:
        """Raise :class:`TooManyAttempts` when any key has reached the limit."""
        for key in keys:
            if self.count(dbsession, site_id, key) >= self.limit:
                minutes = max(1, self.window // 60)
                raise TooManyAttempts(f"Too many attempts; try again in {minutes} minutes.")

    def hit(self, dbsession, site_id: int, *keys: str) -> None:
        for key in keys:
            dbsession.add(RateLimitHit(site_id=site_id, scope=self.scope, key=key))
        dbsession.flush()

    def reset(self, dbsession, site_id: int, key: str) -> None:
        dbsession.execute(
            delete(RateLimitHit).where(
                RateLimitHit.site_id == site_id, RateLimitHit.scope == self.scope, RateLimitHit.key == key
            )
        )
