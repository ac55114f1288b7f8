"""The content generation: one counter, in the database, that every committed write of page content bumps.

A cache of anything derived from the database (rendered pages, search facet counts) stamps its
entries with the generation read *before* the data, and never serves an entry of another
generation: whichever process writes (web workers, job workers, commands), the next read sees
the change. The bump happens in the writing transaction itself, just before it commits, so the
counter and the data cannot disagree.

Writes to a table whose ``info`` says ``{"amphi_pages": False}`` (:data:`core.models.NOT_ON_PAGES`:
jobs' progress, statistics, rate-limit hits...) do not count. Those to a table that only its own users'
personal regions show (:data:`core.models.PERSONAL`: notifications...) bump a second counter, the
*personal generation*, which what is remembered per user (not pages) is stamped with as well. Importing this module registers
:func:`track_changes` with :func:`core.platform.db.on_every_engine`: every engine made afterwards in
the process (the application's, a worker's, a command's, a test's) is tracked.
"""

from __future__ import annotations

import os
import re
import threading
import weakref

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from core.models import Base
from core.platform.db import make_engine, on_every_engine

GENERATION_TABLE = "cache_generation"
_CHANGED = "amphi_content_changed"
_PERSONAL = "amphi_personal_changed"
PERSONAL_ROW = 2  # the personal generation's row (made by its first bump)
_tracked: weakref.WeakSet = weakref.WeakSet()
_readers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # engine: its autocommit reader
_readers_lock = threading.Lock()
_TABLE_EXISTS = {
    "sqlite": f"SELECT max(name) FROM sqlite_master WHERE type = 'table' AND name = '{GENERATION_TABLE}'",
    "postgresql": f"SELECT to_regclass('{GENERATION_TABLE}')",
}
_DML = re.compile(
    r"^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+[\"`]?(\w+)", re.IGNORECASE
)


def shown_on_pages(table) -> bool:
    """Whether writes to ``table`` may change a page (unless its ``info`` says otherwise)."""
    return getattr(table, "info", {}).get("amphi_pages", True)  # a migration's sa.table() has no info


def shown_to_its_users(table) -> bool:
    """Whether writes to ``table`` may change a personal region (and no page)."""
    return getattr(table, "info", {}).get("amphi_personal", False)


def track_changes(engine: Engine) -> None:
    """Bump the content generation in every transaction of ``engine`` that writes page content."""
    if engine in _tracked:
        return
    _tracked.add(engine)
    checked = {"table": False}

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        info = conn.info
        if info.get(_CHANGED) and info.get(_PERSONAL):
            return
        compiled = getattr(context, "compiled", None)
        target = getattr(getattr(compiled, "statement", None), "table", None)
        if target is not None and getattr(context, "isinsert", False) | context.isupdate | context.isdelete:
            if shown_on_pages(target):
                info[_CHANGED] = True
            elif shown_to_its_users(target):
                info[_PERSONAL] = True
            return
        match = _DML.match(statement)
        if match:
            name = match.group(1).lower()
            if _shown_by_name(name):
                info[_CHANGED] = True
            elif shown_to_its_users(Base.metadata.tables.get(name)):
                info[_PERSONAL] = True

    def commit(conn):
        changed, personal = conn.info.pop(_CHANGED, False), conn.info.pop(_PERSONAL, False)
        if not (changed or personal):
            return
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            if not checked["table"]:  # before its migration (a fresh database) there is nothing to bump
                cursor.execute(_TABLE_EXISTS[conn.dialect.name])
                checked["table"] = cursor.fetchone()[0] is not None
            if checked["table"] and changed:
                cursor.execute(f"UPDATE {GENERATION_TABLE} SET value = value + 1 WHERE id = 1")
            if checked["table"] and personal:
                cursor.execute(
                    f"INSERT INTO {GENERATION_TABLE} (id, value) VALUES ({PERSONAL_ROW}, 1) ON CONFLICT (id) "
                    f"DO UPDATE SET value = {GENERATION_TABLE}.value + 1"
                )
        finally:
            cursor.close()

    def rollback(conn):
        conn.info.pop(_CHANGED, None)
        conn.info.pop(_PERSONAL, None)

    def checkin(_dbapi_connection, record):  # back in the pool: whatever was not committed is gone
        if record is not None:
            record.info.pop(_CHANGED, None)
            record.info.pop(_PERSONAL, None)

    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    event.listen(engine, "commit", commit)
    event.listen(engine, "rollback", rollback)
    event.listen(engine.pool, "checkin", checkin)


on_every_engine(track_changes)


def _shown_by_name(name: str) -> bool:
    """For SQL written by hand: a table of the models is looked up; an unknown one counts as content."""
    if name in (GENERATION_TABLE, "alembic_version"):
        return False
    table = Base.metadata.tables.get(name)
    return table is None or shown_on_pages(table)


def current_generation(engine: Engine) -> int | None:
    """The committed content generation (``None`` before the table exists).

    Read on a connection of its own in autocommit mode: one round trip, no transaction to end.
    """
    rows = _read(engine, f"SELECT id, value FROM {GENERATION_TABLE} WHERE id = 1")
    return rows.get(1)


def current_generations(engine: Engine) -> tuple[int, int] | None:
    """The committed content and personal generations, in one round trip (``None`` before the table exists)."""
    rows = _read(engine, f"SELECT id, value FROM {GENERATION_TABLE} WHERE id IN (1, {PERSONAL_ROW})")
    return (rows[1], rows.get(PERSONAL_ROW, 0)) if 1 in rows else None


def _read(engine: Engine, query: str) -> dict[int, int]:
    reader = _readers.get(engine)
    if reader is None:
        with _readers_lock:
            reader = _readers.get(engine) or _readers.setdefault(engine, _autocommit_engine(engine))
    try:
        with reader.connect() as connection:
            return dict(connection.exec_driver_sql(query).all())
    except Exception:  # noqa: BLE001 — no table yet: nothing is cached
        return {}


def _forget_readers_after_fork() -> None:
    # A forked process (amphi serve --workers N) must not share its parent's connections.
    for reader in list(_readers.values()):
        reader.dispose(close=False)


os.register_at_fork(after_in_child=_forget_readers_after_fork)


def _autocommit_engine(engine: Engine) -> Engine:
    return make_engine(
        engine.url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT", pool_size=2, max_overflow=8
    )


def has_pending_changes(session: Session, personal: bool = False) -> bool:
    """Whether ``session``'s transaction wrote page content (or, ``personal``, what personal regions show too)
    not yet committed (a cache would not show it)."""
    if not session.in_transaction():
        return False
    info = session.connection().info
    return bool(info.get(_CHANGED) or (personal and info.get(_PERSONAL)))


def personal_changed(session: Session) -> None:
    """Bump the personal generation when ``session``'s transaction commits: it changes what personal regions
    show through a table that does not say so (a write among frequent ones that never do)."""
    session.connection().info[_PERSONAL] = True


def forget_pending_changes(session: Session) -> None:
    """For tests whose transaction never commits: take what it wrote so far as committed."""
    if session.in_transaction():
        session.connection().info.pop(_CHANGED, None)
        session.connection().info.pop(_PERSONAL, None)
