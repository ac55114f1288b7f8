"""Ids are never reused: a deleted video's (user's, channel's...) id never comes back, on SQLite too.

Without AUTOINCREMENT SQLite numbers a new row after the highest id left, so deleting the last
video gave its id to the next one: old links, bookmarks and embeds opened someone else's video.
"""

from __future__ import annotations

import secrets

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from core.models import Base, Channel, ShareLink
from core.models.meta import has_own_integer_id
from core.platform.db import make_engine
from core.platform.migrate import alembic_config, upgrade
from core.platform.plugins import make_plugin_host
from core.testing import temporary_database

#: Tables whose ids appear in addresses, named here so that the walk below cannot miss them.
ADDRESSED = {
    "videos",
    "users",
    "channels",
    "themes",
    "playlists_playlists",
    "access_tokens",
    "share_links",
    "sites",
    "groups",
    "tracks",
    "chapters",
    "notes_notes",
    "recorder_recorders",
}


def numbered_tables() -> set[str]:
    make_plugin_host({})  # every installed plugin's models join the metadata
    return {name for name, table in Base.metadata.tables.items() if has_own_integer_id(table)}


def never_reused(connection, table: str) -> bool:
    """What the migrated database says: AUTOINCREMENT on SQLite, a sequence behind the id on PostgreSQL."""
    if connection.dialect.name == "sqlite":
        sql = connection.execute(
            text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t"), {"t": table}
        ).scalar()
        return "AUTOINCREMENT" in sql
    return connection.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}).scalar() is not None


def test_every_table_that_numbers_its_rows_never_reuses_an_id(app):
    tables = numbered_tables()
    assert ADDRESSED <= tables
    with app.registry["db_engine"].connect() as connection:
        assert sorted(t for t in tables if not never_reused(connection, t)) == []


def make_each(kind: str, request, site, owner):
    """A new row of ``kind`` (through the code that makes them, where there is such code)."""
    from core.access.tokens import create_token
    from core.access.users import create_user
    from core.ingest import create_video
    from plugins.playlists.models import Playlist

    if kind == "video":
        return create_video(request, owner, "A lecture")
    if kind == "user":
        return create_user(request, "u" + secrets.token_hex(4))
    if kind == "token":
        return create_token(request, owner, "laptop", "read", 30)[0]
    row = {
        "channel": lambda: Channel(site_id=site.id, slug="c" + secrets.token_hex(4), title="C"),
        "playlist": lambda: Playlist(site_id=site.id, owner_id=owner.id, title="P", token=secrets.token_hex(8)),
        "share link": lambda: ShareLink(
            video_id=create_video(request, owner, "Shared").id, token_hash=secrets.token_hex(32)
        ),
    }[kind]()
    request.dbsession.add(row)
    request.dbsession.flush()
    return row


@pytest.mark.parametrize("kind", ["video", "user", "channel", "playlist", "token", "share link"])
def test_a_deleted_rows_id_is_never_given_again(kind, site, make_user, make_request, dbsession):
    owner = make_user(site, "owner", role="staff")
    request = make_request(site, owner)
    first = make_each(kind, request, site, owner)
    gone = first.id  # the highest id of its table: the one SQLite would give again
    dbsession.delete(first)
    dbsession.flush()
    assert make_each(kind, request, site, owner).id > gone


# --- the migration, from a database made by the revisions before it -------------------------------


def previous_heads(engine, host) -> list[str]:
    """Each branch's revision before its ``ids never reused`` one (its head if it has none)."""
    script = ScriptDirectory.from_config(alembic_config(engine, host))
    targets = []
    for head in script.get_heads():
        revision = script.get_revision(head)
        while revision is not None and not (revision.doc or "").startswith("ids never reused"):
            revision = script.get_revision(revision.down_revision) if revision.down_revision else None
        targets.append(revision.down_revision if revision is not None else head)
    return targets


@pytest.fixture
def old_database(tmp_path):
    with temporary_database(tmp_path) as url:
        engine = make_engine(url)
        host = make_plugin_host({})
        for head in previous_heads(engine, host):
            upgrade(engine, host, head)
        yield engine, host
        engine.dispose()


def new_video(number: int | None) -> str:
    """An INSERT of video ``number`` (None: the database numbers it)."""
    columns = (
        "site_id, owner_id, title, slug, description, language, status, access, password_hash, "
        "allow_downloads, created_at, updated_at"
    )
    values = (
        f"1, 7, 'V{number}', 'v{number}', '', '', 'ready', 'public', '', false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP"
    )
    if number is None:
        return f"INSERT INTO videos ({columns}) VALUES ({values})"
    return f"INSERT INTO videos (id, {columns}) VALUES ({number}, {values})"


OLD_ROWS = [
    "INSERT INTO sites (id, slug, name, theme_color, logo_url, is_default, enabled_plugins, plugin_settings, "
    "created_at) VALUES (1, 'old', 'Old', '#1f4e8c', '', true, '[]', '{}', CURRENT_TIMESTAMP)",
    "INSERT INTO users (id, site_id, username, display_name, email, affiliation, locale, is_active, can_upload, "
    "is_site_admin, is_superuser, created_at) VALUES (7, 1, 'ana', 'Ana', '', '', '', true, true, false, false, "
    "CURRENT_TIMESTAMP)",
    *[new_video(n) for n in (3, 5, 9)],
    "INSERT INTO media_files (id, video_id, kind, key, size, mime, rendition, created_at) VALUES (4, 5, 'source', "
    "'sites/1/videos/5/source', 10, 'video/mp4', '.mp4', CURRENT_TIMESTAMP)",
    "INSERT INTO playlists_playlists (id, site_id, owner_id, title, description, visibility, token, favourites, "
    "created_at, updated_at) VALUES (2, 1, 7, 'P', '', 'private', 'tok', false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    "INSERT INTO playlists_items (id, playlist_id, video_id, position, added_at) VALUES (6, 2, 5, 0, CURRENT_TIMESTAMP)",
]
KEPT = {
    "videos": "SELECT id, title, owner_id FROM videos ORDER BY id",
    "media_files": "SELECT id, video_id, key FROM media_files",
    "users": "SELECT id, username FROM users",
    "playlists_items": "SELECT id, playlist_id, video_id FROM playlists_items",
}


def test_the_migration_keeps_every_row_and_id_and_no_id_comes_back(old_database):
    engine, host = old_database
    with engine.begin() as connection:
        for statement in OLD_ROWS:
            connection.execute(text(statement))
    with engine.connect() as connection:
        before = {table: connection.execute(text(query)).all() for table, query in KEPT.items()}
    upgrade(engine, host)
    with engine.begin() as connection:
        assert {table: connection.execute(text(query)).all() for table, query in KEPT.items()} == before
        assert sorted(t for t in numbered_tables() if not never_reused(connection, t)) == []
        if connection.dialect.name == "postgresql":  # rows the application made would have moved the sequence
            connection.execute(text("SELECT setval(pg_get_serial_sequence('videos', 'id'), 9)"))
        connection.execute(text("DELETE FROM videos WHERE id = 9"))  # the highest: the id SQLite gave again
        connection.execute(text(new_video(None)))
        assert connection.execute(text("SELECT id FROM videos WHERE slug = 'vNone'")).scalar() == 10
        connection.execute(text("DELETE FROM videos WHERE id = 5"))  # the foreign keys still cascade
        assert connection.execute(text("SELECT count(*) FROM playlists_items")).scalar() == 0
        assert connection.execute(text("SELECT count(*) FROM media_files")).scalar() == 0
    assert "videos" in inspect(engine).get_table_names()
