"""The page cache's parts: the store, the content generation's bookkeeping, what the tween keeps."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from pyramid.request import Request
from pyramid.response import Response
from sqlalchemy import Column, Integer, MetaData, String, Table, text
from sqlalchemy.orm import Session

from core.models import PERSONAL
from core.pagecache import Entry, PageStore, cache_page, no_cache, page_cache_tween_factory
from core.pagecache.generation import (
    current_generation,
    current_generations,
    has_pending_changes,
    personal_changed,
    track_changes,
)
from core.platform.db import make_engine


def entry(body: bytes, generation: int = 1, ttl: float = 60) -> Entry:
    return Entry(generation, time.monotonic() + ttl, "200 OK", (("Content-Type", "text/html"),), body, None)


def test_the_store_forgets_the_least_recently_used_pages_beyond_its_size():
    store = PageStore(max_bytes=40)
    store.put(("a",), entry(b"x" * 10))
    store.put(("b",), entry(b"x" * 10))
    store.put(("c",), entry(b"x" * 10))
    assert store.get(("a",), 1) is not None  # a is now the most recently used
    store.put(("d",), entry(b"x" * 10))
    store.put(("e",), entry(b"x" * 10))
    assert store.get(("b",), 1) is None and store.get(("a",), 1) is not None
    assert store.size <= 40
    store.put(("huge",), entry(b"x" * 11))  # over a quarter of the store: not kept
    assert store.get(("huge",), 1) is None


def test_an_entry_of_another_generation_or_past_its_time_is_never_served():
    store = PageStore(max_bytes=1000)
    store.put(("page",), entry(b"old", generation=3))
    assert store.get(("page",), 4) is None
    assert store.get(("page",), 3) is None  # dropped when found stale
    store.put(("page",), entry(b"old", generation=3, ttl=-1))
    assert store.get(("page",), 3) is None
    assert store.size == 0


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/generation.sqlite")
    track_changes(engine)  # what the page cache's includeme does to the application's engine
    with engine.begin() as db:
        db.exec_driver_sql("CREATE TABLE cache_generation (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)")
        db.exec_driver_sql("INSERT INTO cache_generation VALUES (1, 0)")
    yield engine
    engine.dispose()


def test_committed_writes_bump_the_generation_once_per_transaction(engine):
    metadata = MetaData()
    shown = Table("shown", metadata, Column("id", Integer, primary_key=True), Column("name", String))
    quiet = Table("quiet", metadata, Column("id", Integer, primary_key=True), info={"amphi_pages": False})
    metadata.create_all(engine)
    start = current_generation(engine)
    with engine.begin() as db:
        db.execute(shown.insert().values(name="a"))
        db.execute(shown.update().values(name="b"))
    assert current_generation(engine) == start + 1
    with engine.begin() as db:
        db.execute(quiet.insert())
    assert current_generation(engine) == start + 1
    with engine.connect() as db:
        db.execute(shown.delete())
        db.rollback()
    assert current_generation(engine) == start + 1
    with engine.begin() as db:  # SQL written by hand, on a table the models do not know
        db.execute(text("INSERT INTO shown (name) VALUES ('c')"))
    assert current_generation(engine) == start + 2
    with engine.begin() as db:
        db.execute(text("SELECT * FROM shown"))
    assert current_generation(engine) == start + 2


def test_writes_only_personal_regions_show_bump_the_personal_generation_alone(engine):
    metadata = MetaData()
    shown = Table("shown4", metadata, Column("id", Integer, primary_key=True))
    personal = Table("personal", metadata, Column("id", Integer, primary_key=True), info=PERSONAL)
    metadata.create_all(engine)
    content, mine = current_generations(engine)
    assert mine == 0  # no row until the first bump
    with engine.begin() as db:
        db.execute(personal.insert())
        db.execute(personal.insert())
    assert current_generations(engine) == (content, 1)
    with engine.begin() as db:
        db.execute(personal.insert())
        db.execute(shown.insert())
    assert current_generations(engine) == (content + 1, 2)
    with Session(engine) as session, session.begin():  # a write its table does not announce
        assert not has_pending_changes(session, personal=True)
        personal_changed(session)
        assert has_pending_changes(session, personal=True) and not has_pending_changes(session)
    assert current_generations(engine) == (content + 1, 3)
    with engine.connect() as db:
        db.execute(personal.delete())
        db.rollback()
    assert current_generations(engine) == (content + 1, 3)


def test_before_the_migration_writes_commit_and_nothing_is_cached(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/fresh.sqlite")
    with engine.begin() as db:
        db.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        db.exec_driver_sql("INSERT INTO t VALUES (1)")
    with engine.connect() as db:
        assert db.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1
    assert current_generation(engine) is None
    engine.dispose()


def test_tracking_twice_is_harmless(engine):
    track_changes(engine)  # the fixture did it already: still one bump per transaction
    metadata = MetaData()
    shown = Table("shown2", metadata, Column("id", Integer, primary_key=True))
    metadata.create_all(engine)
    start = current_generation(engine)
    with engine.begin() as db:
        db.execute(shown.insert())
    assert current_generation(engine) == start + 1


class Registry(dict):
    """What the tween reads of Pyramid's registry: settings, plugins, the engine."""

    settings = {
        "amphi.page_cache.size_mb": "1",
        "amphi.page_cache.signed_in": "false",
    }  # signed-in pages: functional tests
    plugins = SimpleNamespace(implementers=lambda hook: set())


def tween_over(engine, view):
    return page_cache_tween_factory(view, Registry(db_engine=engine))


def anonymous(path="/", **headers) -> Request:
    request = Request.blank(path, headers=headers)
    request.registry = SimpleNamespace(settings={})
    request.user = None
    return request


def test_the_tween_keeps_only_what_views_offer_for_anonymous_visitors(engine):
    calls = []

    def view(request):
        calls.append(request.path)
        if request.path != "/refused":
            cache_page(request)
        if request.path == "/refused":
            no_cache(request)
        response = Response(f"page {len(calls)}")
        if request.path == "/cookie":
            response.set_cookie("amphi_session", "x")
        return response

    tween = tween_over(engine, view)
    for path in ("/", "/refused", "/cookie"):
        first, second = tween(anonymous(path)).text, tween(anonymous(path)).text
        assert (first == second) is (path == "/"), path
    hit = tween(anonymous("/"))
    assert hit.headers["X-Amphi-Cache"] == "hit"
    assert tween(anonymous("/", Cookie="amphi_session=abc")).text != hit.text
    assert tween(anonymous("/", **{"Accept-Language": "fr"})).text != hit.text
    assert tween(anonymous("/?page=2")).text != hit.text


def test_a_session_knows_when_it_wrote_content_not_yet_committed(engine):
    from sqlalchemy.orm import Session

    metadata = MetaData()
    shown = Table("shown3", metadata, Column("id", Integer, primary_key=True))
    metadata.create_all(engine)
    with Session(engine) as session:
        assert not has_pending_changes(session)
        session.execute(text("SELECT 1"))
        assert not has_pending_changes(session)
        session.execute(shown.insert())
        assert has_pending_changes(session)
        session.commit()
        assert not has_pending_changes(session)


def test_a_snapshot_comes_back_into_a_session_without_a_query(tmp_path):
    from sqlalchemy import JSON, event
    from sqlalchemy.orm import DeclarativeBase, Session

    from core.pagecache import Snapshot

    class Base(DeclarativeBase):
        pass

    class Row(Base):
        __tablename__ = "rows"
        id = Column(Integer, primary_key=True)
        name = Column(String)
        settings = Column(JSON)

    engine = make_engine(f"sqlite:///{tmp_path}/snap.sqlite")
    track_changes(engine)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(Row(id=1, name="a", settings={"k": [1]}))
        session.commit()
        snapshot = Snapshot(session.get(Row, 1))
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with Session(engine) as session:
        row = snapshot.attach(session)
        assert (row.id, row.name, row.settings) == (1, "a", {"k": [1]}) and row in session
        row.settings["k"].append(2)  # a copy: the snapshot keeps what was rendered
        assert statements == []
    with Session(engine) as session:
        assert snapshot.attach(session).settings == {"k": [1]}
    engine.dispose()
