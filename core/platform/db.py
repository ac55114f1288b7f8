"""Engine, sessions and the pyramid_tm + zope.sqlalchemy wiring (``request.dbsession``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import zope.sqlalchemy
from sqlalchemy import create_engine, event, update
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.orm import Session, sessionmaker

from core.models import Base
from core.platform.private import private_file
from core.platform.settings import setting

#: What every engine gets once made (:func:`on_every_engine`): the page cache's change tracking.
_engine_setups: list[Callable[[Engine], None]] = []


def on_every_engine(setup: Callable[[Engine], None]) -> None:
    """Apply ``setup`` to every engine :func:`make_engine` makes from now on (a part registers itself)."""
    if setup not in _engine_setups:
        _engine_setups.append(setup)


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL and a busy timeout; registered setups apply."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1].split("?", 1)[0]
        if path and path != ":memory:":
            private_file(path)  # before SQLite makes it world-readable (its -wal and -shm follow its mode)
        kwargs.setdefault("connect_args", {"timeout": 30})
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    for setup in _engine_setups:
        setup(engine)
    return engine


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def get_tm_session(session_factory: sessionmaker, transaction_manager, request=None) -> Session:
    """A session joined to ``transaction_manager``: it commits or aborts with it."""
    dbsession = session_factory(info={"request": request})
    zope.sqlalchemy.register(dbsession, transaction_manager=transaction_manager)
    return dbsession


def commit_now(request) -> None:
    """Commit what the request's transaction wrote so far, and go on in a new one.

    For a step other requests must see at once (a claim), or before slow work that must hold no lock.
    The request's site, user and token stay usable (they are attached to the new transaction). In
    the test harness every request shares one doomed transaction: there it is only flushed.
    """
    if request.tm.isDoomed():
        request.dbsession.flush()
        return
    _end_and_go_on(request, request.tm.commit)


def rollback_now(request) -> None:
    """Undo what the request's transaction wrote so far, and go on in a new one.

    After a step that failed half-way, before a later step commits (its half-made rows must not
    go with it). In the test harness, where requests share one doomed transaction, nothing is undone.
    """
    if not request.tm.isDoomed():
        _end_and_go_on(request, request.tm.abort)


def _end_and_go_on(request, end) -> None:
    kept = [value for value in vars(request).values() if isinstance(value, Base)]  # the site, the user...
    end()
    request.tm.begin()
    for instance in kept:
        request.dbsession.add(instance)


def lock_rows(dbsession: Session, model, *where) -> int:
    """Hold the rows of ``model`` matching ``where`` until the transaction ends, on every database.

    ``SELECT ... FOR UPDATE`` does nothing on SQLite. A no-op ``UPDATE`` does what is needed on both:
    PostgreSQL locks those rows, SQLite takes its single write lock (so keep such a transaction short:
    every other writer waits for it). Read the rows afterwards (``populate_existing``). Returns how many.
    """
    kept = {
        column.name: column
        for column in model.__table__.columns  # onupdate columns would change
        if column.primary_key or column.onupdate is not None or column.server_onupdate is not None
    }
    # Session.execute is typed as giving a Result; an UPDATE gives its CursorResult (which has rowcount)
    return cast(CursorResult, dbsession.execute(orm_update(model, *where).values(kept))).rowcount


def orm_update(model, *where):
    """``UPDATE`` of ``model``'s rows as an ORM statement: zope.sqlalchemy then knows the transaction wrote
    (it rolls back one that only ran Core statements), and the session's objects are left as they are."""
    return update(model).where(*where).execution_options(synchronize_session=False)


def includeme(config):
    """Wire ``request.dbsession`` and pyramid_tm (explicit mode)."""
    settings = config.get_settings()
    settings["tm.manager_hook"] = "pyramid_tm.explicit_manager"
    # pyramid_tm would ask every request who its user is, only to label the transaction: a site
    # and a user lookup even for a page served from the cache.
    settings.setdefault("tm.annotate_user", "false")
    config.include("pyramid_tm")
    config.include("pyramid_retry")
    engine = make_engine(setting(settings, "amphi.database_url"))
    session_factory = sessionmaker(bind=engine)
    config.registry["dbsession_factory"] = session_factory
    config.registry["db_engine"] = engine

    def dbsession(request):
        # Tests hand in a session bound to a doomed transaction through the environ.
        session = request.environ.get("app.dbsession")
        if session is None:
            session = get_tm_session(session_factory, request.tm, request=request)
        return session

    config.add_request_method(dbsession, reify=True)
