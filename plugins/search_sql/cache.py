"""The facet cache: a search's counts and first ranked matches, shared by a class of visitors.

What an anonymous visitor, any signed-in user or a site admin of a site finds for a query
(:func:`core.catalog.visibility_class`) is counted and ranked once, kept in this process and
reused while the site's generation (a row in the database, bumped in the transaction of any
index write and of any change of a video's visibility) stays the same, no publication date
falls due and :data:`SECONDS` have not passed. The user's own part (their drafts, their
groups' videos) is found live and added (see :mod:`plugins.search_sql.query`). Each process
(``amphi serve --workers N``) has its own entries; the generation they check is shared.
"""

from __future__ import annotations

import secrets
import threading
import time
from array import array
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import event, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.models import Video
from core.search import FacetCount
from plugins.search_sql.models import SearchGeneration

#: False: every search counts and ranks again (benchmarks compare both).
ENABLED = True
#: Entries kept per process, and how long at most (a guard against changes made outside the ORM).
SIZE = 2000
SECONDS = 600
#: Ranked matches kept per entry (pages beyond are searched again): 25 pages of 20.
RANKED = 500
#: Video attributes that change who may list a video (the index events follow the others).
VISIBILITY = ("site_id", "status", "access", "publish_at")
#: session.info key: this transaction bumped a generation (its searches neither use nor fill the cache).
WROTE = "search_sql_wrote"


@dataclass(frozen=True)
class Entry:
    generation: int
    expires: float  # time.time()
    total: int
    facets: dict[str, tuple[FacetCount, ...]]
    #: The first matches in order: ids, scores and sort dates (timestamps), and whether that is all of them.
    ids: array
    scores: array
    dates: array
    complete: bool


@dataclass(frozen=True)
class OwnPart:
    """What a user's own videos (a given set of them) match: sort keys in order, total, facet counts."""

    generation: int
    expires: float
    keys: list[tuple[float, float, int]]
    total: int
    facets: dict[str, dict[str, tuple[str, int]]]


_entries: OrderedDict[tuple, Entry | OwnPart] = OrderedDict()
_lock = threading.Lock()


def clear() -> None:
    with _lock:
        _entries.clear()


def get(key: tuple, generation: int) -> Entry | OwnPart | None:
    with _lock:
        entry = _entries.get(key)
        if entry is None:
            return None
        if entry.generation != generation or time.time() >= entry.expires:
            del _entries[key]
            return None
        _entries.move_to_end(key)
        return entry


def put(key: tuple, entry: Entry | OwnPart) -> None:
    with _lock:
        _entries[key] = entry
        _entries.move_to_end(key)
        while len(_entries) > SIZE:
            _entries.popitem(last=False)


def usable(session: Session) -> bool:
    """Whether this session may use the cache: not after writing to the index in its transaction
    (an entry built from uncommitted rows would outlive a rollback)."""
    return ENABLED and not session.info.get(WROTE)


def generation(session: Session, site_id: int) -> int:
    return session.scalar(select(SearchGeneration.generation).where(SearchGeneration.site_id == site_id)) or 0


def bump(session: Session, site_ids) -> None:
    """Add one to the sites' generations, in the session's transaction. A first generation starts
    anywhere: a site created again under a deleted one's id never meets its entries."""
    connection = session.connection()
    insert = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}[connection.dialect.name]
    for site_id in sorted(set(site_ids)):
        statement = insert(SearchGeneration).values(site_id=site_id, generation=secrets.randbits(30) + 1)
        connection.execute(statement.on_conflict_do_update(
            index_elements=[SearchGeneration.site_id], set_={"generation": SearchGeneration.generation + 1}))
    session.info[WROTE] = True


def expiry(session: Session, site_id: int, now: datetime) -> float:
    """When an entry built now stops being valid: after :data:`SECONDS`, or when the site's next
    publication date comes (``now`` taken before the entry's queries)."""
    due = session.scalar(select(Video.publish_at).where(Video.site_id == site_id, Video.publish_at > now)
                         .order_by(Video.publish_at).limit(1))
    expires = time.time() + SECONDS
    return min(expires, due.timestamp()) if due is not None else expires


@event.listens_for(Session, "after_flush")
def _visibility_written(session, _context) -> None:
    """A video added, deleted, or whose status, access or publication date changed: its site's
    cached counts are out of date (in this transaction, so every process sees it at commit)."""
    sites = set()
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, Video) and obj.site_id is not None:
            sites.add(obj.site_id)
    for obj in session.dirty:
        if isinstance(obj, Video):
            state = inspect(obj)
            for name in VISIBILITY:
                history = state.attrs[name].history
                if history.has_changes():
                    sites.update([obj.site_id, *(history.deleted if name == "site_id" else ())])
    if sites:
        bump(session, sites)


@event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(WROTE, None)
