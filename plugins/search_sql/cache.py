"""The facet cache: a search's counts and first ranked matches, shared by a class of visitors.

What an anonymous visitor, any signed-in user or a site admin of a site finds for a query
(:func:`core.catalogue.listing.visibility_class`) is counted and ranked once, kept in this process and
reused while the content generation (:mod:`core.pagecache.generation`: a counter in the database that
every committed write of page content bumps, the index's included) stays the same, no
publication date falls due and :data:`SECONDS` have not passed. The user's own part (their
drafts, their groups' videos) is found live and added (see :mod:`plugins.search_sql.query`).
Each process (``amphi serve --workers N``) has its own entries; the generation they check is
shared.
"""

from __future__ import annotations

import threading
import time
from array import array
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Video
from core.plugin_api import FacetCount, current_generation, has_pending_changes

#: False: every search counts and ranks again (benchmarks compare both).
ENABLED = True
#: Entries kept per process, and how long at most (a guard against changes made outside the ORM).
SIZE = 2000
SECONDS = 600
#: Ranked matches kept per entry (pages beyond are searched again): 25 pages of 20.
RANKED = 500


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
    """Whether this session may use the cache: not after writing in its transaction (an entry
    built from uncommitted rows would outlive a rollback, and the entries do not show its writes)."""
    return ENABLED and not has_pending_changes(session)


def generation(session: Session) -> int | None:
    """The content generation (``None``: not known, nothing is kept)."""
    return current_generation(session.get_bind().engine)  # bound to an engine or to a connection


def expiry(session: Session, site_id: int, now: datetime) -> float:
    """When an entry built now stops being valid: after :data:`SECONDS`, or when the site's next
    publication date comes (``now`` taken before the entry's queries)."""
    due = session.scalar(
        select(Video.publish_at)
        .where(Video.site_id == site_id, Video.publish_at > now)
        .order_by(Video.publish_at)
        .limit(1)
    )
    expires = time.time() + SECONDS
    return min(expires, due.timestamp()) if due is not None else expires
