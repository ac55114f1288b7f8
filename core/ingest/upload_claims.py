"""One writer at a time per tus upload, on SQLite as on PostgreSQL, with no transaction held while bytes stream.

A request that brings bytes first *claims* the upload: a conditional UPDATE (the offset it starts
at, and no live claim) in a short transaction committed at once. It then streams its bytes with no
transaction open, renewing its claim while it writes, and finally *advances* the offset with another
conditional UPDATE that also gives the claim back. A second writer meanwhile finds the claim taken
(or the offset moved) and is refused with 409. A claim lapses :data:`LEASE` after its last renewal,
so a request that died (a killed process) locks nothing for long.

Deleting an upload (termination, expiry) does not wait for its writer: a writer that finds its row
gone when it advances deletes the bytes it wrote.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pyramid.request import Request
from sqlalchemy import func, or_

from core.models import Upload, utcnow
from core.platform.db import commit_now, orm_update

LEASE = timedelta(seconds=30)
#: How often a writer renews its claim while it streams (well within the lease).
RENEW_AFTER = LEASE.total_seconds() / 3


def current(request, upload_id: str) -> Upload | None:
    """The upload as the database has it now (not as this request last read it)."""
    return request.dbsession.get(Upload, upload_id, populate_existing=True)


def drop_if_gone(request, upload_id: str, key: str) -> Upload | None:
    """The upload as it is now; if it was deleted meanwhile (terminated, expired), its bytes are deleted
    too (they belong to nobody) and None is returned."""
    upload = current(request, upload_id)
    if upload is None:
        request.storage.delete(key)
    return upload


def unclaimed(now: datetime):
    """No request holds the upload: never claimed, given back, or its writer stopped renewing."""
    return or_(Upload.claimed_by.is_(None), Upload.claimed_until < now)


@dataclass
class Claim:
    """The right of one request to append to an upload at ``offset``."""

    request: Request
    upload_id: str
    offset: int
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    renewed: float = field(default_factory=time.monotonic)

    def _mine(self):
        return orm_update(Upload, Upload.id == self.upload_id, Upload.claimed_by == self.token)

    def renew_if_due(self) -> bool:
        """Extend the claim when a third of the lease has passed; False if it was lost meanwhile."""
        if time.monotonic() - self.renewed < RENEW_AFTER:
            return True
        renewed = self.request.dbsession.execute(self._mine().values(claimed_until=utcnow() + LEASE)).rowcount
        commit_now(self.request)
        self.renewed = time.monotonic()
        return bool(renewed)

    def advance(self, offset: int) -> bool:
        """Record ``offset`` at once (the bytes below it are the upload's, whatever follows), keeping the
        claim; False if the claim was lost meanwhile (another writer, or the upload was deleted)."""
        advanced = self.request.dbsession.execute(self._mine().values(offset=offset)).rowcount
        commit_now(self.request)
        return bool(advanced)

    def give_back(self) -> None:
        """End the claim with the request's transaction (with the video a complete upload became)."""
        self.request.dbsession.execute(self._mine().values(claimed_by=None, claimed_until=None))

    def release(self) -> None:
        """End the claim at once (a failed or refused write)."""
        self.give_back()
        commit_now(self.request)


def claim(request, upload_id: str, offset: int, length: int | None = None) -> Claim | None:
    """Claim the upload for writing at ``offset`` (committed at once), or None when another request holds it
    or the offset moved. ``length`` sets a deferred length (Upload-Length sent late)."""
    now = utcnow()
    ticket = Claim(request, upload_id, offset)
    values = {"claimed_by": ticket.token, "claimed_until": now + LEASE}
    if length is not None:
        values["length"] = func.coalesce(Upload.length, length)
    statement = orm_update(Upload, Upload.id == upload_id, Upload.offset == offset, unclaimed(now))
    taken = request.dbsession.execute(statement.values(**values)).rowcount
    commit_now(request)
    return ticket if taken else None
