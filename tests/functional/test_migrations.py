"""Migrations from an empty database to head, and models == migrations (SQLite and PostgreSQL)."""

import pytest
from sqlalchemy import inspect

from core.platform.db import make_engine
from core.platform.migrate import alembic_config, model_differences, pending_heads, upgrade
from core.platform.plugins import make_plugin_host
from core.testing import temporary_database


@pytest.fixture
def empty_engine(tmp_path):
    with temporary_database(tmp_path) as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


def test_empty_to_head_creates_core_and_plugin_tables(empty_engine):
    from alembic.script import ScriptDirectory

    host = make_plugin_host({})
    heads = set(ScriptDirectory.from_config(alembic_config(empty_engine, host)).get_heads())
    assert pending_heads(empty_engine, host) == heads
    assert {"0002_auth_local", "0002_hello"} <= heads  # each plugin's branch head
    upgrade(empty_engine, host)
    tables = set(inspect(empty_engine).get_table_names())
    assert {"sites", "site_domains", "users", "groups", "videos", "media_files", "tracks", "jobs"} <= tables
    assert {"auth_local_credentials", "hello_greetings"} <= tables
    assert pending_heads(empty_engine, host) == set()


def test_models_and_migrations_agree(empty_engine):
    host = make_plugin_host({})
    upgrade(empty_engine, host)
    assert model_differences(empty_engine) == []


def test_each_plugin_has_its_own_branch(empty_engine):
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(empty_engine, make_plugin_host({})))
    labels = {label for revision in script.walk_revisions() for label in revision.branch_labels}
    assert {"core", "auth_local", "hello"} <= labels


def test_upgrading_twice_changes_nothing(empty_engine):
    host = make_plugin_host({})
    upgrade(empty_engine, host)
    upgrade(empty_engine, host)
    assert pending_heads(empty_engine, host) == set()


def test_a_blocked_plugin_neither_breaks_upgrades_nor_gets_tables(empty_engine):
    upgrade(empty_engine, make_plugin_host({}))
    blocked = make_plugin_host({"amphi.plugins.blocked": "hello"})
    assert blocked.infos["hello"].status == "blocked"
    upgrade(empty_engine, blocked)  # hello's revision is in the database: it must still be known
    assert pending_heads(empty_engine, blocked) == set()


def test_a_plugin_blocked_from_the_start_gets_no_tables(empty_engine):
    blocked = make_plugin_host({"amphi.plugins.blocked": "hello"})
    upgrade(empty_engine, blocked)
    tables = set(inspect(empty_engine).get_table_names())
    assert "auth_local_credentials" in tables and "hello_greetings" not in tables
    assert pending_heads(empty_engine, blocked) == set()
    host = make_plugin_host({})
    assert pending_heads(empty_engine, host) == {"0002_hello"}  # unblocked: its branch is due
    upgrade(empty_engine, host)
    assert "hello_greetings" in inspect(empty_engine).get_table_names()


def insert_an_old_site_and_user(connection) -> None:
    """Site 1 and its user 1 (ana), written as the oldest schema has them."""
    from sqlalchemy import text

    connection.execute(
        text(
            "INSERT INTO sites (id, slug, name, theme_color, logo_url, is_default, enabled_plugins, "
            "plugin_settings, created_at) VALUES (1, 'old', 'Old', '#1f4e8c', '', true, '[]', '{}', "
            "CURRENT_TIMESTAMP)"
        )
    )
    connection.execute(
        text(
            "INSERT INTO users (id, site_id, username, display_name, email, affiliation, locale, "
            "is_active, can_upload, is_site_admin, is_superuser, created_at) VALUES (1, 1, 'ana', "
            "'', '', '', '', true, true, false, false, CURRENT_TIMESTAMP)"
        )
    )


def insert_an_old_video(connection, status: str) -> None:
    """Video 1 of user 1 on site 1 (a draft), written as the schema has it from 0011_core on."""
    from sqlalchemy import text

    connection.execute(
        text(
            "INSERT INTO videos (id, site_id, owner_id, title, slug, description, language, status, "
            "access, status_reason, poster_key, password_hash, allow_downloads, created_at, "
            "updated_at, license) VALUES (1, 1, 1, 'Old', 'old', '', '', :status, 'draft', '', '', "
            "'', false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'all-rights-reserved')"
        ),
        {"status": status},
    )


def test_existing_sites_get_the_default_video_types(empty_engine):
    from sqlalchemy import text

    host = make_plugin_host({})
    upgrade(empty_engine, host, "0002_core")
    with empty_engine.begin() as connection:
        insert_an_old_site_and_user(connection)
        connection.execute(
            text(
                "INSERT INTO videos (site_id, owner_id, title, slug, description, language, status, "
                "access, status_reason, poster_key, password_hash, allow_downloads, created_at, "
                "updated_at) VALUES (1, 1, 'Old', 'old', '', '', 'ready', 'public', '', '', '', false, "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
    upgrade(empty_engine, host)
    with empty_engine.connect() as connection:
        slugs = connection.execute(text("SELECT slug FROM video_types ORDER BY position")).scalars().all()
        video = connection.execute(text("SELECT license, publish_at, type_id FROM videos")).one()
    assert slugs[0] == "course" and len(slugs) == 9
    assert tuple(video) == ("all-rights-reserved", None, None)


def test_objects_a_plugin_declares_unmanaged_are_left_out_of_the_comparison(empty_engine):
    """search_sql's full-text part (FTS5 tables on SQLite, a tsvector column on PostgreSQL) is the
    migration's alone: the comparison would report it, and leaves it out because it is declared."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from core.models import Base
    from core.models.meta import UNMANAGED

    upgrade(empty_engine, make_plugin_host({}))
    with empty_engine.connect() as connection:
        raw = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    named = {f"{change[2]}.{change[3].name}" if change[0] == "remove_column" else change[-1].name for change in raw}
    assert raw and named <= Base.metadata.info[UNMANAGED]
    assert model_differences(empty_engine) == []


def test_existing_share_links_keep_working_with_only_their_hash_stored(empty_engine):
    import hashlib

    from sqlalchemy import text

    from core.access.tokens import token_hash

    host = make_plugin_host({})
    upgrade(empty_engine, host, "0011_core")
    with empty_engine.begin() as connection:
        insert_an_old_site_and_user(connection)
        insert_an_old_video(connection, "ready")
        for number, token in enumerate(["first-old-token", "second-old-token"], start=1):
            connection.execute(
                text(
                    "INSERT INTO share_links (id, video_id, token, label, created_at) VALUES "
                    "(:id, 1, :token, '', CURRENT_TIMESTAMP)"
                ),
                {"id": number, "token": token},
            )
    upgrade(empty_engine, host)
    assert "token" not in {c["name"] for c in inspect(empty_engine).get_columns("share_links")}
    with empty_engine.connect() as connection:
        stored = connection.execute(text("SELECT id, token_hash FROM share_links ORDER BY id")).all()
    assert stored == [(1, token_hash("first-old-token")), (2, token_hash("second-old-token"))]
    assert token_hash("first-old-token") == hashlib.sha256(b"first-old-token").hexdigest()


def test_an_old_videos_one_audio_playlist_becomes_its_default_audio_rendition(empty_engine):
    from sqlalchemy import text

    host = make_plugin_host({})
    upgrade(empty_engine, host, "0017_core")
    with empty_engine.begin() as connection:
        insert_an_old_site_and_user(connection)
        insert_an_old_video(connection, "ready")
        for kind, rendition in (("hls-playlist", "360p"), ("hls-playlist", "audio"), ("audio", "audio")):
            connection.execute(
                text(
                    "INSERT INTO media_files (video_id, kind, rendition, key, size, mime, created_at) VALUES "
                    "(1, :kind, :rendition, :key, 0, '', CURRENT_TIMESTAMP)"
                ),
                {"kind": kind, "rendition": rendition, "key": f"{kind}/{rendition}"},
            )
    upgrade(empty_engine, host)
    with empty_engine.connect() as connection:
        rows = connection.execute(
            text("SELECT kind, rendition, language, label, is_default FROM media_files ORDER BY id")
        ).all()
    assert [tuple(row) for row in rows] == [
        ("hls-playlist", "360p", "", "", False),
        ("hls-audio", "audio", "", "Audio", True),
        ("audio", "audio", "", "", False),  # the m4a download stays a download
    ]


def test_a_queued_jobs_message_counts_as_sent_when_the_job_was_created(empty_engine):
    from sqlalchemy import text

    host = make_plugin_host({})
    upgrade(empty_engine, host, "0018_core")
    with empty_engine.begin() as connection:
        insert_an_old_site_and_user(connection)
        insert_an_old_video(connection, "processing")
        connection.execute(
            text(
                "INSERT INTO jobs (video_id, kind, state, attempts, progress, error, worker, cancel_requested, "
                "params, created_at) VALUES (1, 'encode', 'queued', 0, 0, '', '', false, '{}', :created)"
            ),
            {"created": "2026-01-02 03:04:05"},
        )
    upgrade(empty_engine, host)
    with empty_engine.connect() as connection:
        created, enqueued = connection.execute(text("SELECT created_at, enqueued_at FROM jobs")).one()
    assert enqueued == created and enqueued is not None
